"""Startup and storage faults: key file problems, read-only and full data dirs, migrations from empty."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.conftest import local_client, make_settings
from vistterstream.app import create_app
from vistterstream.store.db import StoreError, create_db_engine, migrate
from vistterstream.store.secrets import KeyFileError

KEY = "live_123456789_abcdefghij"


def _app_with_key(data_dir: Path) -> None:
    with local_client(create_app(make_settings(data_dir))) as client:
        r = client.post("/api/destinations", json={"name": "T", "platform": "twitch", "stream_key": KEY})
        assert r.status_code == 201


def test_migrations_from_empty_are_idempotent(tmp_path: Path) -> None:
    engine = create_db_engine(tmp_path / "x.db")
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"cameras", "destinations", "timelines", "timeline_cues", "preview_events", "admin_users",
            "login_sessions"} <= tables
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0002"
    engine.dispose()


def test_upgrade_from_first_release_keeps_data(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from vistterstream.store.db import MIGRATIONS_DIR

    engine = create_db_engine(tmp_path / "old.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.exec_driver_sql("INSERT INTO cameras (name, type, url, enabled, created_at, updated_at) "
                                   "VALUES ('Old cam', 'test', 'test://bars', 1, '2026-01-01', '2026-01-01')")
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM cameras").scalar_one() == "Old cam"
        assert conn.exec_driver_sql("SELECT count(*) FROM admin_users").scalar_one() == 0
    engine.dispose()


def test_missing_key_file_with_stored_keys_refuses_to_start(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _app_with_key(data)
    (data / "secret.key").unlink()
    with pytest.raises(KeyFileError, match=r"missing.*Restore secret\.key"):
        create_app(make_settings(data))
    assert not (data / "secret.key").exists()  # no silent re-key


def test_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _app_with_key(data)
    (data / "secret.key").write_bytes(b"garbage")
    with pytest.raises(KeyFileError, match="corrupt"):
        create_app(make_settings(data))


def test_foreign_key_file_is_detected(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    data = tmp_path / "d"
    _app_with_key(data)
    (data / "secret.key").write_bytes(Fernet.generate_key())
    with pytest.raises(KeyFileError, match="does not match"):
        create_app(make_settings(data))


def test_reset_keys_recovers_after_lost_key(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _app_with_key(data)
    (data / "secret.key").unlink()
    cmd = [sys.executable, "-m", "vistterstream", "reset-keys", "--data-dir", str(data), "--yes"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    with local_client(create_app(make_settings(data))) as client:
        dest = client.get("/api/destinations").json()[0]
        assert dest["name"] == "T" and dest["has_stream_key"] is False


def test_cli_startup_error_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _app_with_key(data)
    (data / "secret.key").write_bytes(b"garbage")
    cmd = [sys.executable, "-m", "vistterstream", "serve", "--data-dir", str(data), "--port", "1"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert "corrupt" in result.stderr and "Traceback" not in result.stderr


def test_read_only_data_dir_is_a_clear_error(tiny_fs: Path) -> None:
    data = tiny_fs / "data"
    _app_with_key(data)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    with pytest.raises(StoreError, match="not writable"):
        create_app(make_settings(data))
    subprocess.run(["mount", "-o", "remount,rw", str(tiny_fs)], check=True)
    with local_client(create_app(make_settings(data))) as client:
        assert client.get("/api/destinations").json()[0]["stream_key_masked"] == "••••ghij"


def fill_disk(path: Path) -> None:
    """Write zeros to `path` until the file system says it is full (ENOSPC)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_full_disk_write_fails_cleanly_and_loses_nothing(tiny_fs: Path) -> None:
    data = tiny_fs / "data"
    with local_client(create_app(make_settings(data))) as client:
        assert client.post("/api/cameras", json={"name": "Keep me", "type": "test"}).status_code == 201
        fill_disk(tiny_fs / "filler")
        big = {"name": "Too big", "type": "http", "url": "http://cam.local/" + "x" * 1900}
        responses = [client.post("/api/cameras", json=big) for _ in range(40)]
        refused = [r for r in responses if r.status_code != 201]
        assert refused, "the full disk never refused a write"
        assert refused[0].status_code == 503
        assert "Nothing was saved" in refused[0].json()["detail"]
        assert "disk is full" in refused[0].json()["detail"]
        (tiny_fs / "filler").unlink()
        assert client.get("/api/cameras").json()[0]["name"] == "Keep me"
        assert client.post("/api/cameras", json={"name": "After", "type": "test"}).status_code == 201


def test_full_disk_at_startup_is_a_clear_error(tiny_fs: Path) -> None:
    fill_disk(tiny_fs / "filler")
    with pytest.raises(StoreError, match="full"):
        create_app(make_settings(tiny_fs / "data"))
