"""Soak: preview + one live destination for BENCH_SOAK_MINUTES (default 60), app as its own process, 1080p30.

Every BENCH_SOAK_SAMPLE seconds (default 10) it records the app's RSS and CPU, the relay workers' RSS, the
program's frame counters, what a local RTMP receiver (`vistterstream receive`, its own process) decoded,
and the HLS timing: wall-clock time since the preview started minus the media time the playlist has
produced (the EXTINF of every segment, read as a player reads the playlist). A growing RSS slope or a
drifting HLS clock is a leak or a clock bug that a short test cannot see. Not part of `make test` or
`make bench`: run `make soak`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.browser import AppProcess, make_show
from bench.common import RESULTS, Table, proc_memory_mb
from vistterstream.receiver import free_loopback_port

MINUTES = float(os.environ.get("BENCH_SOAK_MINUTES", "60"))
SAMPLE_SECONDS = float(os.environ.get("BENCH_SOAK_SAMPLE", "10"))
WARM_UP_SECONDS = 120.0  # allocator and caches settle; the RSS slope is fitted after this

EXTINF = re.compile(r"#EXTINF:([\d.]+)")
MEDIA_SEQUENCE = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")


@dataclass
class Sample:
    t: float
    app_rss_mb: float
    app_cpu_percent: float
    workers_rss_mb: float
    frames_out: int
    dropped_frames: int
    hls_drift_s: float | None
    received_frames: int
    destination_state: str
    reconnects: int


class ReceiverProcess:
    """`vistterstream receive --json` in its own process; keeps the latest decoded-frame count."""

    def __init__(self) -> None:
        self.port = free_loopback_port()
        self.url = f"rtmp://127.0.0.1:{self.port}/live"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vistterstream", "receive", "--json", "--listen", f"{self.url}/soak"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.decoded = 0  # over every publisher session, so a reconnect does not reset it
        self._session_base = 0
        self.sessions = 0
        self._listening = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._listening.wait(30):
            raise RuntimeError("the RTMP receiver did not start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            event: dict[str, Any] = json.loads(line)
            kind = event.get("event")
            if kind == "listening":
                self._listening.set()
            elif kind == "connected":
                self.sessions += 1
                self._session_base = self.decoded
            if "decoded_frames" in event:
                self.decoded = self._session_base + int(event["decoded_frames"])

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def children_rss_mb(pid: int) -> float:
    """RSS of a process's direct children (the relay workers), from /proc."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(proc_memory_mb("VmRSS", child) or 0.0 for child in children)
    return total


class PlaylistClock:
    """Reads the preview playlist twice a second, as a player does, and adds up every segment's EXTINF once:
    the media time the HLS output has produced, however long its segments turn out to be."""

    def __init__(self, app: AppProcess, url: str) -> None:
        self.http, self.url = httpx.Client(base_url=app.base_url, timeout=10), url
        self.durations: dict[int, float] = {}
        self.first_sequence: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with contextlib.suppress(httpx.HTTPError):
                text = self.http.get(self.url).text
                found = MEDIA_SEQUENCE.search(text)
                if not found:
                    continue
                sequence = int(found.group(1))
                if self.first_sequence is None:
                    self.first_sequence = sequence
                for offset, duration in enumerate(EXTINF.findall(text)):
                    self.durations.setdefault(sequence + offset, float(duration))

    def media_seconds(self) -> float | None:
        """Seconds of media produced so far (segments before the first read counted as 1 s each)."""
        if self.first_sequence is None:
            return None
        return self.first_sequence * 1.0 + sum(self.durations.values())

    def missed(self) -> int:
        """Segments that came and went between two reads (0 expected)."""
        if not self.durations:
            return 0
        return max(self.durations) - min(self.durations) + 1 - len(self.durations)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.http.close()


def sample(app: AppProcess, receiver: ReceiverProcess, clock: PlaylistClock, t0: float, preview_started: float,
           cpu_before: tuple[float, float]) -> tuple[Sample, tuple[float, float]]:
    status = app.http.get("/api/preview/status").json()
    program = status["program"] or {}
    destination = (status["destinations"] or [{}])[0]
    media = clock.media_seconds()
    now, cpu = time.monotonic(), app.cpu_seconds()
    cpu_percent = 100 * (cpu - cpu_before[1]) / max(1e-6, now - cpu_before[0])
    return Sample(
        t=round(now - t0, 1), app_rss_mb=round(app.rss_mb(), 1), app_cpu_percent=round(cpu_percent, 1),
        workers_rss_mb=round(children_rss_mb(app.process.pid), 1),
        frames_out=int(program.get("frames", 0)), dropped_frames=int(program.get("dropped_frames", 0)),
        hls_drift_s=None if media is None else round(time.time() - preview_started - media, 2),
        received_frames=receiver.decoded, destination_state=str(destination.get("state")),
        reconnects=int(destination.get("reconnects", 0)),
    ), (now, cpu)


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 3:
        return float("nan")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return statistics.linear_regression(xs, ys).slope * 3600


def report(samples: list[Sample], receiver: ReceiverProcess, clock: PlaylistClock) -> Table:
    table = Table(f"Soak: preview + 1 live destination, 1080p30, {MINUTES:g} min")
    table.start()
    first, last = samples[0], samples[-1]
    settled = [s for s in samples if s.t >= WARM_UP_SECONDS] or samples
    table.add("app RSS: first / last / max (MB)",
              f"{first.app_rss_mb:.0f} / {last.app_rss_mb:.0f} / {max(s.app_rss_mb for s in samples):.0f}")
    table.add("app RSS slope after warm-up (MB per hour)",
              f"{slope_per_hour([(s.t, s.app_rss_mb) for s in settled]):+.1f}", "≈ 0 = no leak")
    table.add("relay worker RSS: first / last (MB)", f"{first.workers_rss_mb:.0f} / {last.workers_rss_mb:.0f}")
    cpus = [s.app_cpu_percent for s in samples[1:]] or [first.app_cpu_percent]
    table.add("app CPU: mean / max (% of one core)", f"{statistics.mean(cpus):.0f} / {max(cpus):.0f}")
    drifts = [s.hls_drift_s for s in samples if s.hls_drift_s is not None]
    if drifts:
        table.add("HLS timing: wall clock − media produced, first / last (s)", f"{drifts[0]:.2f} / {drifts[-1]:.2f}",
                  f"range {min(drifts):.2f} … {max(drifts):.2f} (segments are 1 s, read every 0.5 s)")
        table.add("HLS timing drift: fitted slope (s per hour)",
                  f"{slope_per_hour([(s.t, s.hls_drift_s) for s in samples if s.hls_drift_s is not None]):+.2f}",
                  f"{len(clock.durations)} segments read, {clock.missed()} missed; mean length "
                  f"{statistics.mean(clock.durations.values()):.3f} s")
    frames = last.frames_out - first.frames_out
    table.add("program frames out / dropped", f"{last.frames_out} / {last.dropped_frames}",
              f"{frames / max(1e-6, last.t - first.t):.2f} fps between first and last sample")
    received = last.received_frames - first.received_frames
    table.add("receiver decoded frames (fps between first and last sample)",
              f"{received / max(1e-6, last.t - first.t):.2f}", "30 = every frame arrived")
    table.add("destination reconnects / receiver sessions", f"{last.reconnects} / {receiver.sessions}", "0 / 1")
    return table


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = AppProcess(Path(tmp) / "data")
        receiver = ReceiverProcess()
        try:
            timeline_id = make_show(app.http)
            destination = app.http.post("/api/destinations", json={
                "name": "Soak receiver", "platform": "custom", "rtmp_url": receiver.url, "stream_key": "soak"})
            destination.raise_for_status()
            started = app.http.post("/api/preview/start", json={"timeline_id": timeline_id})
            started.raise_for_status()
            preview_started = time.time()
            clock = PlaylistClock(app, started.json()["hls_url"])
            app.http.post("/api/preview/go-live", json={"destination_ids": [destination.json()["id"]]}
                          ).raise_for_status()
            print(f"soak: running for {MINUTES:g} min, a sample every {SAMPLE_SECONDS:g} s", flush=True)
            t0 = time.monotonic()
            cpu_mark = (t0, app.cpu_seconds())
            samples: list[Sample] = []
            while True:
                point, cpu_mark = sample(app, receiver, clock, t0, preview_started, cpu_mark)
                samples.append(point)
                if len(samples) % max(1, int(300 / SAMPLE_SECONDS)) == 1:
                    print(f"  t={point.t:>6.0f}s rss={point.app_rss_mb:.0f}MB cpu={point.app_cpu_percent:.0f}% "
                          f"drift={point.hls_drift_s}s received={point.received_frames} {point.destination_state}",
                          flush=True)
                if point.t >= MINUTES * 60:
                    break
                time.sleep(SAMPLE_SECONDS)
            app.http.post("/api/preview/stop").raise_for_status()
        finally:
            receiver.close()
            app.close()
    clock.close()
    table = report(samples, receiver, clock)
    table.save("soak")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak-samples.json").write_text(json.dumps([asdict(s) for s in samples], indent=1) + "\n")


if __name__ == "__main__":
    main()
