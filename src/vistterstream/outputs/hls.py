"""HLS preview output: 1 s MPEG-TS segments and a short live playlist in a per-run temp dir."""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import av

from vistterstream.outputs.base import OutputError, OutputState
from vistterstream.outputs.muxer import PacketMuxer
from vistterstream.program.bus import PacketBus, Subscription
from vistterstream.store.db import describe_os_error

logger = logging.getLogger(__name__)

PLAYLIST = "index.m3u8"
MAX_SEGMENT_AGE = 300.0


def remove_leftovers(media_dir: Path) -> int:
    """Remove HLS dirs a previous run left behind (crash, power cut). Returns how many."""
    removed = 0
    if media_dir.is_dir():
        for path in media_dir.glob("hls-*"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def hls_options(segment_seconds: int = 1, list_size: int = 6) -> dict[str, str]:
    return {
        "hls_time": str(segment_seconds),
        "hls_list_size": str(list_size),
        "hls_flags": "delete_segments+independent_segments+temp_file+omit_endlist",
        "hls_allow_cache": "0",
        "hls_segment_type": "mpegts",
    }


class HlsOutput:
    def __init__(self, bus: PacketBus, media_dir: Path, *, list_size: int = 6) -> None:
        self.bus = bus
        self.run_id = uuid.uuid4().hex[:12]
        self.dir = media_dir / f"hls-{self.run_id}"
        self._list_size = list_size
        self._stop = threading.Event()
        self.cpu_seconds = 0.0
        self._thread: threading.Thread | None = None
        self._sub: Subscription | None = None
        self.state = OutputState.STOPPED
        self.error: str | None = None
        self._muxer: PacketMuxer | None = None
        self._last_sweep = 0.0

    @property
    def playlist(self) -> Path:
        return self.dir / PLAYLIST

    def start(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise OutputError(describe_os_error(exc, self.dir)) from exc
        self.state = OutputState.STARTING
        self._sub = self.bus.subscribe("hls", max_packets=600)
        self._thread = threading.Thread(target=self._run, name="hls-output", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._sub is not None:
            self._sub.close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.state is not OutputState.FAILED:
            self.state = OutputState.STOPPED

    def _run(self) -> None:
        assert self._sub is not None
        try:
            container = av.open(str(self.playlist), "w", format="hls", options={
                **hls_options(list_size=self._list_size),
                "hls_segment_filename": str(self.dir / "seg%06d.ts"),
            })
            self._muxer = PacketMuxer(container, self.bus.info)
            cpu_origin = time.thread_time()
            try:
                while not self._stop.is_set():
                    packet = self._sub.get(timeout=0.5)
                    if packet is None:
                        continue
                    self._muxer.mux(packet)
                    self.cpu_seconds = time.thread_time() - cpu_origin
                    if self.state is OutputState.STARTING and self.playlist.exists():
                        self.state = OutputState.RUNNING
                    self._sweep()
            finally:
                with contextlib.suppress(OSError):
                    self._muxer.close()
        except OSError as exc:
            self.error = describe_os_error(exc, self.dir)
            self.state = OutputState.FAILED
            logger.error("HLS preview output failed: %s", self.error)
            shutil.rmtree(self.dir, ignore_errors=True)

    def _sweep(self) -> None:
        """Safety net behind delete_segments: nothing older than five minutes stays on disk."""
        now = time.time()
        if now - self._last_sweep < 30:
            return
        self._last_sweep = now
        for segment in self.dir.glob("*.ts"):
            try:
                if now - segment.stat().st_mtime > MAX_SEGMENT_AGE:
                    segment.unlink()
            except FileNotFoundError:
                pass

    def stats(self) -> dict[str, Any]:
        sub = self._sub
        return {
            "state": self.state.value, "error": self.error, "dir": str(self.dir),
            "segments": len(list(self.dir.glob("*.ts"))) if self.dir.exists() else 0,
            "bytes": self._muxer.bytes_out if self._muxer else 0,
            "dropped_gops": sub.dropped_gops if sub else 0,
            "cpu_seconds": round(self.cpu_seconds, 3),  # packaging cost: this output's thread CPU time
        }
