"""Go-live: time from the go-live command to the first keyframe at a real RTMP receiver, and the success
rate over many go-live / stop-live cycles with injected destination faults.

Each cycle goes live to a healthy local receiver plus one more destination that is, at random: a second
healthy receiver, a server that refuses (closes at once), or one that never answers. Success = the call
returns, the healthy receiver gets a keyframe, faulty ones are reported (not hung, not fatal) and the
preview keeps running. BENCH_GOLIVE_CYCLES overrides the cycle count (default 200).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.media import FaultyServer  # the same fault injector the integration tests use

from bench.common import Table
from vistterstream.outputs.relay import Target
from vistterstream.program.timeline import Shot, TimelineSpec
from vistterstream.receiver import free_loopback_port, serve
from vistterstream.router.router import Mode, RouterError, StreamRouter
from vistterstream.sources.factory import CameraSpec

SPEC = TimelineSpec(1, "Bench", 1280, 720, 30, "medium", True, (Shot(1, 5.0), Shot(2, 5.0, "fade", 1.0)))
CAMERAS = {1: CameraSpec(1, "A", "test", "test://?color=1e5078"), 2: CameraSpec(2, "B", "test", "test://?color=c8a050")}


class LocalReceiver:
    """The `vistterstream receive` loop in a thread, collecting its events."""

    def __init__(self) -> None:
        self.port = free_loopback_port()
        self.events: list[dict[str, Any]] = []
        self._stop = threading.Event()
        threading.Thread(target=serve, args=(f"rtmp://127.0.0.1:{self.port}/live/x", self.events.append, self._stop),
                         daemon=True).start()

    def first_keyframe_after(self, since: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                at = event.get("first_keyframe_at")
                if event["event"] in ("stats", "ended") and at and at >= since:
                    return float(at)
            time.sleep(0.02)
        return None


def target(destination_id: int, name: str, port: int) -> Target:
    return Target(destination_id, name, "custom", f"rtmp://127.0.0.1:{port}/live/bench-key-{destination_id}",
                  f"bench-key-{destination_id}")


def main() -> None:
    cycles = int(os.environ.get("BENCH_GOLIVE_CYCLES", "200"))
    table = Table("Go-live")
    table.start()
    healthy, second = LocalReceiver(), LocalReceiver()
    faults = {"refuse": FaultyServer("refuse"), "silent": FaultyServer("silent")}
    with tempfile.TemporaryDirectory() as tmp:
        router = StreamRouter(Path(tmp), connect_timeout=2.0)
        router.start(SPEC, CAMERAS)
        # Go-live latency, clean: command → first keyframe at the receiver.
        latencies = []
        for _ in range(10):
            time.sleep(0.3)  # let the receiver re-listen
            sent = time.time()
            router.go_live([target(1, "healthy", healthy.port)])
            keyframe = healthy.first_keyframe_after(sent, 10)
            if keyframe:
                latencies.append(keyframe - sent)
            router.stop_live()
        if latencies:
            table.add("go-live → first keyframe at receiver, median (s)", f"{statistics.median(latencies):.2f}")
            table.add("go-live → first keyframe at receiver, max (s)", f"{max(latencies):.2f}", f"n={len(latencies)}")
        # Many cycles with injected faults.
        rng = random.Random(7)
        ok, kinds, failures = 0, {"second receiver": 0, "refuse": 0, "silent": 0}, []
        started = time.monotonic()
        for cycle in range(cycles):
            kind = rng.choice(list(kinds))
            kinds[kind] += 1
            other = second.port if kind == "second receiver" else faults[kind].port
            time.sleep(0.3)
            sent = time.time()
            try:
                result = router.go_live([target(1, "healthy", healthy.port), target(2, kind, other)])
                reported = {f["name"] for f in result["failures"]}
                good = (healthy.first_keyframe_after(sent, 10) is not None and router.mode is Mode.LIVE
                        and (kind in reported) == (kind != "second receiver")
                        and router.hls is not None and router.engine.state.value == "running")
                router.stop_live()
            except RouterError as exc:
                good = False
                failures.append(f"cycle {cycle} ({kind}): {exc.detail}")
                if router.mode is Mode.LIVE:
                    router.stop_live()
            else:
                if not good:
                    failures.append(f"cycle {cycle} ({kind}): go-live returned but the checks failed")
            ok += good
        elapsed = time.monotonic() - started
        router.stop()
    for server in faults.values():
        server.close()
    table.add("go-live cycles with injected faults", f"{cycles}",
              ", ".join(f"{k}: {v}" for k, v in kinds.items()) + f"; {elapsed:.0f} s")
    table.add("go-live success rate (%)", f"{100 * ok / max(1, cycles):.1f}", "target ≥ 99.8 %")
    for line in failures[:5]:
        print(f"    {line}")
    print(f"saved {table.save('golive')}")


if __name__ == "__main__":
    main()
