"""The operator UI in a real Chromium against the real app: preview plays, go live reaches a real receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.conftest import LiveApp, make_settings, serve_app
from tests.integration.test_preview_live import make_destination, make_show
from tests.media import Receiver, free_port

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]
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
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


class Problems:
    """Console errors and failed requests of a page (requests the page itself aborted are not failures)."""

    def __init__(self, page: Page) -> None:
        self.items: list[str] = []
        page.on("console", lambda m: self.items.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: self.items.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)

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
        expect(page.get_by_label("Timeline")).to_contain_text("Morning show")

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
        before = video_time(page)
        time.sleep(1.0)
        assert video_time(page) > before + 0.5, "the preview keeps playing while live"
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
