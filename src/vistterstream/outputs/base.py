"""Types shared by every output."""

from __future__ import annotations

from enum import StrEnum


class OutputError(Exception):
    """An output cannot run; the message is for the operator."""


class OutputState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    STOPPED = "stopped"
