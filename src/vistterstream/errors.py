"""The error every layer raises when the operator must be told something: an HTTP status and a message."""

from __future__ import annotations

from typing import Any


class OperatorError(Exception):
    """An expected refusal or failure: HTTP status, an actionable message, and extra JSON fields."""

    def __init__(self, status_code: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.extra = extra
