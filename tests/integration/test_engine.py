"""The media engine with real encoding: sources → compositor → x264 → bus → HLS, read back with PyAV."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.media import (
    BusDecoder,
    Frame,
    color_fraction,
    decode_segments,
    frame_steps,
    free_port,
    is_color,
    kill,
    start_helper,
    wait_for_port,
    wait_until,
)
from vistterstream.outputs.hls import HlsOutput, remove_leftovers
from vistterstream.program.encoder import Encoder
from vistterstream.program.engine import Engine, EngineError, EngineState
from vistterstream.program.timeline import Overlay, Shot, TimelineSpec
from vistterstream.sources import strip
from vistterstream.sources.factory import CameraSpec

RED, BLUE, YELLOW = (255, 0, 0), (0, 0, 255), (255, 255, 0)
FPS = 30


def spec(shots: tuple[Shot, ...], overlays: tuple[Overlay, ...] = (), loop: bool = True) -> TimelineSpec:
    return TimelineSpec(1, "Test show", 640, 360, FPS, "low", loop, shots, overlays)


CAMERAS = {
    1: CameraSpec(1, "Red", "test", "test://?color=ff0000&size=640x360&tag=11"),
    2: CameraSpec(2, "Blue", "test", "test://?color=0000ff&size=640x360&tag=22"),
}


@pytest.fixture
def engine() -> Iterator[Engine]:
    running = Engine()
    yield running
    running.stop()


def source_of(frame: Frame) -> str:
    if is_color(frame.yuv_at, RED):
        return "red"
    if is_color(frame.yuv_at, BLUE):
        return "blue"
    return "mix"


def test_cuts_and_fade_packaged_to_hls(engine: Engine, tmp_path: Path) -> None:
    """Red 2 s → fade 0.5 s → blue 2 s → cut → red…, with a text overlay, read back from the HLS segments."""
    timeline = spec((Shot(1, 2.0), Shot(2, 2.0, "fade", 0.5)),
                    (Overlay("text", 0, None, {"text": "Hello", "position": "bottom-right", "size": 30}),))
    bus = engine.start(timeline, CAMERAS)
    hls = HlsOutput(bus, tmp_path / "media")
    hls.start()
    try:
        wait_until(lambda: len(list(hls.dir.glob("seg*.ts"))) >= 7, 20, "seven HLS segments")
        playlist = hls.read_playlist()
        assert playlist is not None
        segments = sorted(hls.dir.glob("seg*.ts"))[:6]  # complete ones only; the newest may be in progress
        frames, rate = decode_segments(segments)
    finally:
        hls.stop()
    # One-second segments, each starting at a keyframe, with blocking reload announced.
    assert "#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES" in playlist.text
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in playlist.text
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+)", playlist.text)]
    assert len(durations) >= 5 and all(d == pytest.approx(1.0, abs=0.04) for d in durations)
    assert rate == pytest.approx(FPS, abs=0.5)
    assert {(f.width, f.height) for f in frames} == {(640, 360)}
    assert 170 <= len(frames) <= 190  # six 1 s segments at 30 fps

    # Timestamps step by exactly one frame everywhere, cuts and fades included.
    assert frame_steps([f.pts for f in frames], FPS) == {1.0}
    # A keyframe every second, on the second.
    keys = [f.pts - frames[0].pts for f in frames if f.keyframe]
    assert len(keys) == 6 and all(abs(k - round(k)) < 0.01 for k in keys)

    # Program time t = (pts - first program pts); the segments start at program frame 0.
    t0 = frames[0].pts
    for frame in frames:
        t = (frame.pts - t0) % 4.0
        seen = source_of(frame)
        if 0.1 < t < 1.9:
            assert seen == "red", f"t={t:.2f}: expected red, saw {frame.yuv_at}"
            assert frame.stamp is not None and frame.stamp.tag == 11
        elif 2.0 + 0.1 < t < 2.4:
            assert seen == "mix", f"t={t:.2f}: expected a red→blue blend, saw {frame.yuv_at}"
        elif 2.6 < t < 3.9:
            assert seen == "blue", f"t={t:.2f}: expected blue, saw {frame.yuv_at}"
            assert frame.stamp is not None and frame.stamp.tag == 22
    # The fade's blend moves from red towards blue (V falls, U rises).
    blend = [f.yuv_at for f in frames if 2.05 < (f.pts - t0) % 4.0 < 2.45]
    assert blend[0][1] < blend[-1][1] and blend[0][2] > blend[-1][2]
    assert not hls.dir.exists(), "the per-run HLS directory is removed on stop"


def test_overlay_and_missing_image_do_not_stop_program(engine: Engine) -> None:
    timeline = spec((Shot(1, 60.0),), (
        Overlay("text", 0, None, {"text": "Hello", "position": "top-left", "size": 150, "background": "#00ff00"}, 0),
        Overlay("image", 0, None, {"path": "/nonexistent/logo.png", "position": "top-right"}, 1),
    ))
    bus = engine.start(timeline, CAMERAS)
    decoder = BusDecoder(bus.info)
    sub = bus.subscribe("test")
    frames = [f for _, f in decoder.drain(sub, 1.5)]
    sub.close()
    assert len(frames) >= 30
    assert decoder.last_picture is not None
    top_left = color_fraction(decoder.last_picture, (0, 255, 0), (slice(20, 120), slice(0, 160)))
    bottom_right = color_fraction(decoder.last_picture, (0, 255, 0), (slice(240, 360), slice(480, 640)))
    assert top_left > 0.1 and bottom_right == 0.0, (top_left, bottom_right)
    stats = engine.stats()
    assert stats["state"] == "running"
    assert any("logo.png" in e for e in stats["overlay_errors"]), stats["overlay_errors"]
    assert engine.state is EngineState.RUNNING


def test_killed_camera_shows_slate_then_recovers(engine: Engine) -> None:
    port = free_port()
    camera = start_helper("http_camera.py", port, 7, "ffff00")
    try:
        wait_for_port(port)
        cameras = {3: CameraSpec(3, "Dock", "http", f"http://127.0.0.1:{port}/live.ts")}
        bus = engine.start(spec((Shot(3, 3600.0),)), cameras)
        decoder = BusDecoder(bus.info)
        sub = bus.subscribe("test")
        wait_until(lambda: engine.stats()["sources"][0]["state"] == "ok", 15, "the HTTP camera to deliver")
        before = decoder.drain(sub, 1.5)
        assert any(f.stamp and f.stamp.tag == 7 for _, f in before), "the camera's own frames reach the program"

        kill(camera)
        outage = decoder.drain(sub, 2.5)
        tags = [f.stamp.tag if f.stamp else None for _, f in outage]
        assert strip.SLATE_TAG in tags, "the slate replaces a dead camera"
        last_camera = max(f.stamp.time_ms for _, f in before + outage if f.stamp and f.stamp.tag == 7)
        first_slate = min(f.stamp.time_ms for _, f in outage if f.stamp and f.stamp.tag == strip.SLATE_TAG)
        gap = (first_slate - last_camera) / 1000
        assert gap < 0.8, f"slate after {gap:.2f}s without a camera frame (target ~0.5 s)"
        # The program keeps its frame rate through the outage: consecutive pts, nothing missing.
        pts = [f.pts for _, f in outage]
        assert len(pts) >= 2.5 * FPS * 0.9
        assert frame_steps(pts, FPS) == {1.0}
        assert engine.stats()["sources"][0]["state"] in ("stalled", "connecting", "failed")

        camera = start_helper("http_camera.py", port, 7, "ffff00")
        wait_for_port(port)
        back = decoder.drain(sub, 8.0)
        assert any(f.stamp and f.stamp.tag == 7 for _, f in back), "the program returns to the camera"
        assert is_color(back[-1][1].yuv_at, YELLOW)
        assert engine.stats()["sources"][0]["reconnects"] >= 1
        sub.close()
    finally:
        kill(camera)


def test_slow_subscriber_stalls_nobody(engine: Engine) -> None:
    bus = engine.start(spec((Shot(1, 60.0),)), CAMERAS)
    stuck = bus.subscribe("stuck", max_packets=20)  # never read
    reader = bus.subscribe("reader")
    decoder = BusDecoder(bus.info)
    frames = decoder.drain(reader, 3.0)
    stats = engine.stats()
    assert len(frames) >= 3 * FPS * 0.9, "the healthy subscriber gets every frame"
    pts = [f.pts for _, f in frames]
    assert frame_steps(pts, FPS) == {1.0}
    assert stats["fps"] == pytest.approx(FPS, abs=1.5) and stats["dropped_frames"] == 0
    assert stuck.dropped_gops >= 1 and stuck.backlog <= 20
    # What the stuck one still holds starts at a keyframe: it can resume without garbage.
    first = stuck.get(timeout=0)
    assert first is not None and (first.kind == "audio" or first.keyframe)
    stuck.close()
    reader.close()


def test_start_errors_are_clear(engine: Engine) -> None:
    with pytest.raises(EngineError, match="no camera shots"):
        engine.start(spec(()), CAMERAS)
    with pytest.raises(EngineError, match=r"camera\(s\) \[9\]"):
        engine.start(spec((Shot(9, 5.0),)), CAMERAS)
    engine.start(spec((Shot(1, 5.0),)), CAMERAS)
    with pytest.raises(EngineError, match="already running"):
        engine.start(spec((Shot(1, 5.0),)), CAMERAS)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_ten_start_stop_cycles_leave_nothing_behind(tmp_path: Path) -> None:
    media = tmp_path / "media"
    engine = Engine()
    # One warm-up cycle so lazily created library state (codec tables, font cache) is not counted as a leak.
    engine.start(spec((Shot(1, 1.0), Shot(2, 1.0))), CAMERAS)
    engine.stop()
    threads, fds = threading.active_count(), _open_fds()
    for _ in range(10):
        bus = engine.start(spec((Shot(1, 0.5), Shot(2, 0.5, "fade", 0.2))), CAMERAS)
        hls = HlsOutput(bus, media)
        hls.start()
        time.sleep(0.3)
        hls.stop()
        engine.stop()
        assert engine.state is EngineState.IDLE
    assert threading.active_count() == threads, [t.name for t in threading.enumerate()]
    assert _open_fds() <= fds
    assert list(media.iterdir()) == []


def test_leftover_hls_dirs_are_removed_at_startup(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "hls-dead1").mkdir(parents=True)
    (media / "hls-dead1" / "seg000001.ts").write_bytes(b"x")
    (media / "keep-me.txt").write_text("not ours")
    assert remove_leftovers(media) == 1
    assert sorted(p.name for p in media.iterdir()) == ["keep-me.txt"]


def test_keyframes_stay_on_whole_seconds_when_the_clock_skips_frames() -> None:
    """x264 counts frames; a busy machine's clock skips some. The first frame of each second is forced to a
    keyframe, so keyframes (and the preview's 1 s segments) stay on whole seconds."""
    encoder = Encoder(320, 180, 30, "low")
    frame = av.VideoFrame(320, 180, "yuv420p")
    skipped = {29, 30, 31, 45, 88, 89, 90}  # late frames the compositor dropped, across two second marks
    keyframes = [packet.pts for pts in range(150) if pts not in skipped
                 for packet in encoder.encode(frame, pts) if packet.kind == "video" and packet.keyframe]
    encoder.close()
    assert keyframes == [0, 32, 60, 91, 120]
