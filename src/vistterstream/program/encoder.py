"""The one encoder: H.264 (libx264 zerolatency, a keyframe on every whole second) + AAC (silence)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
from av.codec.context import Flags
from av.video.frame import PictureType

from vistterstream.program.bus import MediaPacket, StreamInfo

SAMPLE_RATE = 48_000
AUDIO_FRAME = 1024
AUDIO_BITRATE = 128_000
# kbit/s at 1080p30; scaled by pixel count and frame rate for other sizes.
QUALITY_KBPS = {"low": 2_500, "medium": 4_500, "high": 6_500}


@dataclass(frozen=True)
class VideoSettings:
    bitrate: int  # bit/s
    preset: str
    x264_params: str


def video_settings(quality: str, width: int, height: int, fps: int) -> VideoSettings:
    """Quality preset → encoder settings (pure; unit-tested)."""
    scale = (width * height) / (1920 * 1080) * (fps / 30) ** 0.5
    kbps = max(300, int(QUALITY_KBPS.get(quality, QUALITY_KBPS["medium"]) * scale ** 0.75))
    params = ":".join([
        f"keyint={fps}", f"min-keyint={fps}", "scenecut=0",  # every second (forced on the clock, see encode)
        "repeat-headers=1",  # SPS/PPS before every keyframe: HLS/MPEG-TS joins anywhere
        f"vbv-maxrate={kbps}", f"vbv-bufsize={kbps}",  # CBR-ish: platforms reject spiky streams
        "bframes=0", "rc-lookahead=0", "sync-lookahead=0", "sliced-threads=1",
    ])
    return VideoSettings(bitrate=kbps * 1000, preset="veryfast", x264_params=params)


class Encoder:
    def __init__(self, width: int, height: int, fps: int, quality: str) -> None:
        self.fps = fps
        settings = video_settings(quality, width, height, fps)
        video = av.CodecContext.create("libx264", "w")
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = Fraction(1, fps)
        video.framerate = Fraction(fps, 1)
        video.bit_rate = settings.bitrate
        video.gop_size = fps
        video.flags |= Flags.global_header  # extradata for FLV/MP4 muxers; repeat-headers keeps TS happy
        video.options = {"preset": settings.preset, "tune": "zerolatency", "x264-params": settings.x264_params}
        video.open()
        audio = av.CodecContext.create("aac", "w")
        audio.sample_rate, audio.layout, audio.format = SAMPLE_RATE, "stereo", "fltp"
        audio.time_base = Fraction(1, SAMPLE_RATE)
        audio.bit_rate = AUDIO_BITRATE
        audio.flags |= Flags.global_header
        audio.open()
        self._video, self._audio = video, audio
        self._audio_pts = 0
        self._silence = av.AudioFrame(format="fltp", layout="stereo", samples=AUDIO_FRAME)
        for plane in self._silence.planes:
            plane.update(bytes(plane.buffer_size))
        self.info = StreamInfo(
            width=width, height=height, fps=fps, video_time_base=video.time_base,
            video_extradata=bytes(video.extradata or b""), video_bitrate=settings.bitrate,
            sample_rate=SAMPLE_RATE, channels=2, audio_time_base=audio.time_base,
            audio_extradata=bytes(audio.extradata or b""), audio_bitrate=AUDIO_BITRATE,
        )
        self.frames = 0
        self.encode_seconds = 0.0
        self._second = -1

    def encode(self, frame: av.VideoFrame, pts: int) -> list[MediaPacket]:
        """Encode video frame `pts` (in 1/fps) and the audio that covers it, in presentation order."""
        started = time.perf_counter()
        frame.pts = pts
        frame.time_base = self._video.time_base
        # The first frame of each program second is a keyframe, even after the clock skipped frames (x264
        # counts frames, not time): keyframes, and so the 1 s preview segments, stay on whole seconds.
        second = pts // self.fps
        frame.pict_type = PictureType.I if second != self._second else PictureType.NONE
        self._second = second
        out = [self._packet("video", p) for p in self._video.encode(frame)]
        audio_until = (pts + 1) * SAMPLE_RATE // self.fps
        while self._audio_pts + AUDIO_FRAME <= audio_until:
            self._silence.pts = self._audio_pts
            self._silence.sample_rate = SAMPLE_RATE
            self._silence.time_base = self._audio.time_base
            self._audio_pts += AUDIO_FRAME
            out += [self._packet("audio", p) for p in self._audio.encode(self._silence)]
        self.frames += 1
        self.encode_seconds += time.perf_counter() - started
        return out

    def _packet(self, kind: str, packet: av.Packet[Any]) -> MediaPacket:
        assert packet.pts is not None and packet.dts is not None and packet.time_base is not None
        return MediaPacket(kind, bytes(packet), int(packet.pts), int(packet.dts), packet.time_base,
                           bool(packet.is_keyframe), time.time())

    def close(self) -> None:
        # Flushing is not needed: a live program just stops; the codec contexts are freed with the objects.
        self._video = None  # type: ignore[assignment]
        self._audio = None  # type: ignore[assignment]
