"""Who may use the app: the access guard (login, CSRF, origin, local-only preview) and /api/auth."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from vistterstream.api.deps import AccountStore, AppSettings, Throttle
from vistterstream.api.errors import ApiError
from vistterstream.api.schemas import Input
from vistterstream.auth import SESSION_MAX_AGE, Accounts, LoggedIn, is_loopback
from vistterstream.settings import Settings

logger = logging.getLogger(__name__)

COOKIE = "vistterstream_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reachable without a login: the login itself, the health check for monitoring, and the web UI's files.
PUBLIC_API = frozenset({"/api/auth/login", "/api/auth/logout", "/api/auth/session", "/api/preview/health"})
PROTECTED_PREFIXES = ("/api/", "/preview/", "/docs", "/redoc", "/openapi.json")
PREVIEW_MEDIA = ("/preview/", "/api/preview/monitor")

LOCAL_ONLY = ("The preview picture is shown only on the appliance itself. Watch it there or through an SSH tunnel "
              "(docs/install.md, \"Remote access\"), or set VISTTER_REMOTE_PREVIEW=true to show it to logged-in "
              "browsers on other machines.")


def client_is_local(scope: Scope) -> bool:
    client: tuple[str, int] | None = scope.get("client")
    return client is not None and is_loopback(client[0])


def preview_visible(settings: Settings, scope: Scope) -> bool:
    return settings.remote_preview or client_is_local(scope)


class AccessGuard:
    """ASGI middleware in front of every HTTP request and WebSocket.

    Without a login (the default on 127.0.0.1) it only lets in requests addressed to localhost — a web page
    elsewhere cannot reach the app by DNS rebinding — and refuses cross-site changes. With a login it needs
    a valid session cookie for the API, the preview files and the docs, and the session's CSRF token on
    every change. The preview picture stays on this machine unless remote preview is switched on.
    """

    def __init__(self, app: ASGIApp, settings: Settings, accounts: Accounts) -> None:
        self.app, self.settings, self.accounts = app, settings, accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        status, code, message = await self._check(scope)
        if status:
            logger.info("refused %s %s from %s: %s", scope.get("method", "WS"), scope["path"],
                        (scope.get("client") or ("?",))[0], code)
            await _deny(scope, receive, send, status, code, message)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope) -> tuple[int, str, str]:
        """(0, "", "") to let the request through, else (HTTP status, reason code, operator message)."""
        path: str = scope["path"]
        headers = Headers(scope=scope)
        changes = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        if changes and not _same_origin(headers):
            return 403, "cross_origin", "Refused a request sent from another web site."
        if not self.settings.login_required:
            host = urlsplit(f"//{headers.get('host', '')}").hostname or ""
            if not is_loopback(host):
                return 421, "not_local", (
                    f"This VistterStream answers only at localhost (you used '{host}'). Open "
                    f"http://127.0.0.1:{self.settings.port}/, or turn on the login for remote access "
                    f"(docs/install.md, \"Remote access\").")
        if path.startswith(PREVIEW_MEDIA) and not preview_visible(self.settings, scope):
            return 403, "preview_local_only", LOCAL_ONLY
        if not self.settings.login_required or path in PUBLIC_API or not path.startswith(PROTECTED_PREFIXES):
            return 0, "", ""
        user = await anyio.to_thread.run_sync(self.accounts.lookup, session_token(headers))
        if user is None:
            return 401, "login_required", "Log in to continue (your session ended or you are not logged in)."
        if scope["type"] == "http" and changes and not _csrf_ok(headers, user):
            return 403, "csrf", "The page is out of date (old or missing security token). Reload it."
        scope.setdefault("state", {})["user"] = user.username
        return 0, "", ""


def session_token(headers: Headers) -> str:
    return cookie_parser(headers.get("cookie", "")).get(COOKIE, "")


def _same_origin(headers: Headers) -> bool:
    """Browsers send Origin with cross-site changes and WebSockets; it must name the host the app was asked as."""
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser (curl, scripts) or a same-origin navigation
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


def _csrf_ok(headers: Headers, user: LoggedIn) -> bool:
    sent = headers.get(CSRF_HEADER, "").encode("utf-8", "replace")  # bytes: any header value compares safely
    return hmac.compare_digest(sent, user.csrf_token.encode("ascii"))


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    if scope["type"] == "http":
        await JSONResponse({"detail": message, "code": code}, status_code=status)(scope, receive, send)
        return
    # WebSocket: accept, then close with 4000 + HTTP status, so the page can say why (4401, 4403, 4421).
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 4000 + status, "reason": message[:120]})


def actor(request: Request) -> str:
    """Who an audit event is recorded as: the logged-in admin, or "operator" when no login is used."""
    user: str | None = getattr(request.state, "user", None)
    return user or "operator"


Actor = Annotated[str, Depends(actor)]

# ---------------------------------------------------------------- /api/auth
router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(Input):
    username: str
    password: str


class SessionInfo(BaseModel):
    login_required: bool
    username: str | None
    csrf_token: str | None
    preview_visible: bool
    message: str | None = None


def _info(request: Request, settings: Settings, user: LoggedIn | None, message: str | None = None) -> dict[str, Any]:
    return {"login_required": settings.login_required, "username": user.username if user else None,
            "csrf_token": user.csrf_token if user else None,
            "preview_visible": preview_visible(settings, request.scope), "message": message}


@router.get("/session", response_model=SessionInfo)
def current_session(request: Request, settings: AppSettings, accounts: AccountStore) -> dict[str, Any]:
    """Whether a login is needed, who is logged in, the CSRF token to send as X-CSRF-Token, and whether this
    browser may see the preview picture."""
    user = accounts.lookup(session_token(request.headers)) if settings.login_required else None
    return _info(request, settings, user)


@router.post("/login", response_model=SessionInfo, responses={
    401: {"description": "Wrong user name or password"}, 429: {"description": "Too many failed logins"}})
def login(body: Credentials, request: Request, response: Response, settings: AppSettings, accounts: AccountStore,
          throttle: Throttle) -> dict[str, Any]:
    if not settings.login_required:
        return _info(request, settings, None, "No login is needed: this app only answers on this machine.")
    client = request.client.host if request.client else "?"
    wait = throttle.retry_after(client)
    if wait:
        raise ApiError(429, f"Too many failed logins from {client}. Wait {int(wait) + 1} s and try again.",
                       retry_after=int(wait) + 1)
    result = accounts.login(body.username, body.password)
    if result is None:
        throttle.failed(client)
        logger.warning("failed login for '%s' from %s", body.username[:64], client)
        raise ApiError(401, "Wrong user name or password.")
    throttle.succeeded(client)
    token, user = result
    logger.info("'%s' logged in from %s", user.username, client)
    # The server ends idle sessions; the cookie itself lasts as long as a session can.
    response.set_cookie(COOKIE, token, max_age=int(SESSION_MAX_AGE.total_seconds()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return _info(request, settings, user, f"Logged in as {user.username}.")


@router.post("/logout", response_model=SessionInfo)
def logout(request: Request, response: Response, settings: AppSettings, accounts: AccountStore) -> dict[str, Any]:
    token = session_token(request.headers)
    if token:
        accounts.logout(token)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return _info(request, settings, None, "Logged out.")
