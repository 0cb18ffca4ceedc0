"""Live relay: one per destination. Feeds the program to a worker process that publishes FLV over RTMP(S).

States: connecting → live; on any failure → retrying (backoff 2 s × 1.5 with jitter, capped at 60 s) →
connecting …; when detached: `failed` if it never went live and has an error, else `stopped`.
A relay never touches the bus beyond its own subscription, so one destination
failing cannot slow the program, the preview or another destination.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from vistterstream.backoff import backoff_delay
from vistterstream.outputs.relay_worker import encode_packet, info_to_json
from vistterstream.program.bus import PacketBus, Subscription
from vistterstream.redact import redact, redact_url

logger = logging.getLogger(__name__)

BACKOFF_START, BACKOFF_FACTOR, BACKOFF_MAX = 2.0, 1.5, 60.0
STALL_AFTER = 10.0  # connected, but the destination accepted nothing for this long → reconnect
QUEUE_PACKETS = 900  # ~10 s of 30 fps video + audio; beyond that whole GOPs are dropped


class RelayState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RETRYING = "retrying"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Target:
    """Where one destination publishes. `url` holds the stream key: never log or return it."""

    destination_id: int
    name: str
    platform: str
    url: str
    key: str

    @property
    def safe_url(self) -> str:
        return redact_url(self.url)


def relay_backoff(attempt: int) -> float:
    """2 s, 3 s, 4.5 s … capped at 60 s, ±20 % jitter (attempt = consecutive failures, 1-based)."""
    return backoff_delay(attempt, BACKOFF_START, BACKOFF_MAX, factor=BACKOFF_FACTOR)


class RelayOutput:
    def __init__(self, bus: PacketBus, target: Target, *, connect_timeout: float = 10.0,
                 on_change: Callable[[RelayOutput], None] | None = None,
                 backoff: Callable[[int], float] = relay_backoff) -> None:
        self.bus = bus
        self.target = target
        self.connect_timeout = connect_timeout
        self._on_change = on_change
        self._backoff = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.state = RelayState.CONNECTING
        self.last_error: str | None = None
        self.reconnects = 0
        self._failures = 0  # consecutive failed attempts: paces the next retry, reset on going live
        self.connected_at: float | None = None
        self.ever_live = False
        self.next_retry_at: float | None = None
        self._bytes_done = 0  # bytes of finished attempts
        self._bytes_now = 0  # bytes of the current attempt
        self._rate: deque[tuple[float, int]] = deque(maxlen=12)
        self._last_progress = 0.0
        self.dropped_gops = 0

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"relay-{self.target.destination_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._kill_worker(graceful=True)
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self._set_state(RelayState.STOPPED if self.ever_live or not self.last_error else RelayState.FAILED)

    @property
    def bytes_sent(self) -> int:
        return self._bytes_done + self._bytes_now

    @property
    def bitrate(self) -> int:
        """Bits per second over the last few seconds of progress reports."""
        if self.state is not RelayState.LIVE or len(self._rate) < 2:
            return 0
        (t0, b0), (t1, b1) = self._rate[0], self._rate[-1]
        return int((b1 - b0) * 8 / (t1 - t0)) if t1 > t0 else 0

    def stats(self) -> dict[str, Any]:
        return {
            "destination_id": self.target.destination_id, "name": self.target.name,
            "platform": self.target.platform, "url": self.target.safe_url, "state": self.state.value,
            "bytes_sent": self.bytes_sent, "bitrate": self.bitrate, "reconnects": self.reconnects,
            "last_error": self.last_error, "connected_at": self.connected_at,
            "next_retry_in": round(max(0.0, self.next_retry_at - time.time()), 1) if self.next_retry_at else None,
            "dropped_gops": self.dropped_gops,
        }

    # ------------------------------------------------------------------ worker supervision
    def _set_state(self, state: RelayState) -> None:
        if state is self.state:
            return
        self.state = state
        if self._on_change is not None:
            try:
                self._on_change(self)
            except Exception:
                logger.exception("relay state listener failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.next_retry_at = None
            self._set_state(RelayState.CONNECTING)
            error = self._attempt()
            if self._stop.is_set():
                break
            self._fail(error)
            self.reconnects += 1
            self._failures += 1
            delay = self._backoff(self._failures)
            self.next_retry_at = time.time() + delay
            self._stop.wait(delay)

    def _fail(self, error: str) -> None:
        message = redact(error, secrets=[self.target.url, self.target.key])
        self.last_error = message
        self.connected_at = None
        logger.warning("destination %s (%s): %s", self.target.name, self.target.safe_url, message)
        self._set_state(RelayState.RETRYING)

    def _attempt(self) -> str:
        """One connection, from spawn to failure. Returns what went wrong."""
        sub = self.bus.subscribe(f"relay-{self.target.destination_id}", max_packets=QUEUE_PACKETS)
        process = subprocess.Popen([sys.executable, "-m", "vistterstream.outputs.relay_worker"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        with self._lock:
            self._process = process
        outcome: dict[str, str] = {}
        connected = threading.Event()
        reader = threading.Thread(target=self._read_events, args=(process.stdout, connected, outcome),
                                  name=f"relay-{self.target.destination_id}-events", daemon=True)
        reader.start()
        pump = threading.Thread(target=self._pump, args=(sub, process.stdin, outcome),
                                name=f"relay-{self.target.destination_id}-pump", daemon=True)
        started = time.monotonic()
        self._bytes_now, self._last_progress = 0, time.monotonic()
        self._rate.clear()
        try:
            assert process.stdin is not None
            config = {"url": self.target.url, "secrets": [self.target.key], "info": info_to_json(self.bus.info)}
            process.stdin.write(json.dumps(config).encode() + b"\n")
            process.stdin.flush()
            pump.start()
            while not self._stop.is_set():
                if process.poll() is not None or "error" in outcome:
                    break
                now = time.monotonic()
                if not connected.is_set() and now - started > self.connect_timeout:
                    outcome.setdefault("error", f"no answer from the server within {self.connect_timeout:.0f} s")
                    break
                if connected.is_set() and now - self._last_progress > STALL_AFTER:
                    outcome.setdefault("error", f"the server stopped accepting data for {STALL_AFTER:.0f} s")
                    break
                self._stop.wait(0.1)
        except OSError as exc:
            outcome.setdefault("error", f"the relay worker could not start: {exc}")
        finally:
            self._kill_worker(graceful=self._stop.is_set())
            sub.close()
            if pump.is_alive():
                pump.join(2)
            reader.join(2)
            self.dropped_gops += sub.dropped_gops
            self._bytes_done += self._bytes_now
            self._bytes_now = 0
        return outcome.get("error") or "the relay worker exited unexpectedly"

    def _pump(self, sub: Subscription, stdin: IO[bytes] | None, outcome: dict[str, str]) -> None:
        assert stdin is not None
        try:
            while not self._stop.is_set():
                packet = sub.get(timeout=0.5)
                if packet is None:
                    if sub.closed:
                        return
                    continue
                stdin.write(encode_packet(packet))
        except (BrokenPipeError, ValueError, OSError):
            return  # the worker is gone; the supervisor reports why

    def _read_events(self, stdout: IO[bytes] | None, connected: threading.Event, outcome: dict[str, str]) -> None:
        assert stdout is not None
        for line in stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "connected":
                connected.set()
                self.connected_at = time.time()
                self.ever_live = True
                self._failures = 0
                self._last_progress = time.monotonic()
                self._set_state(RelayState.LIVE)
                logger.info("destination %s is live (%s)", self.target.name, self.target.safe_url)
            elif kind == "progress":
                sent = int(event.get("bytes", 0))
                if sent > self._bytes_now:
                    self._last_progress = time.monotonic()
                self._bytes_now = sent
                self._rate.append((time.monotonic(), self.bytes_sent))
            elif kind == "error":
                outcome.setdefault("error", str(event.get("message")))

    def _kill_worker(self, graceful: bool) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        if graceful and process.poll() is None and process.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                process.stdin.close()  # EOF: the worker writes the FLV trailer and exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(2)
        if process.poll() is None:
            process.kill()
        process.wait(5)
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError, ValueError):
                if pipe is not None:
                    pipe.close()
