"""Shared bench plumbing: process CPU/RSS sampling and result tables."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def proc_memory_mb(field: str = "VmRSS", pid: int | str = "self") -> float | None:
    """A memory figure (VmRSS, VmHWM…) of a process from Linux /proc, in MB; None where there is no /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc; peak RSS elsewhere)."""
    current = proc_memory_mb()
    if current is not None:
        return current
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class CpuMeter:
    """CPU use of this process over an interval, in % of one core."""

    def __init__(self) -> None:
        self._cpu, self._wall = self._now()

    @staticmethod
    def _now() -> tuple[float, float]:
        t = os.times()
        return t.user + t.system, time.monotonic()

    def percent(self) -> float:
        cpu, wall = self._now()
        return 100.0 * (cpu - self._cpu) / max(1e-6, wall - self._wall)


@dataclass
class Table:
    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # metric, value, target/notes

    def add(self, metric: str, value: str, note: str = "") -> None:
        self.rows.append((metric, value, note))
        print(f"  {metric:<62} {value:>12}  {note}", flush=True)

    def start(self) -> None:
        print(f"\n== {self.title} ({platform.machine()}, {os.cpu_count()} cores) ==", flush=True)

    def save(self, name: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.json"
        record = {"title": self.title, "machine": platform.machine(), "cores": os.cpu_count(),
                  "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  "rows": [{"metric": m, "value": v, "note": n} for m, v, n in self.rows]}
        path.write_text(json.dumps(record, indent=2) + "\n")
        # latest.json: the most recent figures of every bench, in one file.
        latest_path = RESULTS / "latest.json"
        try:
            latest = json.loads(latest_path.read_text())
        except (OSError, ValueError):
            latest = {}
        latest[name] = record
        latest_path.write_text(json.dumps(latest, indent=2) + "\n")
        return path
