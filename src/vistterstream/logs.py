"""Logging setup: one stderr handler (journald picks it up) that redacts every record."""

from __future__ import annotations

import logging
import sys

from vistterstream.redact import RedactingFilter


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
