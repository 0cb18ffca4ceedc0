"""Compositor: on a fixed clock at the timeline fps, build each program frame, encode it, publish it."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, cast

import av

from vistterstream import yuv
from vistterstream.program.bus import PacketBus
from vistterstream.program.encoder import Encoder
from vistterstream.program.overlays import OverlayRenderer, Slate
from vistterstream.program.pool import SourcePool
from vistterstream.program.timeline import Plan, TimelineSpec, plan_at
from vistterstream.redact import redact
from vistterstream.sources.base import STALL_AFTER

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = 10  # seconds of nothing but failing frames before the program is declared failed


class Compositor:
    def __init__(self, spec: TimelineSpec, pool: SourcePool, encoder: Encoder, bus: PacketBus) -> None:
        self.spec = spec
        self.pool = pool
        self.encoder = encoder
        self.bus = bus
        self.width, self.height = spec.width, spec.height
        self.overlays = OverlayRenderer(spec.width, spec.height)
        self.slate = Slate(spec.width, spec.height)
        self._scaled: dict[int, tuple[int, yuv.Array]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plan: Plan | None = None
        self.frames_out = 0
        self.dropped_frames = 0
        self.slate_frames = 0
        self.compose_seconds = 0.0
        self.started_at: float | None = None
        self.error: str | None = None
        self.tick_errors = 0
        self.last_tick_error: str | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="compositor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ clock
    def _run(self) -> None:
        fps = self.spec.fps
        t0 = time.monotonic()
        self.started_at = time.time()
        n = failures = 0
        try:
            while not self._stop.is_set():
                due = t0 + n / fps
                wait = due - time.monotonic()
                if wait > 0:
                    self._stop.wait(wait)
                    if self._stop.is_set():
                        break
                late = int((time.monotonic() - t0) * fps) - n
                if late > 1:  # the machine fell behind: drop frames, keep wall-clock time
                    self.dropped_frames += late
                    n += late
                try:
                    self.tick(n)
                    failures = 0
                except Exception as exc:  # one bad frame must not end the program (and the broadcast)
                    failures += 1
                    self.tick_errors += 1
                    self.last_tick_error = redact(f"{type(exc).__name__}: {exc}")
                    if failures == 1 or self.tick_errors % (fps * 10) == 0:
                        logger.exception("frame %d failed; continuing", n)
                    if failures >= fps * GIVE_UP_AFTER:
                        raise
                n += 1
        except Exception as exc:
            self.error = redact(f"{type(exc).__name__}: {exc}")
            logger.exception("compositor stopped: every frame failed for %d s", GIVE_UP_AFTER)

    def tick(self, n: int) -> None:
        plan = plan_at(self.spec, n / self.spec.fps)
        self.pool.ensure((plan.camera_id, plan.fade_from, plan.next_camera_id))
        started = time.perf_counter()
        frame = self.compose(plan, time.time())
        self.compose_seconds += time.perf_counter() - started
        for packet in self.encoder.encode(frame, n):
            self.bus.publish(packet)
        self.plan = plan
        self.frames_out += 1

    # ------------------------------------------------------------------ picture
    def compose(self, plan: Plan, now: float) -> av.VideoFrame:
        picture, fresh = self._camera(plan.camera_id, now)
        if plan.fade_from is not None and plan.fade_progress < 1.0:
            previous, _ = self._camera(plan.fade_from, now)
            picture, fresh = yuv.crossfade(previous, picture, plan.fade_progress), True
        if plan.overlays:
            if not fresh:
                picture = picture.copy()  # never draw on a cached camera picture
            self.overlays.apply(picture, plan.overlays, now)
        return av.VideoFrame.from_ndarray(picture, format="yuv420p")

    def _camera(self, camera_id: int | None, now: float) -> tuple[yuv.Array, bool]:
        """The camera's latest frame at program size; a slate if it has nothing fresh. bool = newly made."""
        if camera_id is None:
            return self.slate.frame("No camera in this timeline", now), True
        latest = self.pool.frame(camera_id)
        if latest is None or now - latest.captured_at > STALL_AFTER:
            self.slate_frames += 1
            return self.slate.frame(self.pool.name(camera_id), now), True
        cached = self._scaled.get(camera_id)
        if cached is not None and cached[0] == latest.seq:
            return cached[1], False
        frame = latest.frame
        if (frame.width, frame.height, frame.format.name) != (self.width, self.height, "yuv420p"):
            frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        picture = cast(yuv.Array, frame.to_ndarray())
        self._scaled[camera_id] = (latest.seq, picture)
        return picture, False

    def stats(self) -> dict[str, Any]:
        elapsed = time.time() - self.started_at if self.started_at else 0.0
        return {
            "frames": self.frames_out, "dropped_frames": self.dropped_frames, "slate_frames": self.slate_frames,
            "fps": round(self.frames_out / elapsed, 2) if elapsed > 0 else 0.0,
            "compose_ms": round(1000 * self.compose_seconds / max(1, self.frames_out), 2),
            "encode_ms": round(1000 * self.encoder.encode_seconds / max(1, self.encoder.frames), 2),
            "overlay_errors": list(self.overlays.errors.values()), "error": self.error,
            "frame_errors": self.tick_errors, "last_frame_error": self.last_tick_error,
        }
