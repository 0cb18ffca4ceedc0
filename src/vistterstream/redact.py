"""Masking of secrets in URLs and free text: the one place that decides what an operator may see."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "****"
_SECRET_QUERY_KEYS = {"key", "token", "password", "pass", "pwd", "secret", "auth", "signature", "sig",
                      "access_token", "streamkey", "stream_key", "user", "username"}
_RTMP_SCHEMES = {"rtmp", "rtmps", "rtmpt", "rtmpe", "rtmpte", "rtmpts"}
_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,10}://[^\s'\"<>]+")


def redact_url(url: str) -> str:
    """Return `url` with password, secret query values and RTMP stream keys replaced by ****."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{hostport}" if ":" in userinfo else f"{MASK}@{hostport}"
    path = parts.path
    if parts.scheme.lower() in _RTMP_SCHEMES:
        # rtmp://host/app/<stream key>: everything after the application name is the key.
        segments = path.split("/")
        if len(segments) > 2 and any(segments[2:]):
            path = "/".join([*segments[:2], MASK])
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*")
    if (netloc, path, query) == (parts.netloc, parts.path, parts.query):
        return url  # nothing secret; urlunsplit would also drop an empty "//" authority
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Redact every URL inside `text`, and any literal occurrence of the given secrets."""
    out = _URL_RE.sub(lambda m: redact_url(m.group(0)), text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, MASK)
    return out


def key_hint(key: str) -> str | None:
    """The last four characters of a key (enough to recognise it, not to use it); none for short keys."""
    return key[-4:] if len(key) > 8 else None


def masked_key(hint: str | None) -> str:
    return "••••" + (hint or "")


class RedactingFilter(logging.Filter):
    """Logging filter that redacts URLs in every record, so a careless log call cannot leak a key."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
