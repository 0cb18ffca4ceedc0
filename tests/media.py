"""Real-media helpers for tests: free ports, helper processes, decoding program output back to facts."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from vistterstream import yuv
from vistterstream.program.bus import MediaPacket, StreamInfo, Subscription
from vistterstream.sources import strip

HELPERS = Path(__file__).parent / "helpers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_helper(script: str, *args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HELPERS / script), *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process this test started (a camera losing power) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    for pipe in (process.stdout, process.stderr):
        if pipe:
            pipe.close()


@dataclass(frozen=True)
class Frame:
    pts: float  # seconds
    keyframe: bool
    width: int
    height: int
    stamp: strip.Stamp | None
    yuv_at: tuple[int, int, int]  # mean Y/U/V of a small block at the probe point


def describe(frame: av.VideoFrame, probe: tuple[float, float] = (0.1, 0.5)) -> Frame:
    picture = frame.to_ndarray(format="yuv420p")
    y, u, v = yuv.planes(picture)
    px, py = int(frame.width * probe[0]) // 2 * 2, int(frame.height * probe[1]) // 2 * 2
    block = (slice(py, py + 8), slice(px, px + 8))
    half = (slice(py // 2, py // 2 + 4), slice(px // 2, px // 2 + 4))
    sample = (round(float(y[block].mean())), round(float(u[half].mean())), round(float(v[half].mean())))
    pts = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else 0.0
    return Frame(pts, bool(frame.key_frame), frame.width, frame.height, strip.read(np.ascontiguousarray(y)),
                 sample)


def decode_segments(paths: Iterable[Path]) -> tuple[list[Frame], float]:
    """Decode concatenated MPEG-TS segments; returns frames and the stream's average frame rate."""
    data = b"".join(p.read_bytes() for p in paths)
    with av.open(io.BytesIO(data), format="mpegts") as container:
        stream = container.streams.video[0]
        frames = [describe(f) for f in container.decode(stream)]
        rate = float(stream.average_rate or stream.guessed_rate or 0)
    return frames, rate


def color_fraction(picture: yuv.Array, rgb: tuple[int, int, int], region: tuple[slice, slice],
                   tolerance: int = 20) -> float:
    """Share of 2x2 blocks inside `region` (luma coordinates, even) whose colour is close to `rgb`."""
    y, u, v = yuv.planes(picture)
    rows, cols = region
    luma = y[rows, cols][::2, ::2].astype(int)
    half = (slice(rows.start // 2, rows.stop // 2), slice(cols.start // 2, cols.stop // 2))
    ty, tu, tv = yuv.rgb_to_yuv(*rgb)
    close = ((abs(luma - ty) <= tolerance) & (abs(u[half].astype(int) - tu) <= tolerance)
             & (abs(v[half].astype(int) - tv) <= tolerance))
    return float(close.mean())


def frame_steps(pts: list[float], fps: int) -> set[float]:
    """The distinct gaps between consecutive timestamps, in frames ({1.0} means perfectly continuous)."""
    return {round((b - a) * fps, 3) for a, b in itertools.pairwise(pts)}


def is_color(sample: tuple[int, int, int], rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(sample, yuv.rgb_to_yuv(*rgb), strict=True))


class BusDecoder:
    """Decodes a bus subscription's video packets as they arrive (what any output would see)."""

    def __init__(self, info: StreamInfo) -> None:
        self._codec = av.CodecContext.create("h264", "r")
        self._codec.extradata = info.video_extradata
        self.info = info
        self.last_picture: yuv.Array | None = None  # the newest decoded frame, packed yuv420p

    def decode(self, packet: MediaPacket) -> list[Frame]:
        raw = av.Packet(packet.data)
        raw.pts, raw.dts, raw.time_base = packet.pts, packet.dts, packet.time_base
        out = []
        for frame in self._codec.decode(raw):
            out.append(describe(frame))
            self.last_picture = frame.to_ndarray(format="yuv420p")
        return out

    def drain(self, sub: Subscription, seconds: float) -> list[tuple[float, Frame]]:
        """(arrival time, frame) for every video frame delivered during `seconds`."""
        out: list[tuple[float, Frame]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            packet = sub.get(timeout=0.2)
            if packet is not None and packet.kind == "video":
                out += [(time.time(), f) for f in self.decode(packet)]
        return out


class Receiver:
    """`vistterstream receive --json` in a subprocess: the real local RTMP(S) receiver, watched line by line."""

    def __init__(self, url: str, cert: Path | None = None, key: Path | None = None) -> None:
        self.url, self.cert, self.key = url, cert, key
        self.events: list[dict[str, object]] = []
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        args = [sys.executable, "-m", "vistterstream", "receive", "--listen", self.url, "--json"]
        if self.cert and self.key:
            args += ["--cert", str(self.cert), "--key", str(self.key)]
        with self._lock:
            self.events = []
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self._reader.start()
        # The receiver binds its public socket before it says so: no need to probe (and disturb) it.
        self.wait_for(lambda e: e["event"] == "listening", 15, "the receiver to listen")

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                with self._lock:
                    self.events.append(event)

    def latest(self, kind: str) -> dict[str, object] | None:
        with self._lock:
            matching = [e for e in self.events if e["event"] == kind]
        return matching[-1] if matching else None

    def wait_for(self, predicate: Callable[[dict[str, object]], bool], timeout: float, what: str) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [e for e in self.events if predicate(e)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; got {self.events[-3:]}")

    def frames(self) -> int:
        stats = self.latest("stats")
        return int(stats["decoded_frames"]) if stats else 0  # type: ignore[call-overload]

    def kill(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self._reader.join(5)  # reads to EOF, then the pipe can be closed
            kill(self.process)
            self.process = None


def make_tls_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (what a test RTMPS ingest presents)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FaultyServer:
    """A TCP 'ingest' that misbehaves: `refuse` closes every connection at once, `silent` never answers."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.server.settimeout(0.2)
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            if self.behaviour == "refuse":
                conn.close()
            else:
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()
        for conn in self._held:
            conn.close()


def child_pids(marker: str) -> list[int]:
    """PIDs of this process's children whose command line contains `marker`."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me and marker in cmdline:
            found.append(int(entry.name))
    return found


# Debian's Chromium, driven by Playwright (tests/e2e and bench/browser.py).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--autoplay-policy=no-user-gesture-required"]
