"""The low-latency monitor WebSocket: fMP4 of the running program, no second encode, slow viewers drop data."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import socket
import struct
import time
from urllib.parse import urlsplit

import av
import numpy as np
from websockets.sync.client import connect

from tests.conftest import LiveApp
from tests.integration.test_preview_live import make_show
from vistterstream.outputs.fmp4 import Fmp4Viewer
from vistterstream.program.bus import PacketBus
from vistterstream.program.encoder import Encoder


def ws_url(app: LiveApp) -> str:
    return app.base_url.replace("http://", "ws://") + "/api/preview/monitor"


def decode_times(fragments: list[bytes]) -> list[int]:
    """baseMediaDecodeTime of every `tfdt` box, in order."""
    times = []
    for data in fragments:
        at = data.find(b"tfdt")
        while at >= 0:
            wide = data[at + 4] == 1  # box version 1: a 64-bit time
            times.append(struct.unpack(">Q" if wide else ">I", data[at + 8:at + (16 if wide else 12)])[0])
            at = data.find(b"tfdt", at + 4)
    return times


def test_monitor_streams_decodable_fmp4_and_ends_with_the_preview(live_app: LiveApp) -> None:
    http = live_app.http
    with connect(ws_url(live_app)) as idle:
        try:
            idle.recv(timeout=5)
        except Exception as exc:
            assert "4409" in str(exc) and "Start the preview first" in str(exc)
    timeline_id = make_show(http)
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    with connect(ws_url(live_app)) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["mime"].startswith('video/mp4; codecs="avc1.64')
        assert (hello["width"], hello["height"]) == (640, 360)
        chunks = [ws.recv(timeout=5) for _ in range(61)]
        assert all(isinstance(c, bytes) for c in chunks)
        stream = b"".join(chunks)  # type: ignore[arg-type]
        assert stream[4:8] == b"ftyp"
        with av.open(io.BytesIO(stream), format="mp4") as container:
            frames = list(container.decode(video=0))
        assert len(frames) >= 55 and (frames[0].width, frames[0].height) == (640, 360)
        times = decode_times(chunks[1:])  # type: ignore[arg-type]
        steps = {b - a for a, b in itertools.pairwise(times)}
        assert len(steps) == 1 and steps.pop() > 0, "one fragment per frame, evenly spaced"
        assert http.post("/api/preview/stop").status_code == 200
        deadline = time.monotonic() + 5
        try:
            while time.monotonic() < deadline:
                ws.recv(timeout=5)
            raise AssertionError("the monitor stream did not end with the preview")
        except Exception as exc:
            assert "1000" in str(exc) and "The preview stopped" in str(exc)


def stalled_client(url: str) -> socket.socket:
    """A viewer that handshakes and then stops reading, with a tiny receive window."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b"101" in sock.recv(200)
    return sock


def test_a_stalled_viewer_does_not_slow_the_others(live_app: LiveApp) -> None:
    http = live_app.http
    assert http.post("/api/preview/start", json={"timeline_id": make_show(http)}).status_code == 200
    slow = stalled_client(ws_url(live_app))
    try:
        with connect(ws_url(live_app)) as ws:
            ws.recv(timeout=5)
            started, frames = time.monotonic(), 0
            while time.monotonic() - started < 4:
                ws.recv(timeout=5)
                frames += 1
            assert frames >= 4 * 25, f"the healthy viewer got {frames} fragments in 4 s"
        assert http.get("/api/preview/status").json()["program"]["fps"] >= 25  # the program never waited
    finally:
        slow.close()


def test_a_viewer_that_stops_reading_loses_whole_gops() -> None:
    """Below the WebSocket: a viewer not read for 5 s skips ahead to a keyframe; a reading viewer misses nothing."""
    encoder = Encoder(320, 180, 30, "low")
    bus = PacketBus(encoder.info)
    stalled, reading = Fmp4Viewer(bus, "stalled"), Fmp4Viewer(bus, "reading")
    try:
        got: list[bytes] = []
        late: list[bytes] = []
        for pts in range(210):
            frame = av.VideoFrame.from_ndarray(np.full((180, 320, 3), pts % 255, np.uint8), format="rgb24")
            for packet in encoder.encode(frame.reformat(format="yuv420p"), pts):
                bus.publish(packet)
            while chunk := reading.next_chunk(timeout=0):
                got.append(chunk)
            while pts >= 150 and (chunk := stalled.next_chunk(timeout=0)):  # reads again after 5 s
                late.append(chunk)
        assert stalled.dropped_gops >= 1 and reading.dropped_gops == 0
        full, skipped = decode_times(got[1:]), decode_times(late[1:])
        assert len(full) >= 208 and {b - a for a, b in itertools.pairwise(full)} == {3000}
        assert len(skipped) < len(full) - 30, "the stalled viewer skipped at least a GOP"
        with av.open(io.BytesIO(b"".join(late)), format="mp4") as container:
            assert sum(1 for _ in container.decode(video=0)) == len(skipped)  # still decodable after the jump
    finally:
        stalled.close()
        reading.close()
        encoder.close()
