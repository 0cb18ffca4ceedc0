"""Packet bus: the encoder publishes once; every output reads its own bounded queue.

A new subscriber starts at the last keyframe (GOP cache), so its first packet is decodable. A subscriber
whose queue is full loses its queue and everything up to the next keyframe (whole GOPs, counted); the
publisher never waits for anyone.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class MediaPacket:
    kind: str  # "video" | "audio"
    data: bytes
    pts: int
    dts: int
    time_base: Fraction
    keyframe: bool
    created: float  # time.time() at encode: latency and freshness measurements

    @property
    def seconds(self) -> float:
        return float(self.dts * self.time_base)


@dataclass(frozen=True)
class StreamInfo:
    """What a muxer needs to describe the encoded streams."""

    width: int
    height: int
    fps: int
    video_time_base: Fraction
    video_extradata: bytes
    video_bitrate: int
    sample_rate: int
    channels: int
    audio_time_base: Fraction
    audio_extradata: bytes
    audio_bitrate: int


class Subscription:
    def __init__(self, bus: PacketBus, name: str, max_packets: int) -> None:
        self.name = name
        self._bus = bus
        self._max = max_packets
        self._queue: collections.deque[MediaPacket] = collections.deque()
        self._cond = threading.Condition()
        self._waiting_for_key = False
        self.closed = False
        self.dropped_gops = 0

    def _offer(self, packet: MediaPacket) -> None:
        with self._cond:
            if self._waiting_for_key:
                if not (packet.kind == "video" and packet.keyframe):
                    return
                self._waiting_for_key = False
            if len(self._queue) >= self._max:
                self.dropped_gops += 1
                self._queue.clear()
                if not (packet.kind == "video" and packet.keyframe):
                    self._waiting_for_key = True
                    return
            self._queue.append(packet)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> MediaPacket | None:
        """Next packet, or None on timeout or when closed."""
        with self._cond:
            if not self._queue and not self.closed:
                self._cond.wait(timeout)
            if not self._queue:
                return None
            return self._queue.popleft()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        self._bus.unsubscribe(self)
        with self._cond:
            self.closed = True
            self._queue.clear()
            self._cond.notify_all()


class PacketBus:
    def __init__(self, info: StreamInfo) -> None:
        self.info = info
        self._lock = threading.Lock()
        self._gop: list[MediaPacket] = []
        self._subscribers: list[Subscription] = []

    def publish(self, packet: MediaPacket) -> None:
        with self._lock:
            if packet.kind == "video" and packet.keyframe:
                self._gop = []
            if self._gop or (packet.kind == "video" and packet.keyframe):
                self._gop.append(packet)
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub._offer(packet)

    def subscribe(self, name: str, max_packets: int = 400) -> Subscription:
        sub = Subscription(self, name, max_packets)
        with self._lock:
            for packet in self._gop[-max_packets:]:
                sub._offer(packet)
            self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def close(self) -> None:
        with self._lock:
            subscribers, self._subscribers = list(self._subscribers), []
        for sub in subscribers:
            with sub._cond:
                sub.closed = True
                sub._cond.notify_all()

    @property
    def subscriber_names(self) -> list[str]:
        with self._lock:
            return [s.name for s in self._subscribers]
