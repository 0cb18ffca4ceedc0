"""Low-latency monitor stream: the program's encoded video as fragmented MP4, one fragment per frame.

No second encode: each viewer muxes the bus's H.264 packets into its own fMP4 (init segment, then a
`moof`+`mdat` per frame) for Media Source Extensions in the browser. A viewer that cannot keep up loses
whole GOPs in its bus subscription (the player jumps the gap); the program and other viewers never wait.
Video only: the program's audio is a silence track until camera audio is passed through.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import av

from vistterstream.outputs.muxer import PacketMuxer
from vistterstream.program.bus import PacketBus, StreamInfo, Subscription

# empty_moov: the init segment needs no samples; frag_every_frame: a fragment as soon as the next frame is
# muxed (one frame of delay); default_base_moof: what MSE expects; skip_trailer: a live stream never ends.
MOVFLAGS = "frag_every_frame+empty_moov+default_base_moof+skip_trailer"
SECONDS_OF_BACKLOG = 2.0  # a viewer further behind than this loses GOPs instead of drifting late


def codec_string(extradata: bytes) -> str:
    """RFC 6381 codec id for MSE (`avc1.PPCCLL`) from Annex-B or avcC H.264 extradata."""
    if extradata[:1] == b"\x01" and len(extradata) >= 4:  # avcC: profile, compatibility, level follow
        sps = extradata[1:4]
    else:
        start = extradata.find(b"\x00\x00\x01")
        while start >= 0 and start + 3 < len(extradata) and extradata[start + 3] & 0x1F != 7:
            start = extradata.find(b"\x00\x00\x01", start + 3)
        if start < 0 or start + 7 > len(extradata):
            raise ValueError("no H.264 SPS in the extradata")
        sps = extradata[start + 4:start + 7]
    return "avc1." + sps.hex()


class _Chunks:
    """File-like sink for PyAV: collects what the muxer writes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


@dataclass(frozen=True)
class Hello:
    codec: str
    width: int
    height: int
    fps: int

    def mime(self) -> str:
        return f'video/mp4; codecs="{self.codec}"'


class Fmp4Viewer:
    """One viewer's stream. `next_chunk()` blocks (in a worker thread) and returns bytes to send, or None at end."""

    def __init__(self, bus: PacketBus, name: str) -> None:
        info: StreamInfo = bus.info
        self.hello = Hello(codec_string(info.video_extradata), info.width, info.height, info.fps)
        packets_per_second = info.fps + info.sample_rate / 1024
        self._sub: Subscription = bus.subscribe(name, max_packets=int(packets_per_second * SECONDS_OF_BACKLOG))
        self._sink = _Chunks()
        container = av.open(self._sink, "w", format="mp4", options={"movflags": MOVFLAGS, "flush_packets": "1"})
        self._muxer = PacketMuxer(container, info, audio=False)

    def next_chunk(self, timeout: float = 1.0) -> bytes | None:
        """Bytes ready to send (init segment first); b"" when nothing arrived within `timeout`; None when the
        program has ended."""
        while True:
            packet = self._sub.get(timeout)
            if packet is None:
                return None if self._sub.closed else b""
            self._muxer.mux(packet)
            data = self._sink.take()
            if data:
                return data

    @property
    def dropped_gops(self) -> int:
        return self._sub.dropped_gops

    def close(self) -> None:
        self._sub.close()
        with contextlib.suppress(av.FFmpegError, OSError):  # a cut-off live stream has nothing to finish
            self._muxer.close()
