"""Access: localhost-only without a login; admin login, CSRF, throttling and local-only preview with one."""

from __future__ import annotations

import io
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import LiveApp, local_client, make_settings, serve_app
from tests.integration.test_preview_live import make_show
from vistterstream.app import create_app
from vistterstream.cli import main as cli
from vistterstream.settings import Settings
from vistterstream.store.db import StoreError

PASSWORD = "correct horse battery"


def create_admin(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str, password: str = PASSWORD) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return cli(["create-admin", "--data-dir", str(data_dir), "--password-stdin", *args])


def remote_client(settings: Settings) -> TestClient:
    """A browser on another machine of the LAN, reaching the appliance by its LAN name."""
    return TestClient(create_app(settings), base_url="http://studio.lan:8000", client=("192.0.2.10", 50000))


def login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


@pytest.fixture
def admin_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    data = tmp_path / "data"
    assert create_admin(data, monkeypatch, "--username", "alice") == 0
    return make_settings(data, host="0.0.0.0")


@pytest.fixture
def remote(admin_settings: Settings) -> Iterator[TestClient]:
    with remote_client(admin_settings) as client:
        yield client


# ---------------------------------------------------------------- no login (bound to 127.0.0.1)
def test_without_login_only_localhost_may_use_the_app(client: TestClient) -> None:
    assert client.get("/api/cameras").status_code == 200
    session = client.get("/api/auth/session").json()
    assert session == {"login_required": False, "username": None, "csrf_token": None, "preview_visible": True,
                       "message": None}
    # DNS rebinding: a page on another site that resolves to 127.0.0.1 still names its own host.
    rebound = client.get("/api/cameras", headers={"Host": "attacker.example:8000"})
    assert rebound.status_code == 421
    assert "only at localhost" in rebound.json()["detail"] and "Remote access" in rebound.json()["detail"]
    # A change sent by a page on another site carries that site's Origin.
    forged = client.post("/api/preview/stop", headers={"Origin": "http://attacker.example"})
    assert forged.status_code == 403 and forged.json()["code"] == "cross_origin"
    same_site = client.post("/api/preview/stop", headers={"Origin": "http://127.0.0.1:8000"})
    assert same_site.status_code == 400  # reached the router: no preview is running


def test_login_required_without_an_admin_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="create-admin"):
        create_app(make_settings(tmp_path / "d", host="0.0.0.0"))
    with pytest.raises(StoreError, match="VISTTER_REQUIRE_LOGIN"):
        create_app(make_settings(tmp_path / "d", require_login=True))


# ---------------------------------------------------------------- create-admin
def test_create_admin_stores_only_a_hash_and_refuses_weak_or_second_accounts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert create_admin(data, monkeypatch, password="short") == 2
    assert "password: use at least 10 characters; nothing was changed" in capsys.readouterr().err
    assert create_admin(data, monkeypatch, "--username", "studio-admin", password="Studio-Admin") == 2
    assert "must not be the user name" in capsys.readouterr().err
    assert create_admin(data, monkeypatch) == 0
    assert "Admin account 'admin' created" in capsys.readouterr().out
    assert create_admin(data, monkeypatch, "--username", "bob") == 2
    refused = capsys.readouterr().err
    assert "an admin account ('admin') already exists" in refused and "--replace" in refused
    with sqlite3.connect(data / "vistterstream.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM admin_users").fetchone()
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert PASSWORD.encode() not in (data / "vistterstream.db").read_bytes()


def test_replacing_the_admin_logs_every_browser_out(admin_settings: Settings, remote: TestClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    login(remote)
    assert remote.get("/api/cameras").status_code == 200
    assert create_admin(admin_settings.data_dir, monkeypatch, "--username", "carol", "--replace",
                        password="another long secret") == 0
    assert remote.get("/api/cameras").status_code == 401
    assert remote.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    login(remote, "carol", "another long secret")
    assert remote.get("/api/auth/session").json()["username"] == "carol"


# ---------------------------------------------------------------- with login
def test_everything_but_the_login_page_needs_a_session(remote: TestClient) -> None:
    for path in ("/api/cameras", "/api/preview/status", "/api/preview/events/history", "/docs", "/openapi.json",
                 "/preview/abc/index.m3u8"):
        response = remote.get(path)
        assert response.status_code in (401, 403), path
    refused = remote.get("/api/cameras")
    assert refused.status_code == 401 and refused.json() == {
        "detail": "Log in to continue (your session ended or you are not logged in).", "code": "login_required"}
    assert remote.get("/api/preview/health").status_code in (200, 503)  # for monitoring, without a login
    assert remote.get("/").status_code == 200  # the web UI itself, which shows the login form
    session = remote.get("/api/auth/session").json()
    assert session["login_required"] and session["username"] is None and not session["preview_visible"]


def test_login_sets_a_strict_http_only_cookie_and_changes_need_the_csrf_token(remote: TestClient) -> None:
    wrong = remote.post("/api/auth/login", json={"username": "alice", "password": "not it at all"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "Wrong user name or password."
    response = remote.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    csrf = response.json()["csrf_token"]
    assert remote.get("/api/cameras").status_code == 200
    camera = {"name": "Door", "type": "test", "url": "test://bars"}
    no_token = remote.post("/api/cameras", json=camera)
    assert no_token.status_code == 403 and "Reload" in no_token.json()["detail"]
    assert remote.post("/api/cameras", json=camera, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert remote.post("/api/cameras", json=camera, headers={"X-CSRF-Token": "gu\u00e9ss".encode()}).status_code == 403
    assert remote.post("/api/cameras", json=camera, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert remote.get("/api/auth/session").json()["csrf_token"] == csrf  # a reloaded page gets it back
    assert remote.post("/api/auth/logout").json()["message"] == "Logged out."
    assert remote.get("/api/cameras").status_code == 401


def test_repeated_wrong_passwords_are_throttled_per_address(remote: TestClient) -> None:
    for _ in range(5):
        assert remote.post("/api/auth/login", json={"username": "alice", "password": "wrong guess!"}
                           ).status_code == 401
    throttled = remote.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert throttled.status_code == 429
    assert "Too many failed logins from 192.0.2.10" in throttled.json()["detail"]
    assert throttled.json()["retry_after"] > 0


def test_an_idle_session_expires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    create_admin(data, monkeypatch, "--username", "alice")
    with remote_client(make_settings(data, host="0.0.0.0", session_idle_hours=1 / 3600)) as client:
        login(client)
        assert client.get("/api/cameras").status_code == 200
        time.sleep(1.3)
        assert client.get("/api/cameras").status_code == 401


def test_preview_picture_is_local_only_unless_remote_preview_is_on(admin_settings: Settings,
                                                                   remote: TestClient) -> None:
    login(remote)
    hls = remote.get("/preview/abc/index.m3u8")
    assert hls.status_code == 403 and "SSH tunnel" in hls.json()["detail"]
    with pytest.raises(WebSocketDisconnect) as closed, remote.websocket_connect("/api/preview/monitor") as ws:
        ws.receive_json()
    assert closed.value.code == 4403
    with remote_client(admin_settings.model_copy(update={"remote_preview": True})) as allowed:
        login(allowed)
        assert allowed.get("/api/auth/session").json()["preview_visible"]
        assert allowed.get("/preview/abc/index.m3u8").status_code == 404  # through the guard: no such preview


def test_monitor_websocket_needs_a_login_and_the_same_origin(admin_settings: Settings) -> None:
    with local_client(create_app(admin_settings)) as client:  # on the appliance: preview visible, login needed
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/api/preview/monitor") as ws:
            ws.receive_json()
        assert closed.value.code == 4401
        login(client)
        monitor = "ws://127.0.0.1:8000/api/preview/monitor"
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
                monitor, headers={"Origin": "http://attacker.example"}) as ws:
            ws.receive_json()
        assert closed.value.code == 4403
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
                monitor, headers={"Origin": "http://127.0.0.1:8000"}) as ws:
            ws.receive_json()
        assert closed.value.code == 4409  # let in; no preview is running


@pytest.fixture
def login_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApp]:
    """The real app with its engine, behind a login (as behind a reverse proxy on the appliance)."""
    data = tmp_path / "data"
    create_admin(data, monkeypatch, "--username", "alice")
    yield from serve_app(make_settings(data, engine_enabled=True, require_login=True))


def test_audit_events_name_the_logged_in_admin(login_app: LiveApp) -> None:
    http = login_app.http
    csrf = http.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}).json()["csrf_token"]
    http.headers["X-CSRF-Token"] = csrf
    timeline_id = make_show(http)
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    assert http.post("/api/preview/stop").status_code == 200
    events = http.get("/api/preview/events/history").json()
    assert [(e["event_type"], e["created_by"]) for e in events[:2]] == [("preview_stop", "alice"),
                                                                      ("preview_start", "alice")]
