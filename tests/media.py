"""Real-media helpers for tests: free ports, helper processes, decoding program output back to facts."""

from __future__ import annotations

import io
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from vistterstream import yuv
from vistterstream.program.bus import MediaPacket, StreamInfo, Subscription
from vistterstream.sources import strip

HELPERS = Path(__file__).parent / "helpers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_helper(script: str, *args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HELPERS / script), *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process this test started (a camera losing power) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


@dataclass(frozen=True)
class Frame:
    pts: float  # seconds
    keyframe: bool
    width: int
    height: int
    stamp: strip.Stamp | None
    yuv_at: tuple[int, int, int]  # mean Y/U/V of a small block at the probe point


def describe(frame: av.VideoFrame, probe: tuple[float, float] = (0.1, 0.5)) -> Frame:
    picture = frame.to_ndarray(format="yuv420p")
    y, u, v = yuv.planes(picture)
    px, py = int(frame.width * probe[0]) // 2 * 2, int(frame.height * probe[1]) // 2 * 2
    block = (slice(py, py + 8), slice(px, px + 8))
    half = (slice(py // 2, py // 2 + 4), slice(px // 2, px // 2 + 4))
    sample = (round(float(y[block].mean())), round(float(u[half].mean())), round(float(v[half].mean())))
    pts = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else 0.0
    return Frame(pts, bool(frame.key_frame), frame.width, frame.height, strip.read(np.ascontiguousarray(y)),
                 sample)


def decode_segments(paths: Iterable[Path]) -> tuple[list[Frame], float]:
    """Decode concatenated MPEG-TS segments; returns frames and the stream's average frame rate."""
    data = b"".join(p.read_bytes() for p in paths)
    with av.open(io.BytesIO(data), format="mpegts") as container:
        stream = container.streams.video[0]
        frames = [describe(f) for f in container.decode(stream)]
        rate = float(stream.average_rate or stream.guessed_rate or 0)
    return frames, rate


def color_fraction(picture: yuv.Array, rgb: tuple[int, int, int], region: tuple[slice, slice],
                   tolerance: int = 20) -> float:
    """Share of 2x2 blocks inside `region` (luma coordinates, even) whose colour is close to `rgb`."""
    y, u, v = yuv.planes(picture)
    rows, cols = region
    luma = y[rows, cols][::2, ::2].astype(int)
    half = (slice(rows.start // 2, rows.stop // 2), slice(cols.start // 2, cols.stop // 2))
    ty, tu, tv = yuv.rgb_to_yuv(*rgb)
    close = ((abs(luma - ty) <= tolerance) & (abs(u[half].astype(int) - tu) <= tolerance)
             & (abs(v[half].astype(int) - tv) <= tolerance))
    return float(close.mean())


def frame_steps(pts: list[float], fps: int) -> set[float]:
    """The distinct gaps between consecutive timestamps, in frames ({1.0} means perfectly continuous)."""
    return {round((b - a) * fps, 3) for a, b in itertools.pairwise(pts)}


def is_color(sample: tuple[int, int, int], rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(sample, yuv.rgb_to_yuv(*rgb), strict=True))


class BusDecoder:
    """Decodes a bus subscription's video packets as they arrive (what any output would see)."""

    def __init__(self, info: StreamInfo) -> None:
        self._codec = av.CodecContext.create("h264", "r")
        self._codec.extradata = info.video_extradata
        self.info = info
        self.last_picture: yuv.Array | None = None  # the newest decoded frame, packed yuv420p

    def decode(self, packet: MediaPacket) -> list[Frame]:
        raw = av.Packet(packet.data)
        raw.pts, raw.dts, raw.time_base = packet.pts, packet.dts, packet.time_base
        out = []
        for frame in self._codec.decode(raw):
            out.append(describe(frame))
            self.last_picture = frame.to_ndarray(format="yuv420p")
        return out

    def drain(self, sub: Subscription, seconds: float) -> list[tuple[float, Frame]]:
        """(arrival time, frame) for every video frame delivered during `seconds`."""
        out: list[tuple[float, Frame]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            packet = sub.get(timeout=0.2)
            if packet is not None and packet.kind == "video":
                out += [(time.time(), f) for f in self.decode(packet)]
        return out
