"""The relay's worker process: reads program packets on stdin, publishes them as FLV over RTMP(S).

Why a process: PyAV gives output connections no timeout, so a destination that stops reading would block
a thread forever. A process can always be killed, and a crash inside FFmpeg's network code cannot take
the app down. The URL (with the stream key) arrives on stdin, never on the command line.

stdin:  one JSON line {"url", "secrets", "info"}; then frames: header ">cBqqI" (kind v/a, keyframe, pts, dts,
        size) + payload. EOF = finish cleanly.
stdout: JSON lines {"event": "connected" | "progress" | "error", ...}.
"""

from __future__ import annotations

import json
import struct
import sys
import time
from dataclasses import asdict
from fractions import Fraction
from typing import IO, Any

import av
import av.logging

from vistterstream.outputs.muxer import PacketMuxer
from vistterstream.program.bus import MediaPacket, StreamInfo
from vistterstream.redact import redact

HEADER = struct.Struct(">cBqqI")
PROGRESS_EVERY = 0.5


def info_to_json(info: StreamInfo) -> dict[str, Any]:
    out = asdict(info)
    for key, value in out.items():
        if isinstance(value, bytes):
            out[key] = value.hex()
        elif isinstance(value, Fraction):
            out[key] = [value.numerator, value.denominator]
    return out


def info_from_json(data: dict[str, Any]) -> StreamInfo:
    values = dict(data)
    for key in ("video_extradata", "audio_extradata"):
        values[key] = bytes.fromhex(values[key])
    for key in ("video_time_base", "audio_time_base"):
        values[key] = Fraction(*values[key])
    return StreamInfo(**values)


def encode_packet(packet: MediaPacket) -> bytes:
    return HEADER.pack(b"v" if packet.kind == "video" else b"a", int(packet.keyframe), packet.pts, packet.dts,
                       len(packet.data)) + packet.data


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def describe_failure(exc: BaseException, ffmpeg_lines: list[str]) -> str:
    """What went wrong talking to the destination, in words an operator can act on."""
    text = f"{exc} {' '.join(ffmpeg_lines)}"
    lower = text.lower()
    if isinstance(exc, ConnectionRefusedError) or "connection refused" in lower:
        return "connection refused: the server is down or the address/port in the RTMP URL is wrong"
    if "name or service not known" in lower or "failed to resolve" in lower or "temporary failure in name" in lower:
        return "the server name cannot be resolved: check the RTMP URL and this device's internet connection"
    if "certificate" in lower or "tls" in lower or "ssl" in lower:
        return f"secure connection (RTMPS) failed: {_last(ffmpeg_lines) or exc}"
    if "handshake" in lower:
        return "the server hung up during the RTMP handshake: is this an RTMP ingest address (and port)?"
    if "timed out" in lower or isinstance(exc, TimeoutError):
        return "the server did not answer in time: check the URL and the network"
    if "server error" in lower or "publish" in lower or "badname" in lower or "unauthorized" in lower:
        return f"the server refused the stream — check the stream key ({_last(ffmpeg_lines) or exc})"
    if isinstance(exc, BrokenPipeError | ConnectionResetError) or "broken pipe" in lower or "reset" in lower:
        return "the server closed the connection (wrong stream key, or the stream was ended on the platform)"
    if isinstance(exc, av.error.EOFError) or "end of file" in lower:
        return "the server closed the connection during the handshake (wrong stream key or app name?)"
    return str(exc) or type(exc).__name__


def _last(lines: list[str]) -> str:
    return lines[-1].strip() if lines else ""


def _emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def run(stdin: IO[bytes]) -> int:
    config = json.loads(stdin.readline())
    url: str = config["url"]
    secrets = [url, *config.get("secrets", [])]
    info = info_from_json(config["info"])
    av.logging.set_level(av.logging.ERROR)
    with av.logging.Capture() as logs:
        try:
            container = av.open(url, mode="w", format="flv")
            muxer = PacketMuxer(container, info)
            connected, last_progress = False, 0.0
            while True:
                header = _read_exact(stdin, HEADER.size)
                if header is None:
                    break
                kind, key, pts, dts, size = HEADER.unpack(header)
                data = _read_exact(stdin, size)
                if data is None:
                    break
                is_video = kind == b"v"
                time_base = info.video_time_base if is_video else info.audio_time_base
                muxer.mux(MediaPacket("video" if is_video else "audio", data, pts, dts, time_base, bool(key), 0.0))
                if not connected and muxer.packets_out:
                    connected = True
                    _emit("connected")
                now = time.monotonic()
                if now - last_progress >= PROGRESS_EVERY:
                    last_progress = now
                    _emit("progress", bytes=muxer.bytes_out)
            muxer.close()
            _emit("progress", bytes=muxer.bytes_out)
            return 0
        except Exception as exc:  # everything ends the same way: report, exit, let the parent retry
            lines = [str(entry[2]) for entry in logs if entry[2]]
            _emit("error", message=redact(describe_failure(exc, lines), secrets=secrets))
            return 1


if __name__ == "__main__":
    sys.exit(run(sys.stdin.buffer))
