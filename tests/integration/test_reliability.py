"""Reliability: the program crashes, the app process is killed, the disk fills while the preview is written.

Each fault is real (a failing encoder inside the running app, SIGKILL, a full tmpfs); each test checks what
the operator is told, that nothing is left behind, and that the preview starts again afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveApp, make_settings, serve_app, tmpfs
from tests.integration.test_preview_live import engine_threads, make_show
from tests.integration.test_store_faults import fill_disk
from tests.media import free_port, wait_for_port, wait_until


def health(http: httpx.Client) -> tuple[int, dict[str, Any]]:
    response = http.get("/api/preview/health")
    return response.status_code, response.json()


def playlist_grows(http: httpx.Client) -> None:
    """The preview's playlist exists and lists new segments as time passes."""
    url = http.get("/api/preview/status").json()["hls_url"]
    wait_until(lambda: url and http.get(url).status_code == 200, 10, "the first playlist")
    first = http.get(url).text
    wait_until(lambda: http.get(url).text != first, 10, "a new segment in the playlist")


def test_program_crash_shows_unhealthy_and_the_preview_restarts(live_app: LiveApp,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    http = live_app.http
    timeline_id = make_show(http)
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    playlist_grows(http)

    # The encoder starts failing on every frame (as a broken x264 would); the program gives up after 1 s.
    monkeypatch.setattr("vistterstream.program.compositor.GIVE_UP_AFTER", 1)
    compositor = live_app.app.state.router.engine._compositor

    def broken(*_args: object) -> None:
        raise RuntimeError("encoder error (injected)")

    monkeypatch.setattr(compositor.encoder, "encode", broken)
    wait_until(lambda: health(http)[0] == 503, 15, "health to report the crash")
    _, body = health(http)
    assert body["status"] == "unhealthy"
    assert body["detail"].startswith("The program stopped on an error: RuntimeError: encoder error (injected). "
                                     "Stop and start the preview")
    status = http.get("/api/preview/status").json()
    assert status["server_healthy"] is False and status["program"]["state"] == "failed"
    assert status["mode"] == "preview"  # the operator decides; nothing is torn down behind their back

    again = http.post("/api/preview/start", json={"timeline_id": timeline_id})
    assert again.status_code == 409 and "Stop it first" in again.json()["detail"]
    assert http.post("/api/preview/stop").status_code == 200
    assert engine_threads() == []
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    playlist_grows(http)
    assert health(http)[0] == 200
    assert http.post("/api/preview/stop").status_code == 200


@pytest.fixture
def app_process(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[bytes]]]]:
    """Starts `vistterstream serve` processes on one data dir; ends whichever are still running."""
    processes: list[subprocess.Popen[bytes]] = []
    yield tmp_path / "data", processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


def serve(data_dir: Path, processes: list[subprocess.Popen[bytes]]) -> httpx.Client:
    port = free_port()
    env = {**os.environ, "VISTTER_DATA_DIR": str(data_dir), "VISTTER_PORT": str(port), "VISTTER_DEMO_DATA": "false",
           "VISTTER_LOG_LEVEL": "WARNING"}
    processes.append(subprocess.Popen([sys.executable, "-m", "vistterstream", "serve"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait_for_port(port, 30)
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)


def test_killed_app_leaves_nothing_behind_after_restart(
        app_process: tuple[Path, list[subprocess.Popen[bytes]]]) -> None:
    data_dir, processes = app_process
    with serve(data_dir, processes) as http:
        timeline_id = make_show(http)
        assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
        playlist_grows(http)
    assert list((data_dir / "media").glob("hls-*"))
    processes[0].send_signal(signal.SIGKILL)  # power cut, OOM killer…
    processes[0].wait(10)

    with serve(data_dir, processes) as http:
        assert list((data_dir / "media").glob("hls-*")) == []  # the dead run's segments are removed at start
        status = http.get("/api/preview/status").json()
        assert status["mode"] == "idle" and status["server_healthy"]
        assert http.get("/api/timelines").json()[0]["id"] == timeline_id  # the stored show survived
        assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
        playlist_grows(http)
        assert http.post("/api/preview/stop").status_code == 200


@pytest.fixture
def small_disk_app(tmp_path: Path) -> Iterator[tuple[LiveApp, Path]]:
    """The app with its data dir (database and preview segments) on a 40 MB disk of its own."""
    with tmpfs(tmp_path / "disk", "40m") as disk, \
            contextlib.contextmanager(serve_app)(make_settings(disk / "data", engine_enabled=True)) as live:
        yield live, disk


def test_disk_full_pauses_the_preview_with_a_clear_error_leaves_nothing_and_resumes(
        small_disk_app: tuple[LiveApp, Path]) -> None:
    live, disk = small_disk_app
    http = live.http
    timeline_id = make_show(http)
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    playlist_grows(http)

    fill_disk(disk / "filler")
    wait_until(lambda: (http.get("/api/preview/status").json()["preview"] or {}).get("state") == "failed", 20,
               "the preview output to fail on the full disk")
    code, body = health(http)
    assert code == 503
    assert body["detail"] == (f"The preview output failed: the disk holding {disk / 'data' / 'media'} is full, so "
                              f"the preview picture is paused (the program and live destinations keep running). "
                              f"Free some space: the preview resumes by itself.")
    assert list((disk / "data" / "media").glob("hls-*")) == []  # no half-written segments left for players
    status = http.get("/api/preview/status").json()
    assert status["program"]["state"] == "running" and status["hls_url"] is None
    old_url = f"/preview/{live.app.state.router.hls.run_id}/index.m3u8"

    (disk / "filler").unlink()
    wait_until(lambda: http.get("/api/preview/status").json()["hls_url"] not in (None, old_url), 15,
               "the preview to resume under a new URL")
    playlist_grows(http)
    assert health(http)[0] == 200
    assert http.get("/api/preview/status").json()["preview"]["recoveries"] == 1
    assert http.post("/api/preview/stop").status_code == 200
    assert list((disk / "data" / "media").iterdir()) == []
