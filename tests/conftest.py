"""Shared fixtures: every test gets its own data dir and its own app; nothing global."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vistterstream.app import create_app
from vistterstream.settings import Settings


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "demo_data": False, "engine_enabled": False}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


def local_client(app: FastAPI) -> TestClient:
    """A TestClient that, like a browser on the appliance, talks to http://127.0.0.1 from 127.0.0.1."""
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with local_client(create_app(settings)) as test_client:
        yield test_client


@dataclass
class LiveApp:
    """The real app served by uvicorn on a loopback port, in this process (so tests can inspect its state)."""

    base_url: str
    app: FastAPI
    http: httpx.Client


def serve_app(settings: Settings) -> Iterator[LiveApp]:
    from tests.media import free_port

    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-app-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    base_url = f"http://127.0.0.1:{config.port}"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        try:
            yield LiveApp(base_url, app, http)
        finally:
            server.should_exit = True
            thread.join(30)


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The app with the media engine on, an empty database and a short go-live timeout."""
    yield from serve_app(make_settings(tmp_path / "data", engine_enabled=True, live_connect_timeout=4.0))


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of `size` at `mount_point`, for disk-full and read-only faults (needs root, as on CI)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB file system: full after a few database writes."""
    with tmpfs(tmp_path / "tiny", "256k") as mount_point:
        yield mount_point
