"""Network and file cameras read with PyAV: rtsp (TCP), rtmp (pull), http (HLS/MP4/MJPEG), file (looped)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import av

from vistterstream.sources.base import SourceReader

OPEN_TIMEOUT = 8.0
READ_TIMEOUT = 5.0


def open_options(kind: str) -> dict[str, str]:
    """Demuxer options per camera type: low buffering, TCP for RTSP (UDP loses packets over Wi-Fi)."""
    common = {"fflags": "nobuffer", "analyzeduration": "1000000", "probesize": "1000000"}
    if kind == "rtsp":
        return {**common, "rtsp_transport": "tcp", "timeout": str(int(READ_TIMEOUT * 1e6))}
    if kind == "rtmp":
        return {**common, "rtmp_live": "live"}
    if kind == "http":
        return {**common, "reconnect": "1", "reconnect_streamed": "1", "reconnect_delay_max": "2"}
    return {}


class AvSource(SourceReader):
    """Demux + decode the first video stream; frames are paced by their timestamps (needed for files)."""

    def __init__(self, camera_id: int, name: str, url: str, kind: str) -> None:
        super().__init__(camera_id, name, url)
        self.kind = kind

    def _target(self) -> str:
        return self.url.removeprefix("file://") if self.kind == "file" else self.url

    def _frames(self) -> Iterator[av.VideoFrame]:
        options = open_options(self.kind)
        container: Any = av.open(self._target(), options=options, timeout=(OPEN_TIMEOUT, READ_TIMEOUT))
        try:
            if not container.streams.video:
                raise ValueError("the stream has no video track")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            pacer = _Pacer(live=self.kind not in ("file",))
            while not self.stopping:
                for frame in container.decode(stream):
                    if self.stopping:
                        return
                    if frame.pts is not None and frame.time_base is not None:
                        pacer.wait(float(frame.pts * frame.time_base), self._stop)
                    yield frame
                if self.kind != "file":
                    return  # a live stream that ends is an error for the caller to retry
                container.seek(0)  # files loop forever
                pacer.restart()
        finally:
            container.close()


class _Pacer:
    """Holds frames to their presentation time; re-anchors on jumps so a stall never causes a burst."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.anchor: tuple[float, float] | None = None

    def restart(self) -> None:
        self.anchor = None

    def wait(self, pts_seconds: float, stop: Any) -> None:
        now = time.monotonic()
        if self.anchor is None:
            self.anchor = (now, pts_seconds)
            return
        due = self.anchor[0] + (pts_seconds - self.anchor[1])
        ahead = due - now
        if ahead > 2.0 or ahead < -(0.2 if self.live else 1.0):
            self.anchor = (now, pts_seconds)  # timestamp jump or we are late: follow the source
        elif ahead > 0:
            stop.wait(ahead)
