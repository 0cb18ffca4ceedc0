"""SourcePool: opens the readers the program needs now and next, closes the ones it no longer needs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from vistterstream.sources.base import SourceFrame, SourceReader
from vistterstream.sources.factory import CameraSpec, create_reader


class SourcePool:
    def __init__(self, cameras: dict[int, CameraSpec], *, linger: float = 3.0,
                 factory: Callable[[CameraSpec], SourceReader] = create_reader) -> None:
        self.cameras = cameras
        self._linger = linger
        self._factory = factory
        self._readers: dict[int, SourceReader] = {}
        self._last_needed: dict[int, float] = {}
        self._retired: list[SourceReader] = []
        self._lock = threading.Lock()

    def ensure(self, camera_ids: Iterable[int | None]) -> None:
        """Open readers for `camera_ids` (current, fading-out and next shot); retire long-unused ones."""
        now = time.monotonic()
        with self._lock:
            for camera_id in camera_ids:
                if camera_id is None or camera_id not in self.cameras:
                    continue
                self._last_needed[camera_id] = now
                if camera_id not in self._readers:
                    reader = self._factory(self.cameras[camera_id])
                    reader.start()
                    self._readers[camera_id] = reader
            for camera_id in [c for c, t in self._last_needed.items() if now - t > self._linger]:
                reader = self._readers.pop(camera_id)
                del self._last_needed[camera_id]
                reader.request_stop()  # joined in close(); never block the compositor's clock
                self._retired.append(reader)
            self._retired = [r for r in self._retired if r.thread_alive]

    def frame(self, camera_id: int) -> SourceFrame | None:
        reader = self._readers.get(camera_id)
        return reader.latest() if reader else None

    def name(self, camera_id: int) -> str:
        camera = self.cameras.get(camera_id)
        return camera.name if camera else f"Camera {camera_id}"

    def stats(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.stats() for r in self._readers.values()]

    def close(self) -> None:
        with self._lock:
            readers = list(self._readers.values()) + self._retired
            self._readers, self._last_needed, self._retired = {}, {}, []
        for reader in readers:
            reader.request_stop()
        for reader in readers:
            reader.stop()
