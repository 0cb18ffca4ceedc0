"""The one place where layer exceptions become HTTP errors with operator-readable messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from vistterstream.errors import OperatorError
from vistterstream.redact import redact
from vistterstream.store.db import StoreError

logger = logging.getLogger(__name__)


class ApiError(OperatorError):
    """A request the API layer refuses (unknown id, conflict…)."""


class FieldError(Exception):
    """A semantic validation failure on one request field (e.g. a cue naming a missing camera) → 422."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = ["body", *loc]
        self.msg = msg


_UNION_TAGS = {"show_camera", "text", "clock", "image"}


def _field_name(loc: Sequence[Any]) -> str:
    """`cues.2.duration` from pydantic's loc: no "body" prefix, no discriminator tag after a list index."""
    parts: list[str] = []
    previous: Any = None
    for index, part in enumerate(loc):
        if index == 0 and part in ("body", "query", "path"):
            continue
        if isinstance(previous, int) and part in _UNION_TAGS:
            previous = None
            continue
        parts.append(str(part))
        previous = part
    return ".".join(parts) or "body"


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    lines = []
    for err in errors[:5]:
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{_field_name(err.get('loc', ()))}: {msg}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(lines) + more


def _clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    cleaned = []
    for err in errors:
        item = {k: v for k, v in dict(err).items() if k in ("loc", "msg", "type")}
        item["msg"] = str(item.get("msg", "")).removeprefix("Value error, ")
        item["field"] = _field_name(item.get("loc", ()))
        # Never echo the submitted value back: it may be a stream key.
        cleaned.append(item)
    return cleaned


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OperatorError)
    async def _operator_error(_request: Request, exc: OperatorError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **jsonable_encoder(exc.extra)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean_errors(exc.errors())
        return JSONResponse(
            {"detail": jsonable_encoder(errors), "message": validation_message(errors)}, status_code=422
        )

    @app.exception_handler(FieldError)
    async def _field(_request: Request, exc: FieldError) -> JSONResponse:
        errors = [{"loc": exc.loc, "msg": exc.msg, "type": "value_error", "field": _field_name(exc.loc)}]
        return JSONResponse({"detail": errors, "message": validation_message(errors)}, status_code=422)

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(OperationalError)
    async def _db(_request: Request, exc: OperationalError) -> JSONResponse:
        reason = str(exc.orig)
        logger.error("database write failed: %s", redact(reason))
        if "full" in reason:
            hint = "The disk is full: free some space and try again."
        elif "readonly" in reason or "read-only" in reason:
            hint = "The data directory is read-only: make it writable and try again."
        else:
            hint = "Try again; if it keeps failing, check the disk and the service log."
        return JSONResponse({"detail": f"Nothing was saved: the database refused the change. {hint}"},
                            status_code=503)
