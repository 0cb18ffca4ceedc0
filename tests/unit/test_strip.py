import fractions

import av
import numpy as np
import pytest

from vistterstream.sources import strip


def _planes(width: int, height: int, luma: int = 90) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.full((height, width), luma, np.uint8), np.full((height // 2, width // 2), 60, np.uint8),
            np.full((height // 2, width // 2), 200, np.uint8))


@pytest.mark.parametrize("tag", [0, 1, 77, 255])
def test_roundtrip_same_size(tag: int) -> None:
    y, u, v = _planes(1280, 720)
    strip.draw((y, u, v), tag, 1_764_000_123_456)
    stamp = strip.read(y)
    assert stamp == strip.Stamp(tag, 1_764_000_123_456 & 0xFFFFFFFF)


def test_absent_strip_reads_none() -> None:
    y, _, _ = _planes(1280, 720)
    assert strip.read(y) is None
    assert strip.read(np.random.default_rng(1).integers(0, 255, (720, 1280), dtype=np.uint8)) is None


def test_survives_scaling_and_h264() -> None:
    """Draw at 1280x720, scale to 1920x1080 and 640x360, encode with x264 at a low bitrate, read back."""
    y, u, v = _planes(1280, 720)
    rng = np.random.default_rng(7)
    y[:] = rng.integers(40, 200, y.shape, dtype=np.uint8)  # busy picture: hard for the encoder
    strip.draw((y, u, v), 42, 987_654_321)
    frame = av.VideoFrame.from_ndarray(np.concatenate([y, u.reshape(-1, 1280), v.reshape(-1, 1280)]),
                                       format="yuv420p")
    for width, height in ((1920, 1080), (640, 360)):
        enc = av.CodecContext.create("libx264", "w")
        enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
        enc.time_base = fractions.Fraction(1, 30)
        enc.bit_rate = 400_000
        enc.options = {"preset": "ultrafast", "tune": "zerolatency"}
        dec = av.CodecContext.create("h264", "r")
        decoded = []
        for i in range(5):
            scaled = frame.reformat(width=width, height=height, format="yuv420p")
            scaled.pts = i
            for packet in enc.encode(scaled):
                decoded += dec.decode(packet)
        for packet in enc.encode(None):
            decoded += dec.decode(packet)
        assert decoded
        luma = decoded[-1].to_ndarray()[:height]
        assert strip.read(luma) == strip.Stamp(42, 987_654_321), (width, height)


def test_unwrap_picks_nearest_epoch() -> None:
    now = 1_764_000_000_000
    for offset in (-1500, 0, 2500):
        assert strip.unwrap_ms((now + offset) & 0xFFFFFFFF, now) == now + offset
