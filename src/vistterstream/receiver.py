"""`vistterstream receive`: a local RTMP/RTMPS receiver to rehearse go-live offline.

It listens like a streaming platform's ingest, and reports what arrives: codecs, resolution, frame rate,
bitrate, keyframe interval and audio. It accepts any application name and stream key.

A small frontend owns the public socket and forwards to FFmpeg's listener on a private loopback port: it
never refuses a publisher between sessions, and for RTMPS it terminates TLS (Python `ssl`), which FFmpeg
cannot listen for — the way an ingest server sits behind a TLS load balancer.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import av

Emit = Callable[[dict[str, Any]], None]
UPSTREAM_WAIT = 5.0  # how long a new publisher may wait for the previous session to be torn down


@dataclass
class Session:
    """Counters for one publisher connection."""

    started: float = field(default_factory=time.monotonic)
    video_packets: int = 0
    decoded_frames: int = 0
    keyframes: int = 0
    audio_packets: int = 0
    bytes: int = 0
    decode_errors: int = 0
    first_keyframe_at: float | None = None  # time.time() of the first keyframe (bench: go-live latency)
    _window: tuple[float, int, int] = (0.0, 0, 0)  # (time, frames, bytes) at the previous report

    def stats(self) -> dict[str, Any]:
        """Totals, plus fps and bitrate over the interval since the previous report (what arrives now)."""
        now = time.monotonic()
        elapsed = max(1e-6, now - self.started)
        then, frames, sent = self._window if self._window[0] else (self.started, 0, 0)
        span = max(1e-6, now - then)
        self._window = (now, self.decoded_frames, self.bytes)
        return {"event": "stats", "seconds": round(elapsed, 2), "video_packets": self.video_packets,
                "decoded_frames": self.decoded_frames, "keyframes": self.keyframes,
                "audio_packets": self.audio_packets, "bytes": self.bytes,
                "bitrate_kbps": round((self.bytes - sent) * 8 / span / 1000),
                "fps": round((self.decoded_frames - frames) / span, 2),
                "decode_errors": self.decode_errors, "first_keyframe_at": self.first_keyframe_at}


def split_listen_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an rtmp:// or rtmps:// listen URL, with the protocol default ports."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("rtmp", "rtmps"):
        raise ValueError(f"the listen URL must start with rtmp:// or rtmps://, not {url!r}")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if scheme == "rtmps" else 1935)
    return scheme, host, port, parts.path or "/live/test"


def check_listen(url: str, cert: Path | None, key: Path | None) -> tuple[str, str, int, str]:
    """split_listen_url plus the TLS files rtmps:// needs; ValueError with a one-line reason."""
    parts = split_listen_url(url)
    if parts[0] == "rtmps" and (cert is None or key is None):
        raise ValueError("rtmps:// needs --cert and --key (a PEM certificate and its private key)")
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise ValueError(f"{path} does not exist")
    return parts


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Frontend:
    """Owns the public listening socket and forwards each connection to FFmpeg's listener on a private port.

    FFmpeg listens for one publisher at a time and re-listens only after a session ends; the frontend's
    socket stays open throughout, so a publisher never meets "connection refused" in between. With a TLS
    context it also terminates RTMPS, which FFmpeg cannot listen for itself.
    """

    def __init__(self, host: str, port: int, upstream_port: int, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.upstream_port = upstream_port
        self.server = socket.create_server((host, port))
        self.server.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="receiver-frontend", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _upstream(self) -> socket.socket | None:
        deadline = time.monotonic() + UPSTREAM_WAIT
        while not self._stop.is_set():
            try:
                return socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.05)
        return None

    def _handle(self, client: socket.socket) -> None:
        try:
            if self.tls is not None:
                client.settimeout(10)
                client = self.tls.wrap_socket(client, server_side=True)
            client.settimeout(None)
        except (OSError, ssl.SSLError):
            client.close()
            return
        upstream = self._upstream()
        if upstream is None:
            client.close()
            return
        upstream.settimeout(None)
        done = threading.Event()

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := src.recv(65536):
                    dst.sendall(data)
            done.set()

        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=pipe, args=(src, dst), daemon=True).start()
        done.wait()
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(2)


def receive_one(url: str, emit: Emit, *, open_timeout: float | None = None, read_timeout: float = 10.0) -> None:
    """Wait for one publisher on an rtmp:// URL, then report until it disconnects."""
    container: Any = av.open(url, options={"listen": "1"}, timeout=(open_timeout, read_timeout))
    session = Session()
    try:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        emit({
            "event": "connected",
            "video": None if video is None else {
                "codec": video.codec_context.name, "width": video.codec_context.width,
                "height": video.codec_context.height, "fps": float(video.average_rate or video.guessed_rate or 0)},
            "audio": None if audio is None else {
                "codec": audio.codec_context.name, "sample_rate": audio.codec_context.sample_rate,
                "channels": audio.codec_context.channels if hasattr(audio.codec_context, "channels") else None},
        })
        last_report = time.monotonic()
        for packet in container.demux():
            if packet.size == 0:
                continue
            session.bytes += packet.size
            if packet.stream.type == "video":
                session.video_packets += 1
                if packet.is_keyframe:
                    session.keyframes += 1
                    if session.first_keyframe_at is None:
                        session.first_keyframe_at = time.time()
                try:
                    session.decoded_frames += len(packet.decode())
                except av.error.FFmpegError:
                    session.decode_errors += 1
            elif packet.stream.type == "audio":
                session.audio_packets += 1
            if time.monotonic() - last_report >= 1.0:
                last_report = time.monotonic()
                emit(session.stats())
        emit({**session.stats(), "event": "ended", "reason": "the publisher disconnected"})
    except av.error.FFmpegError as exc:
        reason = "the publisher disconnected" if session.bytes else f"the connection failed: {exc}"
        emit({**session.stats(), "event": "ended", "reason": reason})
    finally:
        container.close()


def serve(url: str, emit: Emit, stop: threading.Event, *, cert: Path | None = None, key: Path | None = None,
          once: bool = False) -> None:
    """Receive publishers one after another until `stop` is set (or after one, with `once`)."""
    scheme, host, port, path = check_listen(url, cert, key)
    tls: ssl.SSLContext | None = None
    if scheme == "rtmps" and cert is not None and key is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(str(cert), str(key))
    internal = free_loopback_port()
    frontend = Frontend(host, port, internal, tls)
    emit({"event": "listening", "url": f"{scheme}://{host}:{port}{path}"})
    try:
        while not stop.is_set():
            try:
                receive_one(f"rtmp://127.0.0.1:{internal}{path}", emit)
            except av.error.FFmpegError as exc:
                emit({"event": "error", "message": str(exc)})
            if once:
                break
    finally:
        frontend.close()


def human(event: dict[str, Any]) -> str:
    kind = event["event"]
    if kind == "listening":
        return f"listening on {event['url']} — point a destination at it (any stream key works); Ctrl+C to stop"
    if kind == "connected":
        v, a = event.get("video"), event.get("audio")
        video = f"{v['codec']} {v['width']}x{v['height']} {v['fps']:.2f} fps" if v else "no video"
        audio = f"{a['codec']} {a['sample_rate']} Hz" if a else "no audio"
        return f"publisher connected: {video}, {audio}"
    if kind in ("stats", "ended"):
        line = (f"{event['seconds']:7.1f} s  {event['fps']:5.1f} fps  {event['bitrate_kbps']:6d} kbit/s  "
                f"keyframes {event['keyframes']}  audio packets {event['audio_packets']}")
        if event.get("decode_errors"):
            line += f"  decode errors {event['decode_errors']}"
        return line if kind == "stats" else f"{line}\nended: {event['reason']}"
    return f"error: {event.get('message')}"


def print_event(as_json: bool) -> Emit:
    def emit(event: dict[str, Any]) -> None:
        print(json.dumps(event) if as_json else human(event), flush=True)
    return emit
