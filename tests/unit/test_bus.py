"""Packet bus policy: GOP cache for late joiners, whole-GOP drops for slow subscribers."""

from __future__ import annotations

from fractions import Fraction

from vistterstream.program.bus import MediaPacket, PacketBus, StreamInfo
from vistterstream.program.encoder import video_settings

INFO = StreamInfo(640, 360, 30, Fraction(1, 30), b"", 1_000_000, 48_000, 2, Fraction(1, 48_000), b"", 128_000)


def video(n: int, key: bool) -> MediaPacket:
    return MediaPacket("video", bytes([n % 256]), n, n, Fraction(1, 30), key, 0.0)


def publish_gops(bus: PacketBus, gops: int, size: int = 5, start: int = 0) -> None:
    for n in range(start, start + gops * size):
        bus.publish(video(n, n % size == 0))


def test_late_subscriber_starts_at_last_keyframe() -> None:
    bus = PacketBus(INFO)
    publish_gops(bus, 2)
    publish_gops(bus, 1, start=10)
    bus.publish(video(15, False))
    sub = bus.subscribe("late")
    got = [sub.get(timeout=0) for _ in range(sub.backlog)]
    assert [p.pts for p in got if p] == [10, 11, 12, 13, 14, 15]


def test_full_queue_drops_whole_gops_and_resumes_on_keyframe() -> None:
    bus = PacketBus(INFO)
    slow = bus.subscribe("slow", max_packets=7)
    fast = bus.subscribe("fast", max_packets=1000)
    publish_gops(bus, 4)  # 20 packets into a queue of 7: overflows at 7 and 17, drops up to the next key
    assert fast.backlog == 20 and fast.dropped_gops == 0
    assert slow.dropped_gops == 2 and slow.backlog == 0
    bus.publish(video(20, True))
    bus.publish(video(21, False))
    assert [p.pts for p in (slow.get(timeout=0), slow.get(timeout=0)) if p] == [20, 21]


def test_close_wakes_readers_and_unsubscribes() -> None:
    bus = PacketBus(INFO)
    sub = bus.subscribe("x")
    assert bus.subscriber_names == ["x"]
    bus.close()
    assert sub.get(timeout=5) is None  # returns at once: closed
    sub.close()
    assert bus.subscriber_names == []


def test_quality_presets_order_and_keyframe_interval() -> None:
    low, medium, high = (video_settings(q, 1920, 1080, 30) for q in ("low", "medium", "high"))
    assert low.bitrate < medium.bitrate < high.bitrate
    assert medium.bitrate == 4_500_000
    assert "keyint=30" in medium.x264_params and "scenecut=0" in medium.x264_params
    assert video_settings("medium", 1280, 720, 30).bitrate < medium.bitrate
    assert "keyint=25" in video_settings("medium", 1280, 720, 25).x264_params
