"""The preview API contract (DESIGN §3): every documented status code, with an actionable message."""

from __future__ import annotations

import threading

import httpx
from fastapi.testclient import TestClient

from tests.conftest import LiveApp
from tests.integration.test_preview_live import make_destination, make_show
from tests.media import Receiver, free_port

SEED_STATUS_KEYS = {"is_active", "mode", "timeline_id", "timeline_name", "hls_url", "server_healthy"}


def test_idle_status_and_health(client: TestClient) -> None:
    status = client.get("/api/preview/status").json()
    assert set(status) >= SEED_STATUS_KEYS
    assert status["mode"] == "idle" and status["is_active"] is False and status["hls_url"] is None
    assert status["destinations"] == [] and status["position"] is None


def test_engine_disabled_is_503_with_what_to_do(client: TestClient) -> None:
    health = client.get("/api/preview/health")
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy" and "VISTTER_ENGINE_ENABLED" in health.json()["detail"]
    assert client.get("/api/preview/status").json()["server_healthy"] is False
    timeline_id = make_show(client)  # type: ignore[arg-type]
    response = client.post("/api/preview/start", json={"timeline_id": timeline_id})
    assert response.status_code == 503 and "VISTTER_ENGINE_ENABLED" in response.json()["detail"]


def test_bad_bodies_are_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ("/api/preview/start", None, "body"),
        ("/api/preview/start", {}, "timeline_id"),
        ("/api/preview/start", {"timeline_id": "abc"}, "timeline_id"),
        ("/api/preview/start", {"timeline_id": 1, "loop": True}, "loop"),
        ("/api/preview/go-live", {"destination_ids": []}, "destination_ids"),
        ("/api/preview/go-live", {"destination_ids": [0]}, "destination_ids.0"),
        ("/api/preview/go-live", {}, "destination_ids"),
        ("/api/preview/destinations", {}, "body"),
        ("/api/preview/destinations", {"add": [1], "remove": [1]}, "body"),
    ]
    for path, body, field in cases:
        response = client.post(path, json=body) if body is not None else client.post(path, content=b"{not json")
        assert response.status_code == 422, (path, body, response.text)
        assert field in [e["field"] for e in response.json()["detail"]], (path, body, response.json())
        assert response.json()["message"]


def test_commands_in_the_wrong_mode_are_400(client: TestClient) -> None:
    for path, body, words in [
        ("/api/preview/stop", None, "No preview is running"),
        ("/api/preview/go-live", {"destination_ids": [1]}, "Start the preview first"),
        ("/api/preview/stop-live", None, "Not live"),
        ("/api/preview/destinations", {"add": [1]}, "Not live"),
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 400, (path, response.text)
        assert words in response.json()["detail"]


def test_unknown_timeline_is_404(client: TestClient) -> None:
    response = client.post("/api/preview/start", json={"timeline_id": 999})
    assert response.status_code == 404 and "999" in response.json()["detail"]


def test_running_preview_refusals(live_app: LiveApp) -> None:
    http = live_app.http
    timeline_id = make_show(http)
    other = make_show(http, "Other show")
    empty = http.post("/api/timelines", json={"name": "Empty", "cues": []}).json()["id"]
    response = http.post("/api/preview/start", json={"timeline_id": empty})
    assert response.status_code == 422 and "no camera" in response.json()["detail"]
    assert http.get("/api/preview/status").json()["mode"] == "idle"

    # Two starts at once: exactly one wins, the other is told why — never a half state.
    results: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda t=t: results.append(
        http.post("/api/preview/start", json={"timeline_id": t}))) for t in (timeline_id, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [200, 409]
    refused = next(r for r in results if r.status_code == 409).json()["detail"]
    assert "already running" in refused or "in progress" in refused
    running = http.get("/api/preview/status").json()
    assert running["mode"] == "preview" and running["timeline_id"] in (timeline_id, other)

    again = http.post("/api/preview/start", json={"timeline_id": timeline_id})
    assert again.status_code == 409 and "Stop it first" in again.json()["detail"]

    inactive = http.post("/api/destinations", json={"name": "Off", "platform": "custom", "stream_key": "k-123456",
                                                    "rtmp_url": "rtmp://127.0.0.1:1/live", "is_active": False})
    response = http.post("/api/preview/go-live", json={"destination_ids": [4242, inactive.json()["id"]]})
    assert response.status_code == 404
    assert "4242" in response.json()["detail"] and "Off" in response.json()["detail"]
    assert response.json()["unknown_ids"] == [4242]

    assert http.post("/api/preview/stop-live").status_code == 400
    assert http.post("/api/preview/destinations", json={"add": [1]}).status_code == 400
    assert http.get("/api/preview/health").json()["status"] == "healthy"

    port = free_port()
    receiver = Receiver(f"rtmp://127.0.0.1:{port}/live/x")
    try:
        dest = make_destination(http, "Local", f"rtmp://127.0.0.1:{port}/live", "local-key-42")
        assert http.post("/api/preview/go-live", json={"destination_ids": [dest]}).status_code == 200
        twice = http.post("/api/preview/go-live", json={"destination_ids": [dest]})
        assert twice.status_code == 400 and "Already live" in twice.json()["detail"]
        dup = http.post("/api/preview/destinations", json={"add": [dest]})
        assert dup.status_code == 409 and "Already live on: Local" in dup.json()["detail"]
        gone = http.post("/api/preview/destinations", json={"remove": [777]})
        assert gone.status_code == 404
        health = http.get("/api/preview/health").json()
        assert {s["name"] for s in health["active_streams"]} == {"program", "preview", "Local"}
        stop = http.post("/api/preview/stop")  # ends live and preview together
        assert stop.status_code == 200
        assert [e["event_type"] for e in http.get("/api/preview/events/history").json()[:2]] == [
            "preview_stop", "stop_live"]
    finally:
        receiver.kill()


def test_disabled_camera_is_named(live_app: LiveApp) -> None:
    http = live_app.http
    timeline_id = make_show(http)
    camera_id = http.get(f"/api/timelines/{timeline_id}").json()["cues"][0]["camera_id"]
    assert http.put(f"/api/cameras/{camera_id}", json={"enabled": False}).status_code == 200
    response = http.post("/api/preview/start", json={"timeline_id": timeline_id})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "timeline_id" and str(camera_id) in response.json()["message"]
