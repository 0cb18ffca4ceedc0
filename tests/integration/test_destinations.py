"""Destinations: presets, write-only encrypted stream keys, masking, active filter, no key in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vistterstream.settings import Settings

KEY = "abcd-efgh-ijkl-9z8y"


def test_presets_fill_ingest_url_and_mask_key(client: TestClient) -> None:
    response = client.post("/api/destinations", json={"name": "YT", "platform": "youtube", "stream_key": KEY})
    assert response.status_code == 201, response.text
    dest = response.json()
    assert dest["rtmp_url"] == "rtmp://a.rtmp.youtube.com/live2"
    assert dest["stream_key_masked"] == "••••9z8y" and dest["has_stream_key"] is True
    assert "stream_key" not in dest
    assert KEY not in client.get("/api/destinations").text
    assert KEY not in client.get(f"/api/destinations/{dest['id']}").text
    presets = {p["platform"]: p for p in client.get("/api/destinations/presets").json()}
    assert presets["facebook"]["rtmp_url"].startswith("rtmps://")
    assert presets["twitch"]["rtmp_url"] == "rtmp://live.twitch.tv/app"


def test_stream_key_is_encrypted_at_rest(client: TestClient, settings: Settings) -> None:
    client.post("/api/destinations", json={"name": "T", "platform": "twitch", "stream_key": KEY})
    client.app.state.sessions.kw["bind"].dispose()  # type: ignore[attr-defined]
    raw = b"".join(p.read_bytes() for p in settings.data_dir.glob("vistterstream.db*"))
    assert KEY.encode() not in raw
    assert b"abcd-efgh" not in raw
    assert oct(settings.key_path.stat().st_mode & 0o777) == "0o600"


def test_update_keeps_key_unless_given(client: TestClient) -> None:
    dest = client.post("/api/destinations", json={"name": "T", "platform": "twitch", "stream_key": KEY}).json()
    kept = client.put(f"/api/destinations/{dest['id']}", json={"name": "Twitch main"}).json()
    assert kept["stream_key_masked"] == "••••9z8y" and kept["name"] == "Twitch main"
    changed = client.put(f"/api/destinations/{dest['id']}", json={"stream_key": "live_0000000000_wxyz"}).json()
    assert changed["stream_key_masked"] == "••••wxyz"
    emptied = client.put(f"/api/destinations/{dest['id']}", json={"stream_key": ""})
    assert emptied.status_code == 422 and emptied.json()["detail"][0]["field"] == "stream_key"


def test_rtmp_url_scheme_and_required_fields(client: TestClient) -> None:
    bad = client.post("/api/destinations", json={"name": "C", "platform": "custom", "rtmp_url": "http://x/app"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "rtmp_url"
    no_url = client.post("/api/destinations", json={"name": "C", "platform": "custom"})
    assert no_url.status_code == 422 and no_url.json()["detail"][0]["field"] == "rtmp_url"
    no_key = client.post("/api/destinations", json={"name": "Y", "platform": "youtube"})
    assert no_key.status_code == 422 and "YouTube Studio" in no_key.json()["message"]
    spaced = client.post("/api/destinations", json={"name": "Y", "platform": "youtube", "stream_key": "a b"})
    assert spaced.status_code == 422 and spaced.json()["detail"][0]["field"] == "stream_key"
    assert "a b" not in spaced.text
    ok = client.post("/api/destinations", json={"name": "C", "platform": "custom",
                                                 "rtmp_url": "rtmps://127.0.0.1:4443/live"})
    assert ok.status_code == 201 and ok.json()["has_stream_key"] is False


def test_active_filter_for_go_live_picker(client: TestClient) -> None:
    client.post("/api/destinations", json={"name": "On", "platform": "twitch", "stream_key": KEY})
    client.post("/api/destinations", json={"name": "Off", "platform": "twitch", "stream_key": KEY,
                                           "is_active": False})
    assert [d["name"] for d in client.get("/api/destinations?active=true").json()] == ["On"]
    assert [d["name"] for d in client.get("/api/destinations?active=false").json()] == ["Off"]
    assert len(client.get("/api/destinations").json()) == 2


def test_delete_destination(client: TestClient) -> None:
    dest = client.post("/api/destinations", json={"name": "T", "platform": "twitch", "stream_key": KEY}).json()
    assert client.delete(f"/api/destinations/{dest['id']}").status_code == 204
    assert client.delete(f"/api/destinations/{dest['id']}").status_code == 404


def test_stream_key_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dest = client.post("/api/destinations", json={"name": "T", "platform": "twitch", "stream_key": KEY}).json()
    client.put(f"/api/destinations/{dest['id']}", json={"stream_key": KEY + "x"})
    client.post("/api/destinations", json={"name": "bad", "platform": "twitch", "stream_key": KEY, "x": 1})
    assert KEY not in caplog.text


def test_demo_data_loads_once(tmp_path: Path) -> None:
    from tests.conftest import local_client, make_settings
    from vistterstream.app import create_app

    settings = make_settings(tmp_path / "d", demo_data=True)
    with local_client(create_app(settings)) as first:
        cams = first.get("/api/cameras").json()
        assert len(cams) == 3 and {c["type"] for c in cams} == {"test"}
        timeline = first.get("/api/timelines").json()[0]
        assert {c["action"] for c in timeline["cues"]} == {"show_camera", "text", "clock"}
        assert "fade" in {c["transition"] for c in timeline["cues"]} and timeline["loop"] is True
        first.delete(f"/api/timelines/{timeline['id']}")
    with local_client(create_app(settings)) as second:
        assert second.get("/api/timelines").json() == []  # not re-seeded: the DB was not empty
