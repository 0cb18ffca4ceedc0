"""The preview as an operator sees it, in Chromium against the app running as its own process (1080p30).

- Glass-to-glass latency of the standard (HLS) and the low-latency (fMP4/WebSocket/MSE) monitor: the UI's
  own latency meter reads the test camera's timestamp strip from the playing <video> and compares it with
  the server clock; P50/P95/max over BENCH_LATENCY_SECONDS (default 60) each.
- Time to preview: the API start call → the first frame painted (requestVideoFrameCallback), median of
  BENCH_TTP_RUNS (default 10) per monitor.
- CPU of the app process: preview running with no viewer, with one HLS viewer, with one low-latency viewer.
- Memory: peak RSS (VmHWM) of the app process over the whole run, and its RSS while previewing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright
from tests.media import CHROMIUM, CHROMIUM_FLAGS, free_port, wait_for_port

from bench.common import Table, proc_memory_mb

LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "60"))
TTP_RUNS = int(os.environ.get("BENCH_TTP_RUNS", "10"))
CPU_SECONDS = 15.0

FIRST_FRAME = """() => { window.__firstFrame = new Promise((resolve) => {
  const look = () => {
    const v = document.querySelector('[data-testid=preview-video]');
    if (v && v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => resolve(Date.now()));
    else requestAnimationFrame(look);
  };
  look();
}); }"""


class AppProcess:
    """`vistterstream serve` as a child process with its own data dir; CPU and memory read from /proc."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "VISTTER_DATA_DIR": str(data_dir), "VISTTER_PORT": str(self.port),
               "VISTTER_DEMO_DATA": "false", "VISTTER_LOG_LEVEL": "WARNING",
               "MALLOC_ARENA_MAX": "2"}  # as deploy/vistterstream.service and `make run` set it
        self.process = subprocess.Popen([sys.executable, "-m", "vistterstream", "serve"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 30)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    def rss_mb(self) -> float:
        return proc_memory_mb("VmRSS", self.process.pid) or float("nan")

    def peak_rss_mb(self) -> float:
        return proc_memory_mb("VmHWM", self.process.pid) or float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def packaging_cpu_seconds(self) -> float:
        preview = self.http.get("/api/preview/status").json()["preview"] or {}
        return float(preview.get("cpu_seconds", 0.0))

    def cpu_percent(self, seconds: float) -> float:
        cpu, wall = self.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        return 100 * (self.cpu_seconds() - cpu) / (time.monotonic() - wall)

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(30)


def make_show(http: httpx.Client) -> int:
    cameras = [http.post("/api/cameras", json={"name": name, "type": "test", "url": f"test://?color={color}"})
               .json()["id"] for name, color in (("Stage", "1e5078"), ("Crowd", "c8a050"))]
    response = http.post("/api/timelines", json={
        "name": "Bench 1080p", "width": 1920, "height": 1080, "fps": 30, "quality": "medium", "loop": True,
        "cues": [{"action": "show_camera", "camera_id": cameras[0], "duration": 5},
                 {"action": "show_camera", "camera_id": cameras[1], "duration": 5, "transition": "fade",
                  "transition_duration": 1},
                 {"action": "text", "params": {"text": "VistterStream bench"}},
                 {"action": "clock"}]})
    response.raise_for_status()
    return int(response.json()["id"])


def choose_monitor(page: Page, monitor: str) -> None:
    page.get_by_label("Monitor", exact=True).select_option(monitor)
    page.wait_for_function(f"() => window.vistterstream && window.vistterstream.monitorMode() === '{monitor}'")


def time_to_preview(app: AppProcess, page: Page, timeline_id: int) -> list[float]:
    times = []
    for _ in range(TTP_RUNS):
        page.wait_for_selector("[data-testid=preview-video]", state="detached", timeout=30_000)
        page.evaluate(FIRST_FRAME)
        started = time.time()
        app.http.post("/api/preview/start", json={"timeline_id": timeline_id}).raise_for_status()
        painted = float(page.evaluate("window.__firstFrame"))
        times.append(painted / 1000 - started)
        app.http.post("/api/preview/stop").raise_for_status()
    return times


def latency(page: Page) -> list[float]:
    page.get_by_role("button", name="Measure latency").click()
    time.sleep(LATENCY_SECONDS)
    samples: list[float] = page.evaluate("window.vistterstream.latencySamples()")
    page.get_by_role("button", name="Hide latency").click()
    return samples


def figures(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered):.3f} / {p95:.3f} / {ordered[-1]:.3f}"


def main() -> None:
    if not CHROMIUM.exists():
        print("bench.browser: skipped, /usr/bin/chromium is missing (apt-get install chromium)")
        return
    table = Table("Preview in Chromium, 1080p30, app as its own process")
    table.start()
    with tempfile.TemporaryDirectory() as tmp:
        app = AppProcess(Path(tmp) / "data")
        try:
            timeline_id = make_show(app.http)
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    str(Path(tmp) / "profile"), executable_path=str(CHROMIUM), headless=True,
                    args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(app.base_url)
                for monitor, label in (("standard", "standard (HLS)"), ("low", "low-latency (fMP4/WS)")):
                    choose_monitor(page, monitor)
                    runs = time_to_preview(app, page, timeline_id)
                    table.add(f"time to preview, {label}: median / max (s)",
                              f"{statistics.median(runs):.2f} / {max(runs):.2f}",
                              f"{len(runs)} runs; API → first frame; target < 1.5 s")

                app.http.post("/api/preview/start", json={"timeline_id": timeline_id}).raise_for_status()
                page.goto("about:blank")
                time.sleep(3)
                packaging = app.packaging_cpu_seconds()
                idle_cpu = app.cpu_percent(CPU_SECONDS)
                hls_cpu = 100 * (app.packaging_cpu_seconds() - packaging) / CPU_SECONDS
                table.add("app CPU, preview running, no viewer (% of one core)", f"{idle_cpu:.0f}",
                          "program encode + HLS segments")
                table.add("HLS packaging CPU on top of the program (% of the app's CPU)",
                          f"{100 * hls_cpu / max(idle_cpu, 1e-6):.2f}", "target < 3 %; the HLS thread's own CPU time")
                page.goto(app.base_url)
                for monitor, label in (("standard", "HLS"), ("low", "low-latency")):
                    choose_monitor(page, monitor)
                    page.wait_for_function("() => { const v = document.querySelector('[data-testid=preview-video]');"
                                           " return v && v.currentTime > 1; }", timeout=30_000)
                    cpu = app.cpu_percent(CPU_SECONDS)
                    table.add(f"app CPU with one {label} viewer (% of one core)", f"{cpu:.0f}",
                              f"{cpu / max(idle_cpu, 1e-6):.2f}× the no-viewer figure")
                    samples = latency(page)
                    target = "target P95 < 0.4 s" if monitor == "low" else "target P95 < 1.2 s"
                    table.add(f"glass-to-glass, {label} monitor: P50 / P95 / max (s)", figures(samples),
                              f"{len(samples)} samples over {LATENCY_SECONDS:.0f} s; {target}")
                table.add("app RSS while previewing 1080p30 with a viewer (MB)", f"{app.rss_mb():.0f}",
                          f"of which {proc_memory_mb('RssFile', app.process.pid) or 0:.0f} MB shared library code")
                table.add("app peak RSS over the whole run (MB)", f"{app.peak_rss_mb():.0f}", "target < 150")
                context.close()
        finally:
            app.close()
    table.save("browser")


if __name__ == "__main__":
    main()
