"""SourceReader: one thread per camera, keeping only the latest decoded frame (a mailbox, not a queue)."""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import av

from vistterstream.backoff import backoff_delay
from vistterstream.redact import redact

logger = logging.getLogger(__name__)


class SourceError(Exception):
    """A camera cannot be read; the message is for the operator (credentials already redacted)."""


class SourceState(StrEnum):
    CONNECTING = "connecting"
    OK = "ok"
    STALLED = "stalled"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SourceFrame:
    frame: av.VideoFrame
    captured_at: float  # time.time() when the frame arrived (or was generated)
    seq: int


STALL_AFTER = 0.5


class SourceReader:
    """Base class: subclasses implement `_frames()`, yielding decoded frames until an error or stop."""

    kind = "base"

    def __init__(self, camera_id: int, name: str, url: str, *, backoff_start: float = 0.5,
                 backoff_max: float = 5.0) -> None:
        self.camera_id = camera_id
        self.name = name
        self.url = url
        self._backoff_start = backoff_start
        self._backoff_max = backoff_max
        self._lock = threading.Lock()
        self._latest: SourceFrame | None = None
        self._seq = 0
        self._state = SourceState.STOPPED
        self._errors: collections.deque[tuple[float, str]] = collections.deque(maxlen=10)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_in = 0
        self.reconnects = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._state = SourceState.CONNECTING
        self._thread = threading.Thread(target=self._run, name=f"source-{self.camera_id}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker to end without waiting (callers on a hot path); stop() then joins it."""
        self._stop.set()

    def stop(self, timeout: float = 6.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("source %s did not stop within %.1fs", self.name, timeout)
        self._state = SourceState.STOPPED

    @property
    def thread_alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ mailbox
    def latest(self) -> SourceFrame | None:
        with self._lock:
            return self._latest

    def _publish(self, frame: av.VideoFrame, captured_at: float | None = None) -> None:
        with self._lock:
            self._seq += 1
            self._latest = SourceFrame(frame, captured_at if captured_at is not None else time.time(), self._seq)
        self.frames_in += 1
        self._state = SourceState.OK

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> SourceState:
        latest = self.latest()
        if self._state is SourceState.OK and latest is not None and time.time() - latest.captured_at > STALL_AFTER:
            return SourceState.STALLED
        return self._state

    @property
    def last_error(self) -> str | None:
        return self._errors[-1][1] if self._errors else None

    def stats(self) -> dict[str, Any]:
        latest = self.latest()
        return {
            "camera_id": self.camera_id, "name": self.name, "type": self.kind, "state": self.state.value,
            "frames": self.frames_in, "reconnects": self.reconnects, "last_error": self.last_error,
            "last_frame_age": round(time.time() - latest.captured_at, 3) if latest else None,
            "recent_errors": [{"at": at, "error": err} for at, err in self._errors],
        }

    # ------------------------------------------------------------------ worker
    def _frames(self) -> Iterator[av.VideoFrame]:
        raise NotImplementedError

    def _run(self) -> None:
        failures = 0  # consecutive; a delivered frame resets it
        while not self._stop.is_set():
            self._state = SourceState.CONNECTING
            try:
                for frame in self._frames():
                    self._publish(frame)
                    failures = 0
                    if self._stop.is_set():
                        break
                if self._stop.is_set():
                    break
                raise SourceError("the stream ended")
            except Exception as exc:
                failures += 1
                delay = backoff_delay(failures, self._backoff_start, self._backoff_max, jitter=0.1)
                message = redact(describe_error(exc), secrets=[self.url])
                self._errors.append((time.time(), message))
                self._state = SourceState.FAILED
                logger.warning("camera %s: %s; retrying in %.1fs", self.name, message, delay)
            self.reconnects += 1
            self._stop.wait(delay)


def describe_error(exc: BaseException) -> str:
    """Operator wording for common PyAV/FFmpeg errors."""
    text = str(exc)
    if isinstance(exc, av.error.HTTPUnauthorizedError) or "401" in text:
        return "the camera refused the user name or password (401)"
    if isinstance(exc, av.error.HTTPNotFoundError) or "404" in text:
        return "the camera has no stream at that address (404): check the URL path"
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused: the camera is off, unreachable, or the port is wrong"
    if isinstance(exc, TimeoutError | av.error.ExitError) or "timed out" in text.lower():
        return "timed out waiting for the camera"
    if isinstance(exc, FileNotFoundError | av.error.FileNotFoundError):
        return f"file not found: {getattr(exc, 'filename', '') or text}"
    return text or type(exc).__name__
