"""CRUD and validation for cameras, destinations and timelines against a real SQLite store."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def make_camera(client: TestClient, **body: Any) -> dict[str, Any]:
    payload = {"name": "Cam", "type": "test", "url": "test://?color=ff0000", **body}
    response = client.post("/api/cameras", json=payload)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def shot(camera_id: int, duration: float = 5, **extra: Any) -> dict[str, Any]:
    return {"action": "show_camera", "camera_id": camera_id, "duration": duration, **extra}


def test_camera_crud_roundtrip(client: TestClient) -> None:
    cam = make_camera(client, name="Gate")
    assert cam["name"] == "Gate" and cam["type"] == "test" and cam["enabled"] is True
    assert [c["id"] for c in client.get("/api/cameras").json()] == [cam["id"]]
    updated = client.put(f"/api/cameras/{cam['id']}", json={"name": "Gate 2", "enabled": False}).json()
    assert updated["name"] == "Gate 2" and updated["enabled"] is False
    assert client.get(f"/api/cameras/{cam['id']}").json()["name"] == "Gate 2"
    assert client.delete(f"/api/cameras/{cam['id']}").status_code == 204
    missing = client.get(f"/api/cameras/{cam['id']}")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]


def test_camera_credentials_are_masked_and_kept_on_masked_roundtrip(client: TestClient) -> None:
    cam = make_camera(client, type="rtsp", url="rtsp://admin:hunter22@10.1.1.5:554/h264")
    assert cam["url"] == "rtsp://admin:****@10.1.1.5:554/h264"
    assert "hunter22" not in client.get("/api/cameras").text
    # The UI sends the masked URL back with an edit: the real password must survive.
    client.put(f"/api/cameras/{cam['id']}", json={"url": cam["url"], "name": "Renamed"})
    engine = client.app.state.sessions.kw["bind"]  # type: ignore[attr-defined]
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT url FROM cameras").scalar_one()
    assert stored == "rtsp://admin:hunter22@10.1.1.5:554/h264"


def test_camera_url_scheme_must_match_type(client: TestClient) -> None:
    response = client.post("/api/cameras", json={"name": "X", "type": "rtsp", "url": "http://cam/x"})
    assert response.status_code == 422
    assert "rtsp://" in response.json()["message"]
    response = client.post("/api/cameras", json={"name": "X", "type": "file", "url": "relative.mp4"})
    assert response.status_code == 422 and "absolute path" in response.json()["message"]
    cam = make_camera(client)
    response = client.put(f"/api/cameras/{cam['id']}", json={"type": "rtmp"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "url"


def test_malformed_json_and_unknown_fields_are_named(client: TestClient) -> None:
    response = client.post("/api/cameras", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "JSON" in response.json()["message"]
    response = client.post("/api/cameras", json={"name": "A", "type": "test", "colour": "red"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "colour"
    assert "colour" in response.json()["message"]


def test_delete_camera_used_by_timeline_is_409(client: TestClient) -> None:
    cam = make_camera(client)
    client.post("/api/timelines", json={"name": "Show", "cues": [shot(cam["id"])]})
    response = client.delete(f"/api/cameras/{cam['id']}")
    assert response.status_code == 409
    assert "Show" in response.json()["detail"] and response.json()["timelines"] == ["Show"]
    assert client.get(f"/api/cameras/{cam['id']}").status_code == 200


def test_timeline_crud_with_nested_cues(client: TestClient) -> None:
    a, b = make_camera(client, name="A"), make_camera(client, name="B")
    body = {
        "name": "Morning", "width": 1280, "height": 720, "fps": 25, "quality": "high", "loop": False,
        "cues": [
            shot(a["id"], 4),
            shot(b["id"], 6, transition="fade", transition_duration=1.5),
            {"action": "text", "params": {"text": "Hello"}},
            {"action": "clock", "start": 2, "duration": 3},
        ],
    }
    created = client.post("/api/timelines", json=body)
    assert created.status_code == 201, created.text
    tl = created.json()
    assert tl["duration"] == 10 and tl["fps"] == 25 and tl["quality"] == "high"
    assert [c["track"] for c in tl["cues"]] == ["video", "video", "overlay", "overlay"]
    assert tl["cues"][1]["transition"] == "fade" and tl["cues"][1]["transition_duration"] == 1.5
    assert tl["cues"][2]["params"]["text"] == "Hello" and tl["cues"][2]["params"]["position"] == "bottom-left"
    assert tl["cues"][3]["params"]["format"] == "%H:%M:%S"

    renamed = client.put(f"/api/timelines/{tl['id']}", json={"name": "Evening"}).json()
    assert renamed["name"] == "Evening" and len(renamed["cues"]) == 4
    replaced = client.put(f"/api/timelines/{tl['id']}", json={"cues": [shot(b["id"], 3)]}).json()
    assert [c["camera_id"] for c in replaced["cues"]] == [b["id"]] and replaced["duration"] == 3
    assert client.delete(f"/api/timelines/{tl['id']}").status_code == 204
    assert client.get(f"/api/timelines/{tl['id']}").status_code == 404
    assert client.put("/api/timelines/999", json={"name": "x"}).status_code == 404


def test_timeline_validation_names_the_field(client: TestClient) -> None:
    cam = make_camera(client)
    cases = [
        ({"cues": [shot(cam["id"], -2)]}, "cues.0.duration"),
        ({"cues": [shot(cam["id"]), shot(987)]}, "cues.1.camera_id"),
        ({"cues": [{"action": "text", "params": {}}]}, "cues.0.params.text"),
        ({"cues": [{"action": "spin"}]}, "cues.0"),
        ({"width": 1281}, "width"),
        ({"fps": 0}, "fps"),
        ({"cues": [shot(cam["id"], 1, transition="fade", transition_duration=2)]}, "cues.0"),
        ({"cues": [{"action": "image", "params": {"path": "logo.png"}}]}, "cues.0.params.path"),
    ]
    for extra, field in cases:
        response = client.post("/api/timelines", json={"name": "T", **extra})
        assert response.status_code == 422, (extra, response.text)
        fields = [d["field"] for d in response.json()["detail"]]
        assert field in fields, (extra, fields)
        assert response.json()["message"].startswith(field)
    assert client.get("/api/timelines").json() == []
