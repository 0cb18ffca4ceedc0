"""The operator UI in a real Chromium against the real app: preview plays, go live reaches a real receiver."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import LiveApp, make_settings, serve_app
from tests.integration.test_access import PASSWORD, create_admin
from tests.integration.test_preview_live import make_destination, make_show
from tests.media import CHROMIUM, CHROMIUM_FLAGS, Receiver, free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (.ci/run installs it)")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[LiveApp]:
    if not (Path(__file__).resolve().parents[2] / "src/vistterstream/static/index.html").exists():
        pytest.fail("the web UI is not built: run `make web` (make test does)")
    yield from serve_app(make_settings(tmp_path / "data", engine_enabled=True, live_connect_timeout=5.0))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


class Problems:
    """Console errors and failed requests of a page (requests the page itself aborted are not failures).

    `expected` lists HTTP statuses a test provokes on purpose (e.g. 422 for bad input); those responses and
    the browser's matching "Failed to load resource" console lines are not problems.
    """

    def __init__(self, page: Page, expected: tuple[int, ...] = ()) -> None:
        self.items: list[str] = []
        self.expected = expected
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.items.append(f"HTTP {r.status} {r.url}")
                if r.status >= 400 and r.status not in expected else None)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if any(f"status of {code}" in message.text for code in self.expected):
            return
        self.items.append(f"console {message.type}: {message.text}")

    def _failed(self, request: object) -> None:
        failure = getattr(request, "failure", None)
        if failure and "ERR_ABORTED" not in failure:
            self.items.append(f"request failed: {getattr(request, 'url', '?')} {failure}")


def video_time(page: Page) -> float:
    return float(page.eval_on_selector("[data-testid=preview-video]", "v => v.currentTime"))


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_preview_go_live_stop(app: LiveApp, browser: BrowserContext) -> None:
    http = app.http
    make_show(http, "Morning show")
    port = free_port()
    receiver = Receiver(f"rtmp://127.0.0.1:{port}/live/x")
    try:
        make_destination(http, "Rehearsal receiver", f"rtmp://127.0.0.1:{port}/live", "rehearsal-key-77")
        page = browser.new_page()
        problems = Problems(page)
        page.goto(app.base_url)
        badge = page.get_by_test_id("mode-badge")
        expect(badge).to_have_text("OFFLINE")
        expect(page.get_by_label("Timeline", exact=True)).to_contain_text("Morning show")

        # Space starts the preview; the video plays and its clock advances.
        page.keyboard.press("Space")
        expect(badge).to_have_text("PREVIEW", timeout=10_000)
        page.wait_for_function("() => { const v = document.querySelector('[data-testid=preview-video]');"
                               " return v && v.currentTime > 0.5 && !v.paused; }", timeout=15_000)
        first = video_time(page)
        time.sleep(1.5)
        assert video_time(page) > first + 1.0, "the preview video keeps playing"
        shot(page, "preview")

        # L opens the confirm dialog (after ticking a destination); Esc closes it; confirm goes live.
        page.get_by_label("Rehearsal receiver").check()
        page.keyboard.press("l")
        dialog = page.get_by_role("dialog", name="Confirm go live")
        expect(dialog).to_contain_text("Rehearsal receiver")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        page.get_by_role("button", name="GO LIVE").click()
        dialog.get_by_role("button", name="Go live now").click()
        expect(badge).to_have_text("LIVE", timeout=15_000)
        expect(page.locator(".dest-state.live")).to_contain_text("Live", timeout=10_000)
        receiver.wait_for(lambda e: e["event"] == "stats" and e["decoded_frames"] >= 30,  # type: ignore[operator]
                          20, "the receiver to get video from the UI's go-live")
        # Going live does not disturb the preview: it keeps real time, without stalls or player seeks.
        page.evaluate("() => { window.__stalls = 0; window.__seeks = 0;"
                      " const v = document.querySelector('[data-testid=preview-video]');"
                      " v.addEventListener('waiting', () => window.__stalls++);"
                      " v.addEventListener('seeking', () => window.__seeks++); }")
        before = video_time(page)
        time.sleep(4.0)
        assert video_time(page) > before + 3.0, "the preview keeps playing while live"
        assert page.evaluate("[window.__stalls, window.__seeks]") in ([0, 0], [1, 0])
        shot(page, "live")

        page.get_by_role("button", name="Stop Live").click()
        expect(badge).to_have_text("PREVIEW", timeout=10_000)
        receiver.wait_for(lambda e: e["event"] == "ended", 10, "the stream to end")

        # The monitor's collapsed state survives a reload.
        page.get_by_role("button", name="Preview Monitor").click()
        expect(badge).to_be_hidden()
        page.reload()
        expect(page.get_by_role("button", name="Preview Monitor")).to_have_attribute("aria-expanded", "false")
        page.get_by_role("button", name="Preview Monitor").click()
        expect(badge).to_have_text("PREVIEW")

        page.evaluate("document.activeElement.blur()")  # Space on a focused button presses that button
        page.keyboard.press("Space")  # stop
        expect(badge).to_have_text("OFFLINE", timeout=10_000)
        shot(page, "stopped")
        assert problems.items == []
        assert http.get("/api/preview/status").json()["mode"] == "idle"
    finally:
        receiver.kill()


def test_cameras_destinations_and_timeline_editor(app: LiveApp, browser: BrowserContext) -> None:
    http = app.http
    page = browser.new_page()
    problems = Problems(page, expected=(422,))
    page.goto(f"{app.base_url}/#/cameras")

    # -- Cameras: a wrong address is named under its field; a test pattern camera is added.
    page.get_by_role("button", name="+ Add camera").click()
    form = page.get_by_role("form", name="New camera")
    form.get_by_label("Name").fill("Green cam")
    form.get_by_label("Address").fill("http://192.0.2.1/stream")
    form.get_by_role("button", name="Save camera").click()
    expect(form.locator(".field-error")).to_have_text("a rtsp camera URL must start with rtsp:// or rtsps://")
    form.get_by_label("Kind").select_option(label="Test pattern (built in)")
    form.get_by_label("Address").fill("test://?color=00ff00&size=640x360")
    form.get_by_role("button", name="Save camera").click()
    expect(page.get_by_role("status")).to_have_text("Saved “Green cam”.")
    expect(page.locator("table.list")).to_contain_text("Green cam")
    shot(page, "cameras")

    # -- Destinations: the key is write-only and shown masked.
    page.get_by_role("link", name="Destinations").click()
    page.get_by_role("button", name="+ Add destination").click()
    form = page.get_by_role("form", name="New destination")
    form.get_by_label("Name").fill("Rehearsal")
    form.get_by_label("Platform").select_option("custom")
    form.get_by_label("Server URL").fill("rtmp://127.0.0.1:1935/live")
    form.get_by_label("Stream key").fill("secret-key-123456")
    form.get_by_role("button", name="Save destination").click()
    row = page.get_by_test_id("destination-row").filter(has_text="Rehearsal")
    expect(row).to_contain_text("key ••••3456")
    assert "secret-key-123456" not in page.content()
    row.get_by_role("button", name="Edit").click()
    key = page.get_by_role("form", name="Edit destination").get_by_label("Stream key")
    expect(key).to_have_value("")
    expect(key).to_have_attribute("placeholder", re.compile("••••3456 is stored"))
    page.get_by_role("button", name="Cancel").click()
    shot(page, "destinations")

    # -- Timeline editor: create, two shots (one fades in), a text overlay, save.
    page.get_by_role("link", name="Timeline").click()
    page.get_by_role("button", name="+ New timeline").click()
    page.get_by_label("New timeline name").fill("Evening")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_label("Timeline", exact=True)).to_contain_text("Evening")
    editor = page.get_by_role("region", name="Timeline editor")
    editor.get_by_label("Resolution").select_option(label="480p (854×480)")
    editor.get_by_role("button", name="+ Add camera shot").click()
    shots = editor.get_by_test_id("shot-row")
    expect(shots).to_have_count(2)
    shots.nth(0).get_by_label("Seconds").fill("2")
    shots.nth(1).get_by_label("Seconds").fill("2")
    shots.nth(1).get_by_label("Into this shot").select_option("fade")
    editor.get_by_role("button", name="+ Text").click()
    editor.get_by_test_id("overlay-row").get_by_label("Text").fill("Hello from the e2e test")
    editor.get_by_role("button", name="Save timeline").click()
    expect(editor.get_by_role("status")).to_have_text("Saved.")
    saved = next(t for t in http.get("/api/timelines").json() if t["name"] == "Evening")
    assert (saved["width"], saved["height"]) == (854, 480)
    assert [(c["action"], c["duration"], c["transition"]) for c in saved["cues"]] == [
        ("show_camera", 2.0, "cut"), ("show_camera", 2.0, "fade"), ("text", None, "cut")]
    assert saved["cues"][2]["params"]["text"] == "Hello from the e2e test"

    # -- The playhead follows the running program across both shots.
    page.get_by_role("button", name="Start Preview").click()
    playhead = editor.get_by_test_id("playhead")
    expect(playhead).to_be_visible(timeout=15_000)
    seen = set()
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        seen |= {i for i in range(2) if "on-air" in (shots.nth(i).get_attribute("class") or "")}
        time.sleep(0.1)
    assert seen == {0, 1}, "the on-air marker moves from shot to shot"
    first = float(playhead.get_attribute("data-position") or 0)
    time.sleep(0.5)
    assert float(playhead.get_attribute("data-position") or 0) != first
    shot(page, "timeline-editor")
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_test_id("mode-badge")).to_have_text("OFFLINE", timeout=10_000)
    expect(playhead).to_be_hidden()
    assert problems.items == []


def test_player_recovers_after_a_network_blip(app: LiveApp, browser: BrowserContext) -> None:
    http = app.http
    timeline_id = make_show(http, "Blip show")
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app.base_url)
    page.wait_for_function("() => { const v = document.querySelector('[data-testid=preview-video]');"
                           " return v && v.currentTime > 0.5; }", timeout=15_000)

    # Every preview request fails until the player says so and a few seconds more (longer than its buffer)…
    page.route("**/preview/**", lambda route: route.abort("connectionreset"))
    expect(page.locator(".overlay-note")).to_have_text("Preview stream interrupted — reconnecting…", timeout=15_000)
    time.sleep(3)
    stalled = video_time(page)
    page.unroute("**/preview/**")

    # …then the network is back: the player resumes by itself, without a reload or a click.
    page.wait_for_function(f"() => document.querySelector('[data-testid=preview-video]').currentTime > {stalled + 1.5}",
                           timeout=20_000)
    expect(page.locator(".overlay-note")).to_be_hidden()
    assert errors == []


def latency_samples(page: Page) -> list[float]:
    return list(page.evaluate("() => window.vistterstream ? window.vistterstream.latencySamples() : []"))


def test_low_latency_monitor_and_latency_meter(app: LiveApp, browser: BrowserContext) -> None:
    http = app.http
    timeline_id = make_show(http, "Latency show")
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    page = browser.new_page()
    problems = Problems(page)
    page.goto(app.base_url)
    playing = ("() => { const v = document.querySelector('[data-testid=preview-video]');"
               " return v && v.currentTime > 1 && !v.paused; }")
    page.wait_for_function(playing, timeout=15_000)

    # The meter reads the test pattern's strip off the standard (HLS) monitor…
    page.get_by_role("button", name="Measure latency").click()
    expect(page.get_by_test_id("latency")).to_contain_text("Latency", timeout=10_000)
    hls = latency_samples(page)
    assert hls and all(0 < s < 5 for s in hls), hls

    # …and off the low-latency monitor (fMP4 over a WebSocket into MSE), which the page remembers.
    page.get_by_label("Monitor", exact=True).select_option("low")
    page.wait_for_function(playing, timeout=15_000)
    page.wait_for_function("() => window.vistterstream.monitorMode() === 'low'"
                           " && window.vistterstream.latencySamples().length >= 10", timeout=15_000)
    low = latency_samples(page)
    assert all(0 < s < 5 for s in low), low
    before = video_time(page)
    time.sleep(1)
    assert video_time(page) > before + 0.5
    shot(page, "low-latency-monitor")

    # The program restarts (new run): the monitor reconnects by itself, no reload.
    assert http.post("/api/preview/stop").status_code == 200
    assert http.post("/api/preview/start", json={"timeline_id": timeline_id}).status_code == 200
    page.wait_for_function(playing, timeout=20_000)
    restarted = video_time(page)
    time.sleep(1)
    assert video_time(page) > restarted + 0.5
    page.reload()
    expect(page.get_by_label("Monitor", exact=True)).to_have_value("low")
    assert problems.items == []


@pytest.fixture
def login_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApp]:
    data = tmp_path / "data"
    create_admin(data, monkeypatch, "--username", "alice")
    yield from serve_app(make_settings(data, engine_enabled=True, require_login=True))


def test_login_then_both_monitors_play_with_the_session_cookie(login_app: LiveApp, browser: BrowserContext) -> None:
    http = login_app.http
    http.headers["X-CSRF-Token"] = http.post("/api/auth/login", json={"username": "alice", "password": PASSWORD}
                                             ).json()["csrf_token"]
    make_show(http, "Evening show")
    page = browser.new_page()
    problems = Problems(page, expected=(401,))  # the wrong password below, on purpose
    page.goto(login_app.base_url)
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("not the password")
    shot(page, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".account")).to_contain_text("alice")

    page.get_by_role("button", name="Start Preview").click()  # a change: needs the CSRF token
    expect(page.get_by_test_id("mode-badge")).to_have_text("PREVIEW", timeout=10_000)
    playing = ("() => { const v = document.querySelector('[data-testid=preview-video]');"
               " return v && v.currentTime > 0.5 && !v.paused; }")
    page.wait_for_function(playing, timeout=15_000)  # HLS files and SSE with the cookie
    page.get_by_label("Monitor", exact=True).select_option("low")
    page.wait_for_function("() => window.vistterstream.monitorMode() === 'low'")
    page.wait_for_function(playing, timeout=15_000)  # the WebSocket with the cookie
    start = video_time(page)
    page.wait_for_function(f"() => document.querySelector('[data-testid=preview-video]').currentTime > {start + 1}",
                           timeout=10_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_test_id("mode-badge")).to_have_text("OFFLINE", timeout=10_000)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()  # the cookie is gone for good
    assert http.get("/api/preview/events/history").json()[0]["created_by"] == "alice"
    assert problems.items == []
