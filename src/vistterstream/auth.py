"""Login for access beyond localhost: the admin account, password hashes, browser sessions, login throttling.

Passwords are hashed with scrypt; session cookies carry a random token of which only a SHA-256 is stored;
each session has its own CSRF token that the web UI sends back on every change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from vistterstream.store.models import AdminUser, LoginSession

# scrypt cost: ~32 MiB and ~0.1 s per attempt on a Pi 5 — slow for guessing, quick for one login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
PASSWORD_MIN_LENGTH = 10
USERNAME_MAX_LENGTH = 64
SESSION_MAX_AGE = timedelta(days=7)  # a login never lasts longer than this, even if used every day
LAST_SEEN_RESOLUTION = timedelta(minutes=1)  # do not write the database on every request

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class AccountError(ValueError):
    """A user name or password that cannot be used; the message says why."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost — the addresses only this machine can use."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash`, with the cost stored so it can be raised later without breaking logins."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


# Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def check_new_account(username: str, password: str) -> None:
    if not 0 < len(username) <= USERNAME_MAX_LENGTH or not username.isprintable() or username != username.strip():
        raise AccountError(f"username: use 1–{USERNAME_MAX_LENGTH} visible characters, no leading or trailing spaces")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"password: use at least {PASSWORD_MIN_LENGTH} characters")
    if password.lower() == username.lower():
        raise AccountError("password: must not be the user name")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class LoggedIn:
    username: str
    csrf_token: str


class Accounts:
    """The admin account and its browser sessions, in the app's database."""

    def __init__(self, sessions: sessionmaker[Session], idle_timeout: timedelta) -> None:
        self._sessions = sessions
        self.idle_timeout = idle_timeout

    def admin_exists(self) -> bool:
        with self._sessions() as session:
            return bool(session.scalar(select(func.count()).select_from(AdminUser)))

    def set_admin(self, username: str, password: str, *, replace: bool) -> str:
        """Create the one admin account (or, with replace, rename it / change its password and log every
        browser out). Returns what was done, for the command line."""
        check_new_account(username, password)
        with self._sessions() as session:
            existing = session.scalar(select(AdminUser))
            if existing is not None and not replace:
                raise AccountError(f"an admin account ('{existing.username}') already exists: run again with "
                                   f"--replace to change its name or password (this logs out every browser)")
            if existing is None:
                session.add(AdminUser(username=username, password_hash=hash_password(password)))
                done = f"Admin account '{username}' created."
            else:
                existing.username, existing.password_hash = username, hash_password(password)
                session.execute(delete(LoginSession))
                done = f"Admin account '{username}' updated; every browser has to log in again."
            session.commit()
            return done

    def login(self, username: str, password: str) -> tuple[str, LoggedIn] | None:
        """A new session token and its CSRF token for the right credentials, else None."""
        with self._sessions() as session:
            user = session.scalar(select(AdminUser).where(AdminUser.username == username))
            if user is None:
                verify_password(password, _DUMMY_HASH)
                return None
            if not verify_password(password, user.password_hash):
                return None
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, csrf_token=csrf))
            self._forget_expired(session)
            session.commit()
            return token, LoggedIn(user.username, csrf)

    def lookup(self, token: str) -> LoggedIn | None:
        """Who a session cookie belongs to, or None when it is unknown or expired (idle or too old)."""
        if not token:
            return None
        with self._sessions() as session:
            row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
            if row is None:
                return None
            now = datetime.now(UTC)
            if now - row.last_seen_at > self.idle_timeout or now - row.created_at > SESSION_MAX_AGE:
                session.delete(row)
                session.commit()
                return None
            if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
                row.last_seen_at = now
                session.commit()
            return LoggedIn(row.user.username, row.csrf_token)

    def logout(self, token: str) -> None:
        with self._sessions() as session:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
            session.commit()

    def _forget_expired(self, session: Session) -> None:
        now = datetime.now(UTC)
        session.execute(delete(LoginSession).where(
            (LoginSession.last_seen_at < now - self.idle_timeout) | (LoginSession.created_at < now - SESSION_MAX_AGE)))


class LoginThrottle:
    """At most `limit` failed logins per client address in `window` seconds; then wait until the oldest ages out."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str) -> float:
        """Seconds this client must wait before trying again (0 = may try now)."""
        failures = self._recent(client, time.monotonic())
        if len(failures) < self.limit:
            return 0.0
        return max(0.0, failures[0] + self.window - time.monotonic())

    def failed(self, client: str) -> None:
        now = time.monotonic()
        self._recent(client, now).append(now)
        for other in [c for c, times in self._failures.items() if not times or times[-1] < now - self.window]:
            del self._failures[other]  # keep memory bounded under a spray of addresses

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures
