"""Preview → go live → faults → recovery → stop-live → stop, through the real app and real receivers."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from pathlib import Path

import av
import httpx
import pytest

from tests.conftest import LiveApp
from tests.media import Receiver, child_pids, free_port, make_tls_cert, wait_until

PLAYLIST_SEQ = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")


def make_show(http: httpx.Client, name: str = "Show") -> int:
    cams = [http.post("/api/cameras", json={"name": n, "type": "test", "url": f"test://?color={c}&size=640x360"})
            .json()["id"] for n, c in (("Red", "ff0000"), ("Blue", "0000ff"))]
    response = http.post("/api/timelines", json={
        "name": name, "width": 640, "height": 360, "fps": 30, "quality": "low", "loop": True,
        "cues": [{"action": "show_camera", "camera_id": cams[0], "duration": 2},
                 {"action": "show_camera", "camera_id": cams[1], "duration": 2, "transition": "fade",
                  "transition_duration": 0.5}]})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def make_destination(http: httpx.Client, name: str, url: str, key: str) -> int:
    response = http.post("/api/destinations", json={"name": name, "platform": "custom", "rtmp_url": url,
                                                     "stream_key": key})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def destination_state(http: httpx.Client, destination_id: int) -> dict[str, object]:
    status = http.get("/api/preview/status").json()
    return next(d for d in status["destinations"] if d["destination_id"] == destination_id)


def engine_threads() -> list[str]:
    """Threads the media engine and outputs start (the web server's own pool is not ours to count)."""
    prefixes = ("compositor", "hls-output", "relay-", "source-")
    return [t.name for t in threading.enumerate() if t.name.startswith(prefixes)]


class PlaylistWatcher:
    """Polls the preview playlist the way a player does and records every segment number it ever lists."""

    def __init__(self, http: httpx.Client, url: str) -> None:
        self.http, self.url = http, url
        self.seen: list[int] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            response = self.http.get(self.url)
            if response.status_code != 200:
                self.errors.append(f"{response.status_code} {response.text[:80]}")
            else:
                for number in (int(n) for n in re.findall(r"seg(\d{6})\.ts", response.text)):
                    if number not in self.seen:
                        self.seen.append(number)
            self._stop.wait(0.3)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def test_preview_then_live_to_three_receivers_with_faults(live_app: LiveApp, tmp_path: Path) -> None:
    http = live_app.http
    timeline_id = make_show(http)
    ports = [free_port() for _ in range(3)]
    cert, key = make_tls_cert(tmp_path)
    receivers = [Receiver(f"rtmp://127.0.0.1:{ports[0]}/live/a"), Receiver(f"rtmp://127.0.0.1:{ports[1]}/live/b"),
                 Receiver(f"rtmps://127.0.0.1:{ports[2]}/live/c", cert, key)]
    ids = [make_destination(http, "Alpha", f"rtmp://127.0.0.1:{ports[0]}/live", "alpha-key-1111"),
           make_destination(http, "Bravo", f"rtmp://127.0.0.1:{ports[1]}/live", "bravo-key-2222"),
           make_destination(http, "Charlie TLS", f"rtmps://127.0.0.1:{ports[2]}/live", "charlie-key-3333")]
    watcher: PlaylistWatcher | None = None
    try:
        # -- preview
        started = http.post("/api/preview/start", json={"timeline_id": timeline_id})
        assert started.status_code == 200, started.text
        body = started.json()
        assert body["mode"] == "preview" and body["timeline_id"] == timeline_id and body["timeline_name"] == "Show"
        hls_url = body["hls_url"]
        playlist = http.get(hls_url)
        assert playlist.status_code == 200 and "no-cache" in playlist.headers["cache-control"]
        assert playlist.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        segment_name = re.findall(r"seg\d{6}\.ts", playlist.text)[0]
        segment = http.get(hls_url.replace("index.m3u8", segment_name))
        assert segment.status_code == 200
        with av.open(io.BytesIO(segment.content), format="mpegts") as container:
            frames = list(container.decode(video=0))
        assert frames and (frames[0].width, frames[0].height) == (640, 360) and frames[0].key_frame
        watcher = PlaylistWatcher(http, hls_url)

        # -- go live to three receivers (one over TLS)
        live = http.post("/api/preview/go-live", json={"destination_ids": ids})
        assert live.status_code == 200, live.text
        assert live.json()["mode"] == "live"
        assert live.json()["destinations"] == ["Alpha", "Bravo", "Charlie TLS"] and live.json()["failures"] == []
        status = http.get("/api/preview/status").json()
        assert status["mode"] == "live" and status["hls_url"] == hls_url  # the monitor keeps its stream
        for receiver in receivers:
            connected = receiver.wait_for(lambda e: e["event"] == "connected", 10, "a publisher")
            assert connected["video"] == {"codec": "h264", "width": 640, "height": 360, "fps": 30.0}
            assert connected["audio"]["codec"] == "aac"  # type: ignore[index]
            receiver.wait_for(lambda e: e["event"] == "stats" and e["decoded_frames"] >= 60  # type: ignore[operator]
                              and e["audio_packets"] > 50 and e["decode_errors"] == 0, 15, "two seconds of media")
        assert all(d["state"] == "live" for d in http.get("/api/preview/status").json()["destinations"])
        assert "key" not in str(status["destinations"]).replace("stream_key", "")  # keys never in status
        assert "alpha-key-1111" not in http.get("/api/preview/status").text

        # -- one receiver dies: it retries, the others and the preview carry on
        receivers[0].kill()
        wait_until(lambda: destination_state(http, ids[0])["state"] == "retrying", 15, "Alpha to retry")
        alpha = destination_state(http, ids[0])
        assert alpha["last_error"] and "alpha-key-1111" not in str(alpha["last_error"])
        bravo_frames = receivers[1].frames()
        time.sleep(2)
        assert receivers[1].frames() > bravo_frames + 30, "Bravo keeps receiving while Alpha is down"
        assert destination_state(http, ids[1])["state"] == "live"

        # -- it comes back: the relay reconnects by itself
        receivers[0].start()
        receivers[0].wait_for(lambda e: e["event"] == "stats" and e["decoded_frames"] >= 30,  # type: ignore[operator]
                              20, "Alpha to receive again")
        wait_until(lambda: destination_state(http, ids[0])["state"] == "live", 10, "Alpha live again")
        assert destination_state(http, ids[0])["reconnects"] >= 1

        # -- what is on air cannot be deleted from under the broadcast
        refused = http.delete(f"/api/destinations/{ids[1]}")
        assert refused.status_code == 409 and "Stop Live" in refused.json()["detail"]
        refused = http.delete(f"/api/timelines/{timeline_id}")
        assert refused.status_code == 409 and "Stop the preview" in refused.json()["detail"]
        assert destination_state(http, ids[1])["state"] == "live"

        # -- stop live: receivers see the end, preview continues on the same URL
        stopped_live = http.post("/api/preview/stop-live")
        assert stopped_live.status_code == 200 and stopped_live.json()["mode"] == "preview"
        for receiver in receivers:
            receiver.wait_for(lambda e: e["event"] == "ended", 10, "the stream to end")
        status = http.get("/api/preview/status").json()
        assert status["mode"] == "preview" and status["hls_url"] == hls_url and status["destinations"] == []
        assert child_pids("relay_worker") == []
        time.sleep(1.5)
        watcher.stop()
        # Segment numbers only ever grow by one: no reset, no gap, across go-live, faults and stop-live.
        assert watcher.errors == []
        assert len(watcher.seen) > 10
        assert watcher.seen == list(range(watcher.seen[0], watcher.seen[0] + len(watcher.seen)))

        # -- stop: everything cleaned up
        hls_dir = live_app.app.state.router.hls.dir
        stopped = http.post("/api/preview/stop")
        assert stopped.status_code == 200 and stopped.json()["timeline_id"] == timeline_id
        assert not hls_dir.exists()
        assert http.get(hls_url).status_code == 404
        wait_until(lambda: engine_threads() == [], 5, "the engine's threads to end")
        assert http.get("/api/preview/status").json()["mode"] == "idle"

        history = [e["event_type"] for e in http.get("/api/preview/events/history").json()][::-1]
        for expected in ("preview_start", "go_live", "destination_failed", "destination_recovered", "stop_live",
                         "preview_stop"):
            assert expected in history, history
        assert history.index("go_live") < history.index("destination_failed") < history.index("stop_live")
    finally:
        if watcher:
            watcher.stop()
        for receiver in receivers:
            receiver.kill()


def test_server_sent_events_follow_every_change(live_app: LiveApp) -> None:
    """The event stream reports each mode change (and the moving playhead) without polling."""
    timeline_id = make_show(live_app.http)
    modes: list[str] = []
    positions: list[float] = []
    commands = iter([lambda: live_app.http.post("/api/preview/start", json={"timeline_id": timeline_id}),
                     lambda: live_app.http.post("/api/preview/stop")])
    acted_on = ""
    sse = httpx.Client(base_url=live_app.base_url, timeout=30)
    with sse, sse.stream("GET", "/api/preview/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-cache"
        for line in stream.iter_lines():
            if not line.startswith("data: "):
                continue
            status = json.loads(line[6:])
            if not modes or modes[-1] != status["mode"]:
                modes.append(status["mode"])
            if status["position"] is not None:
                positions.append(status["position"])
            settled = not status["busy"] and (status["mode"] != "preview" or len(positions) >= 3)
            if settled and acted_on != f"{len(modes)}":
                acted_on = f"{len(modes)}"
                command = next(commands, None)
                if command is None:
                    break
                threading.Thread(target=command, daemon=True).start()
    assert modes == ["idle", "preview", "idle"]
    assert len(set(positions)) >= 3  # the playhead moves: a status event each second while running


def last_sequence(playlist: str) -> int:
    match = PLAYLIST_SEQ.search(playlist)
    assert match, playlist
    return int(match.group(1)) + len(re.findall(r"^seg\d{6}\.ts$", playlist, re.MULTILINE)) - 1


def test_playlist_request_is_held_until_the_asked_segment_exists(live_app: LiveApp) -> None:
    """LL-HLS blocking reload: `_HLS_msn=N` answers as soon as segment N is listed, so a player never waits
    for its next poll to learn of a new segment."""
    http = live_app.http
    hls_url = http.post("/api/preview/start", json={"timeline_id": make_show(http)}).json()["hls_url"]
    wait_until(lambda: http.get(hls_url).status_code == 200, 10, "the first playlist")
    first = http.get(hls_url).text
    assert "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES" in first and "#EXT-X-TARGETDURATION:1" in first
    last = last_sequence(first)

    held = http.get(hls_url, params={"_HLS_msn": last + 1})
    assert held.status_code == 200 and last_sequence(held.text) >= last + 1  # a segment that did not exist yet

    too_far = http.get(hls_url, params={"_HLS_msn": last_sequence(held.text) + 10})
    assert too_far.status_code == 400 and "_HLS_msn" in too_far.json()["detail"]
    assert http.get(hls_url, params={"_HLS_msn": "soon"}).status_code == 422

    # A request held while the preview stops is answered (not left hanging) with what to do.
    answers: list[httpx.Response] = []
    ahead = last_sequence(http.get(hls_url).text) + 2
    waiting = threading.Thread(target=lambda: answers.append(http.get(hls_url, params={"_HLS_msn": ahead})))
    waiting.start()
    assert http.post("/api/preview/stop").status_code == 200
    waiting.join(10)
    assert answers and answers[0].status_code == 404 and "Reload the player" in answers[0].json()["detail"]


def test_ten_rapid_start_stop_cycles(live_app: LiveApp) -> None:
    http = live_app.http
    timeline_id = make_show(http)
    media_dir = live_app.app.state.settings.media_dir
    for _ in range(10):
        assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
        assert http.post("/api/preview/stop").status_code == 200
    assert http.get("/api/preview/status").json()["mode"] == "idle"
    assert list(media_dir.glob("hls-*")) == []
    wait_until(lambda: engine_threads() == [], 5, "the engine's threads to end")
    events = http.get("/api/preview/events/history", params={"limit": 50}).json()
    assert [e["event_type"] for e in events[:20]] == ["preview_stop", "preview_start"] * 10


@pytest.mark.parametrize("behaviour", ["refuse", "silent"])
def test_unreachable_destination_keeps_preview(live_app: LiveApp, behaviour: str) -> None:
    from tests.media import FaultyServer

    http = live_app.http
    server = FaultyServer(behaviour)
    try:
        bad = make_destination(http, "Broken", f"rtmp://127.0.0.1:{server.port}/live", "some-key-9999")
        assert http.post("/api/preview/start", json={"timeline_id": make_show(http)}).status_code == 200
        started = time.monotonic()
        response = http.post("/api/preview/go-live", json={"destination_ids": [bad]})
        assert response.status_code == 502, response.text
        body = response.json()
        assert "Broken" in body["detail"] and "preview is still running" in body["detail"]
        assert body["failures"][0]["destination_id"] == bad and body["failures"][0]["error"]
        assert "some-key-9999" not in response.text
        assert time.monotonic() - started < 4.0 + 3, "go-live gives up after the connect timeout"
        status = http.get("/api/preview/status").json()
        assert status["mode"] == "preview" and status["destinations"] == []
        assert child_pids("relay_worker") == []
        history = http.get("/api/preview/events/history").json()
        assert history[0]["event_type"] == "go_live_failed" and history[1]["event_type"] == "destination_failed"
    finally:
        server.close()


def test_partial_go_live_reports_the_failure(live_app: LiveApp) -> None:
    from tests.media import FaultyServer

    http = live_app.http
    port = free_port()
    receiver = Receiver(f"rtmp://127.0.0.1:{port}/live/x")
    server = FaultyServer("refuse")
    try:
        good = make_destination(http, "Good", f"rtmp://127.0.0.1:{port}/live", "good-key-1234")
        bad = make_destination(http, "Bad", f"rtmp://127.0.0.1:{server.port}/live", "bad-key-5678")
        assert http.post("/api/preview/start", json={"timeline_id": make_show(http)}).status_code == 200
        response = http.post("/api/preview/go-live", json={"destination_ids": [good, bad]})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["mode"] == "live" and body["destinations"] == ["Good"]
        assert [f["name"] for f in body["failures"]] == ["Bad"] and "Bad" in body["message"]
        receiver.wait_for(lambda e: e["event"] == "connected", 10, "the good destination")
        # Add the bad one again while live: refused, and nothing else moves.
        again = http.post("/api/preview/destinations", json={"add": [bad]})
        assert again.status_code == 502 and "other destinations are unaffected" in again.json()["detail"]
        assert [d["name"] for d in http.get("/api/preview/status").json()["destinations"]] == ["Good"]
        # Removing the last destination returns to preview.
        removed = http.post("/api/preview/destinations", json={"remove": [good]})
        assert removed.status_code == 200 and removed.json()["mode"] == "preview"
        receiver.wait_for(lambda e: e["event"] == "ended", 10, "the stream to end")
    finally:
        server.close()
        receiver.kill()
