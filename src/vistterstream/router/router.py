"""StreamRouter: IDLE → PREVIEW → LIVE → PREVIEW → IDLE, and nothing in between.

- start: program (engine) + HLS preview.        - go_live: attach one relay per destination.
- stop_live: detach every relay.                 - stop: end everything, clean up.
- add/remove destinations while live.

Transitions are serialised by one lock taken without waiting: a second command while one is in flight
is answered 409 at once instead of queueing behind it. Each transition either completes or is rolled
back, so no caller ever sees a half state. Rules for destinations:
  * at go-live (or when added), a destination that cannot connect within `connect_timeout` is detached
    and reported — nothing keeps hammering a wrong key;
  * once a destination has been live, a failure makes it reconnect with backoff until stopped — a live
    broadcast is never given up on.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from vistterstream.errors import OperatorError
from vistterstream.memory import release_free_memory
from vistterstream.outputs.base import OutputError, OutputState
from vistterstream.outputs.fmp4 import Fmp4Viewer
from vistterstream.outputs.hls import HlsOutput
from vistterstream.outputs.relay import RelayOutput, RelayState, Target
from vistterstream.program.engine import Engine, EngineError, EngineState
from vistterstream.program.timeline import TimelineSpec
from vistterstream.sources.factory import CameraSpec

logger = logging.getLogger(__name__)

MIN_FREE_BYTES = 20_000_000  # a few minutes of segments at the highest quality, with margin


class Mode(StrEnum):
    IDLE = "idle"
    PREVIEW = "preview"
    LIVE = "live"


class RouterError(OperatorError):
    """A refused or failed command (wrong mode, busy, no destination reachable…)."""


@dataclass(frozen=True)
class AuditEvent:
    event_type: str
    timeline_id: int | None
    destination_ids: list[int] = field(default_factory=list)
    detail: str | None = None
    created_by: str = "operator"  # "system" for what the router noticed by itself (relay failures…)


Audit = Callable[[AuditEvent], None]
RelayFactory = Callable[..., RelayOutput]


class StreamRouter:
    def __init__(self, media_dir: Path, *, engine: Engine | None = None, connect_timeout: float = 10.0,
                 audit: Audit | None = None, notify: Callable[[], None] | None = None,
                 relay_factory: RelayFactory = RelayOutput, enabled: bool = True) -> None:
        self.media_dir = media_dir
        self.engine = engine or Engine()
        self.connect_timeout = connect_timeout
        self.enabled = enabled
        self._audit = audit or (lambda event: None)
        self._notify = notify or (lambda: None)
        self._relay_factory = relay_factory
        self._busy = threading.Lock()  # held for the whole of one transition
        self._actor = "operator"  # who asked for the transition in progress (recorded as created_by)
        self.mode = Mode.IDLE
        self.spec: TimelineSpec | None = None
        self.hls: HlsOutput | None = None
        self.relays: dict[int, RelayOutput] = {}
        self.started_at: float | None = None
        self.live_since: float | None = None

    # ------------------------------------------------------------------ transitions
    def _transition(self, by: str) -> _Transition:
        return _Transition(self, by)

    def start(self, spec: TimelineSpec, cameras: dict[int, CameraSpec], *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            if self.mode is not Mode.IDLE:
                current = self.spec.name if self.spec else "?"
                raise RouterError(409, f"A preview is already running (timeline '{current}'). Stop it first, "
                                       f"then start '{spec.name}'.", mode=self.mode.value)
            problem = self.health_problem()
            if problem:
                raise RouterError(503, problem)
            try:
                bus = self.engine.start(spec, cameras)
            except EngineError as exc:
                raise RouterError(422 if "camera" in str(exc) else 503, str(exc)) from exc
            hls = HlsOutput(bus, self.media_dir)
            try:
                hls.start()
            except OutputError as exc:
                self.engine.stop()
                raise RouterError(503, f"The preview cannot be written: {exc}") from exc
            self.hls, self.spec, self.mode = hls, spec, Mode.PREVIEW
            self.started_at = time.time()
            self._record("preview_start", [], f"{spec.width}x{spec.height}@{spec.fps} {spec.quality}")
            logger.info("preview started: timeline '%s'", spec.name)
            return {"message": f"Preview started: {spec.name}", "timeline_id": spec.id, "timeline_name": spec.name,
                    "hls_url": self.hls_url, "mode": self.mode.value}

    def stop(self, *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            if self.mode is Mode.IDLE:
                raise RouterError(400, "No preview is running.")
            timeline_id = self.spec.id if self.spec else None
            name = self.spec.name if self.spec else ""
            if self.relays:
                ids = list(self.relays)
                self._detach(ids)
                self._record("stop_live", ids, "stopped together with the preview")
            self._teardown()
            self._record("preview_stop", [], None, timeline_id=timeline_id)
            logger.info("preview stopped")
            return {"message": f"Preview stopped: {name}", "timeline_id": timeline_id}

    def go_live(self, targets: list[Target], *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            self.check_can_go_live()
            live, failed = self._connect(targets)
            ids = [t.destination_id for t in targets]
            if not live:
                self._record("go_live_failed", ids, _describe_failures(failed))
                raise RouterError(
                    502, f"Could not go live — no destination accepted the stream: {_describe_failures(failed)}. "
                         f"The preview is still running.",
                    failures=failed, mode=self.mode.value)
            self.mode, self.live_since = Mode.LIVE, time.time()
            names = [r.target.name for r in live]
            self._record("go_live", [r.target.destination_id for r in live],
                         "live: " + ", ".join(names) + (f"; failed: {_describe_failures(failed)}" if failed else ""))
            message = "Live on " + ", ".join(names)
            if failed:
                message += f". Not connected (left out): {_describe_failures(failed)}"
            return {"message": message, "timeline_id": self.spec.id if self.spec else None, "destinations": names,
                    "mode": self.mode.value, "failures": failed}

    def check_can_go_live(self) -> None:
        """Raise the 400 a go-live would get now (called before decrypting any stream key)."""
        if self.mode is Mode.LIVE:
            raise RouterError(400, "Already live. To add a destination, use Add destination "
                                   "(POST /api/preview/destinations).", mode=self.mode.value)
        if self.mode is not Mode.PREVIEW:
            raise RouterError(400, "Start the preview first: going live sends the running preview program "
                                   "to the destinations.", mode=self.mode.value)

    def stop_live(self, *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            if self.mode is not Mode.LIVE:
                raise RouterError(400, "Not live: there is nothing to stop. (Stop Preview ends the preview.)",
                                  mode=self.mode.value)
            ids = list(self.relays)
            self._detach(ids)
            self.mode, self.live_since = Mode.PREVIEW, None
            self._record("stop_live", ids, None)
            return {"message": "Live stopped; the preview keeps running.", "timeline_id": self._timeline_id,
                    "mode": self.mode.value}

    def check_live(self) -> None:
        if self.mode is not Mode.LIVE:
            raise RouterError(400, "Not live: destinations can be added or removed while live. To start, choose "
                                   "destinations and press Go Live.", mode=self.mode.value)

    def add_destinations(self, targets: list[Target], *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            self.check_live()
            already = [t.name for t in targets if t.destination_id in self.relays]
            if already:
                raise RouterError(409, f"Already live on: {', '.join(already)}.")
            live, failed = self._connect(targets)
            for relay in live:
                self._record("destination_added", [relay.target.destination_id], relay.target.name)
            if not live:
                raise RouterError(502, f"Could not add: {_describe_failures(failed)}. The other destinations "
                                       f"are unaffected.", failures=failed, mode=self.mode.value)
            names = [r.target.name for r in live]
            message = "Added " + ", ".join(names)
            if failed:
                message += f". Not connected (left out): {_describe_failures(failed)}"
            return {"message": message, "destinations": names, "failures": failed, "mode": self.mode.value}

    def remove_destinations(self, destination_ids: list[int], *, by: str = "operator") -> dict[str, Any]:
        with self._transition(by):
            self.check_live()
            unknown = [i for i in destination_ids if i not in self.relays]
            if unknown:
                raise RouterError(404, f"Not streaming to destination(s) {unknown}.", unknown_ids=unknown)
            names = [self.relays[i].target.name for i in destination_ids]
            self._detach(destination_ids)
            self._record("destination_removed", destination_ids, ", ".join(names))
            message = "Removed " + ", ".join(names)
            if not self.relays:
                self.mode, self.live_since = Mode.PREVIEW, None
                self._record("stop_live", destination_ids, "last destination removed")
                message += "; no destinations left, back to preview."
            return {"message": message, "mode": self.mode.value}

    def shutdown(self) -> None:
        """App exit: stop everything (waits for an in-flight command to finish)."""
        with self._busy:
            self._actor = "system"
            if self.mode is not Mode.IDLE:
                if self.relays:
                    ids = list(self.relays)
                    self._detach(ids)
                    self._record("stop_live", ids, "app shutting down")
                timeline_id = self._timeline_id
                self._teardown()
                self._record("preview_stop", [], "app shutting down", timeline_id=timeline_id)

    # ------------------------------------------------------------------ status
    @property
    def hls_url(self) -> str | None:
        return f"/preview/{self.hls.run_id}/index.m3u8" if self.hls else None

    @property
    def playable_hls_url(self) -> str | None:
        """The preview URL from the start (the first playlist request is held until the muxer writes it, so
        the monitors need not wait for it); None while the output is paused (disk full)."""
        hls = self.hls
        return self.hls_url if hls is not None and hls.state is not OutputState.FAILED else None

    @property
    def _timeline_id(self) -> int | None:
        return self.spec.id if self.spec else None

    def monitor_viewer(self) -> tuple[Fmp4Viewer, str]:
        """A low-latency monitor stream of the running program, and the run it belongs to."""
        bus, hls = self.engine.bus, self.hls
        if self.mode is Mode.IDLE or bus is None or hls is None:
            raise RouterError(409, "No preview is running. Start the preview first.")
        return Fmp4Viewer(bus, "monitor"), hls.run_id

    def check_not_in_use(self, *, timeline_id: int | None = None, destination_id: int | None = None) -> None:
        """Refuse to delete what is on air: the running timeline or a destination being sent to."""
        if timeline_id is not None and self.mode is not Mode.IDLE and timeline_id == self._timeline_id:
            raise RouterError(409, "This timeline is on air. Stop the preview before deleting it.")
        if destination_id is not None and destination_id in self.relays:
            raise RouterError(409, "This destination is receiving the live program. Remove it from the "
                                   "broadcast (or Stop Live) before deleting it.")

    def health_problem(self) -> str | None:
        """Why the preview engine cannot serve right now, or None."""
        if not self.enabled:
            return "The media engine is disabled (VISTTER_ENGINE_ENABLED=false); enable it and restart."
        if self.mode is not Mode.IDLE and self.engine.state is EngineState.FAILED:
            return (f"The program stopped on an error: {self.engine.error}. Stop and start the preview; if it "
                    f"happens again, check `journalctl -u vistterstream`.")
        if self.hls is not None and self.hls.state is OutputState.FAILED:
            return f"The preview output failed: {self.hls.error}"
        try:
            self.media_dir.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(self.media_dir).free
        except OSError as exc:
            return f"The media directory {self.media_dir} cannot be used ({exc.strerror}): fix its permissions."
        if not os.access(self.media_dir, os.W_OK):
            return f"The media directory {self.media_dir} is not writable: fix its permissions."
        if free < MIN_FREE_BYTES:
            return (f"The disk holding {self.media_dir} is almost full ({free // 1_000_000} MB free); the preview "
                    f"needs at least {MIN_FREE_BYTES // 1_000_000} MB. Free some space.")
        return None

    def status(self) -> dict[str, Any]:
        spec, hls = self.spec, self.hls
        engine_stats = self.engine.stats() if self.mode is not Mode.IDLE else None
        return {
            "is_active": self.mode is not Mode.IDLE,
            "mode": self.mode.value,
            "timeline_id": spec.id if spec else None,
            "timeline_name": spec.name if spec else None,
            "hls_url": self.playable_hls_url,
            "server_healthy": self.health_problem() is None,
            "position": self.engine.position,
            "duration": spec.duration if spec else None,
            "started_at": self.started_at,
            "live_since": self.live_since,
            "busy": self._busy.locked(),
            "destinations": [r.stats() for r in list(self.relays.values())],
            "program": engine_stats,
            "preview": hls.stats() if hls else None,
        }

    def health(self) -> tuple[bool, dict[str, Any]]:
        problem = self.health_problem()
        streams: list[dict[str, Any]] = []
        if self.mode is not Mode.IDLE and self.spec:
            streams.append({"name": "program", "timeline_id": self.spec.id, "state": self.engine.state.value})
        if self.hls:
            streams.append({"name": "preview", "url": self.hls_url, "state": self.hls.state.value})
        streams += [{"name": r.target.name, "destination_id": r.target.destination_id, "state": r.state.value}
                    for r in list(self.relays.values())]
        body: dict[str, Any] = {"status": "unhealthy" if problem else "healthy", "active_streams": streams}
        if problem:
            body["detail"] = problem
        return problem is None, body

    # ------------------------------------------------------------------ internals
    def _connect(self, targets: list[Target]) -> tuple[list[RelayOutput], list[dict[str, Any]]]:
        """Start relays for `targets`, wait until each is live or has failed; keep the live ones."""
        assert self.engine.bus is not None
        relays = [self._relay_factory(self.engine.bus, t, connect_timeout=self.connect_timeout,
                                      on_change=self._relay_changed) for t in targets]
        for relay in relays:
            relay.start()
        _wait(lambda: all(r.state is RelayState.LIVE or r.last_error for r in relays), self.connect_timeout + 1)
        live, failed = [], []
        for relay in relays:
            if relay.state is RelayState.LIVE:
                live.append(relay)
                self.relays[relay.target.destination_id] = relay
            else:
                error = relay.last_error or f"no answer within {self.connect_timeout:.0f} s"
                relay.stop()
                failed.append({"destination_id": relay.target.destination_id, "name": relay.target.name,
                               "error": error})
                self._record("destination_failed", [relay.target.destination_id], f"{relay.target.name}: {error}")
        self._notify()
        return live, failed

    def _relay_changed(self, relay: RelayOutput) -> None:
        attached = self.relays.get(relay.target.destination_id) is relay
        if attached and relay.state is RelayState.RETRYING:
            self._record("destination_failed", [relay.target.destination_id],
                         f"{relay.target.name}: {relay.last_error}; reconnecting", created_by="system")
        elif attached and relay.state is RelayState.LIVE and relay.reconnects:
            self._record("destination_recovered", [relay.target.destination_id],
                         f"{relay.target.name} is live again after {relay.reconnects} reconnect(s)",
                         created_by="system")
        self._notify()

    def _detach(self, ids: list[int]) -> None:
        relays = [self.relays.pop(i) for i in ids if i in self.relays]
        for relay in relays:
            relay.stop()

    def _teardown(self) -> None:
        if self.hls is not None:
            self.hls.stop()
        self.engine.stop()
        self.hls, self.spec, self.started_at, self.live_since = None, None, None, None
        self.mode = Mode.IDLE
        release_free_memory()

    def _record(self, event_type: str, destination_ids: list[int], detail: str | None,
                timeline_id: int | None = None, created_by: str | None = None) -> None:
        try:
            self._audit(AuditEvent(event_type, timeline_id if timeline_id is not None else self._timeline_id,
                                   destination_ids, detail, created_by or self._actor))
        except Exception:  # an audit write (disk full…) must never break a transition
            logger.exception("could not record %s in the audit log", event_type)
        self._notify()


class _Transition:
    """Context manager: take the router lock (or refuse at once with 409) and note who asked."""

    def __init__(self, router: StreamRouter, by: str) -> None:
        self._router, self._by = router, by

    def __enter__(self) -> None:
        if not self._router._busy.acquire(blocking=False):
            raise RouterError(409, "Another preview command is still in progress; try again in a moment.")
        self._router._actor = self._by

    def __exit__(self, *_exc: object) -> None:
        self._router._actor = "operator"
        self._router._busy.release()


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _describe_failures(failed: list[dict[str, Any]]) -> str:
    return "; ".join(f"{f['name']} — {f['error']}" for f in failed)
