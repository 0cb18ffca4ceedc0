"""The systemd unit is valid and matches what the app expects."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "deploy/vistterstream.service"


def settings(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_unit_runs_the_service_as_designed() -> None:
    unit = settings(UNIT.read_text())
    assert unit["User"] == ["vistterstream"] and unit["Restart"] == ["on-failure"]
    assert "VISTTER_DATA_DIR=/var/lib/vistterstream" in unit["Environment"]
    assert "VISTTER_HOST=127.0.0.1" in unit["Environment"]  # local-only unless the site says otherwise
    assert unit["ReadWritePaths"] == ["/var/lib/vistterstream"] and unit["StandardOutput"] == ["journal"]
    assert unit["ExecStart"] == ["/opt/vistterstream/.venv/bin/vistterstream serve"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # The same unit, pointed at this checkout's entry point and an existing user, must verify cleanly.
    entry_point = Path(sys.executable).parent / "vistterstream"
    text = UNIT.read_text().replace("/opt/vistterstream/.venv/bin/vistterstream", str(entry_point))
    text = text.replace("User=vistterstream", "User=root").replace("Group=vistterstream", "Group=root")
    copy = tmp_path / "vistterstream.service"
    copy.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if "vistterstream.service" in line]
    assert result.returncode == 0 and not problems, result.stderr
