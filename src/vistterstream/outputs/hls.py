"""HLS preview output: 1 s MPEG-TS segments and a live playlist in a per-run temp dir, served with
blocking playlist reload (LL-HLS `_HLS_msn`) so a player learns of each segment the moment it is written."""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import re
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
MIN_FREE_WHILE_RUNNING = 4_000_000  # a few seconds of the largest segments; below it the next ones may not fit
SPACE_CHECK_SECONDS = 1.0


def remove_leftovers(media_dir: Path) -> int:
    """Remove HLS dirs a previous run left behind (crash, power cut). Returns how many."""
    removed = 0
    if media_dir.is_dir():
        for path in media_dir.glob("hls-*"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


SEGMENT_SECONDS = 1
LIST_SIZE = 6
_MEDIA_SEQUENCE = re.compile(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)", re.MULTILINE)
_TARGET_DURATION = re.compile(r"^#EXT-X-TARGETDURATION:([\d.]+)$", re.MULTILINE)
_SEGMENT = re.compile(r"^[^#\s]", re.MULTILINE)


def hls_options(segment_seconds: int = SEGMENT_SECONDS, list_size: int = LIST_SIZE) -> dict[str, str]:
    # One segment per GOP, each starting at a keyframe. Half-second segments cut mid-GOP (split_by_time) put
    # the picture ~0.8 s behind when a player starts with the preview, but a player that joins a running
    # preview on a segment without a keyframe never settles (1.2-2.2 s): segments must stay independent.
    return {
        "hls_time": str(segment_seconds),
        "hls_list_size": str(list_size),
        "hls_flags": "delete_segments+independent_segments+temp_file+omit_endlist",
        "hls_allow_cache": "0",
        "hls_segment_type": "mpegts",
    }


class LivePlaylist:
    """The muxer's playlist as served: EXT-X-SERVER-CONTROL announcing blocking reload, next to an integer
    EXT-X-TARGETDURATION of at least 1 (FFmpeg rounds sub-second segments down to 0, which players reject)."""

    def __init__(self, text: str) -> None:
        match = _MEDIA_SEQUENCE.search(text)
        first = int(match.group(1)) if match else 0
        self.segments = len(_SEGMENT.findall(text))
        self.last_sequence = first + self.segments - 1  # -1 while the playlist lists no segment yet
        self.text = _TARGET_DURATION.sub(self._target_duration, text, count=1)

    @staticmethod
    def _target_duration(match: re.Match[str]) -> str:
        seconds = max(1, math.ceil(float(match.group(1))))
        return f"#EXT-X-TARGETDURATION:{seconds}\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"


class HlsOutput:
    """Writes the program as HLS. If the disk fills up it fails with a clear error, removes its files, waits
    for space and starts again under a new run id (players follow the new URL); the program is untouched."""

    def __init__(self, bus: PacketBus, media_dir: Path, *, list_size: int = LIST_SIZE,
                 min_free_bytes: int = MIN_FREE_WHILE_RUNNING) -> None:
        self.bus = bus
        self.media_dir = media_dir
        self.run_id = uuid.uuid4().hex[:12]
        self._list_size = list_size
        self._min_free = min_free_bytes
        self._stop = threading.Event()
        self.cpu_seconds = 0.0
        self._thread: threading.Thread | None = None
        self._sub: Subscription | None = None
        self.state = OutputState.STOPPED
        self.error: str | None = None
        self.recoveries = 0
        self._muxer: PacketMuxer | None = None
        self._last_sweep = 0.0
        self._served: tuple[tuple[int, int, int], LivePlaylist] | None = None  # (file identity, parsed)

    @property
    def dir(self) -> Path:
        return self.media_dir / f"hls-{self.run_id}"

    @property
    def playlist(self) -> Path:
        return self.dir / PLAYLIST

    def read_playlist(self) -> LivePlaylist | None:
        """The playlist as served (None before the muxer has written one), read in one go: a file streamed
        after its size was taken could be a newer, longer one (a truncated answer stalls the player). The
        muxer renames each new playlist into place, a new inode each time, so one parse serves every viewer
        until the next segment."""
        try:
            info = self.playlist.stat()
            identity = (info.st_ino, info.st_mtime_ns, info.st_size)
            if self._served is None or self._served[0] != identity:
                self._served = (identity, LivePlaylist(self.playlist.read_text()))
        except FileNotFoundError:
            return None
        return self._served[1]

    def start(self) -> None:
        self._make_dir()
        self.state = OutputState.STARTING
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

    def _make_dir(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise OutputError(describe_os_error(exc, self.dir)) from exc
        self._sub = self.bus.subscribe("hls", max_packets=600)  # a new run starts at the latest keyframe

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._write()
                return
            except OSError as exc:
                self.error = (f"the disk holding {self.media_dir} is full, so the preview picture is paused (the "
                              f"program and live destinations keep running). Free some space: the preview resumes "
                              f"by itself." if exc.errno in (errno.ENOSPC, errno.EDQUOT)
                              else describe_os_error(exc, self.media_dir))
                self.state = OutputState.FAILED
                logger.error("HLS preview output failed: %s", self.error)
            self._discard()
            if not self._wait_for_space():
                return
            self.run_id = uuid.uuid4().hex[:12]
            try:
                self._make_dir()
            except OutputError as exc:
                self.error = str(exc)
                continue
            self.recoveries += 1
            self.state, self.error = OutputState.STARTING, None
            logger.info("HLS preview output resumed after the disk had room again (run %s)", self.run_id)

    def _write(self) -> None:
        """Mux bus packets into HLS until stopped; raises OSError when the disk is (nearly) full."""
        assert self._sub is not None
        container = av.open(str(self.playlist), "w", format="hls", options={
            **hls_options(list_size=self._list_size),
            "hls_segment_filename": str(self.dir / "seg%06d.ts"),
        })
        self._muxer = PacketMuxer(container, self.bus.info)
        cpu_origin, last_space_check = time.thread_time() - self.cpu_seconds, 0.0
        try:
            while not self._stop.is_set():
                packet = self._sub.get(timeout=0.5)
                if packet is None:
                    continue
                now = time.monotonic()
                if now - last_space_check >= SPACE_CHECK_SECONDS:
                    # FFmpeg's HLS muxer writes empty segments on a full disk without reporting it: look first.
                    last_space_check = now
                    self._check_space()
                self._muxer.mux(packet)
                self.cpu_seconds = time.thread_time() - cpu_origin
                if self.state is OutputState.STARTING and self.playlist.exists():
                    self.state = OutputState.RUNNING
                self._sweep()
        finally:
            with contextlib.suppress(OSError):
                self._muxer.close()

    def _check_space(self) -> None:
        if shutil.disk_usage(self.media_dir).free < self._min_free:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.media_dir))

    def _discard(self) -> None:
        """Drop this run's subscription and files: a player must not be fed half-written segments."""
        if self._sub is not None:
            self._sub.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _wait_for_space(self) -> bool:
        """Block until the disk has room for a new run (twice the minimum); False if stopped meanwhile."""
        while not self._stop.wait(SPACE_CHECK_SECONDS):
            try:
                if shutil.disk_usage(self.media_dir).free >= 2 * self._min_free:
                    return True
            except OSError:
                continue
        return False

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
            "state": self.state.value, "error": self.error, "dir": str(self.dir), "recoveries": self.recoveries,
            "segments": len(list(self.dir.glob("*.ts"))) if self.dir.exists() else 0,
            "bytes": self._muxer.bytes_out if self._muxer else 0,
            "dropped_gops": sub.dropped_gops if sub else 0,
            "cpu_seconds": round(self.cpu_seconds, 3),  # packaging cost: this output's thread CPU time
        }
