"""Engine: owns one running program (sources → compositor → encoder → bus). Outputs attach to its bus."""

from __future__ import annotations

import logging
import threading
import time
from enum import StrEnum
from typing import Any

from vistterstream.program.bus import PacketBus
from vistterstream.program.compositor import Compositor
from vistterstream.program.encoder import Encoder
from vistterstream.program.pool import SourcePool
from vistterstream.program.timeline import TimelineSpec
from vistterstream.sources.factory import CameraSpec

logger = logging.getLogger(__name__)


class EngineError(Exception):
    """The program cannot start or has failed; the message is for the operator."""


class EngineState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    FAILED = "failed"


class Engine:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compositor: Compositor | None = None
        self._pool: SourcePool | None = None
        self._bus: PacketBus | None = None
        self.spec: TimelineSpec | None = None
        self.started_at: float | None = None

    def start(self, spec: TimelineSpec, cameras: dict[int, CameraSpec]) -> PacketBus:
        with self._lock:
            if self._compositor is not None:
                raise EngineError("A program is already running; stop it first.")
            if not spec.shots:
                raise EngineError(f"Timeline '{spec.name}' has no camera shots: add at least one camera cue.")
            missing = {s.camera_id for s in spec.shots} - set(cameras)
            if missing:
                raise EngineError(f"Timeline '{spec.name}' uses camera(s) {sorted(missing)} that no longer exist.")
            try:
                encoder = Encoder(spec.width, spec.height, spec.fps, spec.quality)
            except Exception as exc:
                raise EngineError(f"The video encoder could not start: {exc}") from exc
            bus = PacketBus(encoder.info)
            pool = SourcePool(cameras)
            # Open the first shot's camera before the clock starts, so the program opens on a picture.
            first = spec.shots[0].camera_id
            pool.ensure([first])
            _wait_for_first_frame(pool, first, timeout=1.0)
            compositor = Compositor(spec, pool, encoder, bus)
            compositor.start()
            self._compositor, self._pool, self._bus, self.spec = compositor, pool, bus, spec
            self.started_at = time.time()
            logger.info("program started: timeline '%s' %dx%d@%d %s", spec.name, spec.width, spec.height,
                        spec.fps, spec.quality)
            return bus

    def stop(self) -> None:
        with self._lock:
            compositor, pool, bus = self._compositor, self._pool, self._bus
            self._compositor = self._pool = self._bus = None
            self.spec, self.started_at = None, None
        if compositor is not None:
            compositor.stop()
        if pool is not None:
            pool.close()
        if bus is not None:
            bus.close()
        if compositor is not None:
            compositor.encoder.close()
            logger.info("program stopped")

    @property
    def bus(self) -> PacketBus | None:
        return self._bus

    @property
    def state(self) -> EngineState:
        compositor = self._compositor
        if compositor is None:
            return EngineState.IDLE
        return EngineState.RUNNING if compositor.alive else EngineState.FAILED

    @property
    def error(self) -> str | None:
        compositor = self._compositor
        return compositor.error if compositor else None

    @property
    def position(self) -> float | None:
        compositor = self._compositor
        plan = compositor.plan if compositor else None
        return round(plan.position, 3) if plan else None

    def stats(self) -> dict[str, Any]:
        compositor, pool = self._compositor, self._pool
        if compositor is None or pool is None:
            return {"state": EngineState.IDLE.value}
        plan = compositor.plan
        return {
            "state": self.state.value,
            "timeline_id": self.spec.id if self.spec else None,
            "position": self.position,
            "shot_index": plan.shot_index if plan else None,
            "camera_id": plan.camera_id if plan else None,
            "loop_count": plan.loop_count if plan else 0,
            **compositor.stats(),
            "sources": pool.stats(),
        }


def _wait_for_first_frame(pool: SourcePool, camera_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pool.frame(camera_id) is None and time.monotonic() < deadline:
        time.sleep(0.01)
