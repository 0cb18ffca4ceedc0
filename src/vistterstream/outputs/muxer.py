"""Shared plumbing for outputs that mux bus packets into a PyAV container (HLS, RTMP relay, fMP4)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av

from vistterstream.program.bus import MediaPacket, StreamInfo


class PacketMuxer:
    """Adds H.264 (+ AAC) streams described by StreamInfo to a container and muxes bus packets into it.

    Each output starts at time 0 with a video keyframe, whenever in the program it joined, so a player or
    platform can decode from its first packet (at a program's start the first packets can be audio).
    Without `audio`, audio packets are skipped (a video-only container never waits to interleave).
    """

    def __init__(self, container: Any, info: StreamInfo, *, audio: bool = True) -> None:
        self.container = container
        video = container.add_stream("h264", rate=info.fps)
        video.width, video.height, video.pix_fmt = info.width, info.height, "yuv420p"
        video.bit_rate = info.video_bitrate
        video.codec_context.extradata = info.video_extradata
        video.time_base = Fraction(1, 90_000)
        self.streams = {"video": video}
        if audio:
            aac = container.add_stream("aac", rate=info.sample_rate)
            aac.layout = "stereo"
            aac.bit_rate = info.audio_bitrate
            aac.codec_context.extradata = info.audio_extradata
            self.streams["audio"] = aac
        self._origin: float | None = None
        self.bytes_out = 0
        self.packets_out = 0

    def mux(self, packet: MediaPacket) -> None:
        if packet.kind not in self.streams:
            return
        if self._origin is None:
            if packet.kind != "video" or not packet.keyframe:
                return
            self._origin = packet.seconds
        offset = round(self._origin / packet.time_base)
        dts = packet.dts - offset
        if dts < 0:
            return  # audio encoded for the instant before this output joined
        out = av.Packet(packet.data)
        out.pts, out.dts = packet.pts - offset, dts
        out.time_base = packet.time_base
        out.is_keyframe = packet.keyframe
        out.stream = self.streams[packet.kind]
        self.container.mux(out)
        self.bytes_out += len(packet.data)
        self.packets_out += 1

    def close(self) -> None:
        self.container.close()
