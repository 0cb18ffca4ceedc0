"""Media engine: encoder headroom at 720p30/1080p30, engine CPU/RSS in real time, start → first segment.

Headroom = frames the encoder (with composition) can produce per second flat out, divided by the frame
rate the program needs. Below 1.0× the program drops frames on this machine at that size.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import av
import numpy as np

from bench.common import CpuMeter, Table, rss_mb
from vistterstream.outputs.hls import HlsOutput
from vistterstream.program.encoder import Encoder
from vistterstream.program.engine import Engine
from vistterstream.program.timeline import Overlay, Shot, TimelineSpec
from vistterstream.sources.factory import CameraSpec
from vistterstream.sources.test_pattern import TestPatternSource

CAMERAS = {1: CameraSpec(1, "Harbor", "test", "test://?color=1e5078"),
           2: CameraSpec(2, "Beach", "test", "test://?color=c8a050")}


def timeline(width: int, height: int) -> TimelineSpec:
    return TimelineSpec(1, "Bench", width, height, 30, "medium", True,
                        (Shot(1, 4.0), Shot(2, 4.0, "fade", 1.0)),
                        (Overlay("text", 0, None, {"text": "VistterStream bench", "position": "bottom-left"}, 0),
                         Overlay("clock", 0, None, {"format": "%H:%M:%S", "position": "top-right"}, 1)))


def busy_frames(width: int, height: int, count: int = 30) -> list[av.VideoFrame]:
    """The test pattern plus per-frame grain: closer to a real outdoor camera than flat colour, so x264
    cannot coast on static blocks (flat test patterns flatter the encoder several times over)."""
    source = TestPatternSource(1, "Bench", f"test://?size={width}x{height}")
    rng = np.random.default_rng(7)
    frames = []
    for i in range(count):
        picture = source.render(time.time() + i / 30).to_ndarray()
        grain = rng.integers(-10, 11, picture.shape, dtype=np.int16)
        frames.append(av.VideoFrame.from_ndarray(np.clip(picture + grain, 0, 255).astype(np.uint8), "yuv420p"))
    return frames


def encoder_fps(width: int, height: int, seconds: float = 6.0) -> float:
    """Flat-out encode at the program size (x264 + AAC) of pre-rendered busy frames."""
    frames = busy_frames(width, height)
    encoder = Encoder(width, height, 30, "medium")
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        encoder.encode(frames[n % len(frames)], n)
        n += 1
    elapsed = time.perf_counter() - started
    encoder.close()
    return n / elapsed


def realtime(width: int, height: int, media: Path, seconds: float = 10.0) -> dict[str, float]:
    engine = Engine()
    started = time.monotonic()
    bus = engine.start(timeline(width, height), CAMERAS)
    hls = HlsOutput(bus, media)
    hls.start()
    while not list(hls.dir.glob("seg*.ts")) and time.monotonic() - started < 15:
        time.sleep(0.01)
    first_segment = time.monotonic() - started
    while not hls.playlist.exists() and time.monotonic() - started < 15:
        time.sleep(0.01)
    first_playlist = time.monotonic() - started
    time.sleep(2)  # settle
    cpu = CpuMeter()
    time.sleep(seconds)
    stats = engine.stats()
    result = {"cpu": cpu.percent(), "rss": rss_mb(),
              "first_segment": first_segment, "first_playlist": first_playlist,
              "fps": float(stats["fps"]), "dropped": float(stats["dropped_frames"]),
              "encode_ms": float(stats["encode_ms"]), "compose_ms": float(stats["compose_ms"])}
    hls.stop()
    engine.stop()
    return result


def main() -> None:
    table = Table("Media engine")
    table.start()
    for width, height in ((1280, 720), (1920, 1080)):
        fps = encoder_fps(width, height)
        table.add(f"encoder flat-out {height}p (fps)", f"{fps:.1f}", f"headroom {fps / 30:.2f}x over 30 fps")
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in ((1280, 720), (1920, 1080)):
            r = realtime(width, height, Path(tmp))
            label = f"{height}p30 two cams + fade + overlays"
            table.add(f"{label}: start → first segment (s)", f"{r['first_segment']:.2f}")
            table.add(f"{label}: start → first playlist (s)", f"{r['first_playlist']:.2f}")
            table.add(f"{label}: CPU (% of one core)", f"{r['cpu']:.0f}")
            table.add(f"{label}: RSS of the whole process (MB)", f"{r['rss']:.0f}")
            table.add(f"{label}: program fps / dropped", f"{r['fps']:.1f} / {r['dropped']:.0f}")
            table.add(f"{label}: compose / encode (ms/frame)", f"{r['compose_ms']:.1f} / {r['encode_ms']:.1f}")
    print(f"saved {table.save('engine')}")


if __name__ == "__main__":
    main()
