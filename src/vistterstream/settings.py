"""Application settings, read from VISTTER_* environment variables or a `.env` file."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vistterstream.auth import is_loopback


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vistterstream"


class Settings(BaseSettings):
    """Everything the app can be configured with; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="VISTTER_", env_file=".env", extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind. Keep 127.0.0.1 unless you need remote access.")
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Field(default_factory=_default_data_dir, description="SQLite DB, key file, temp media.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    demo_data: bool = Field(True, description="Load demo cameras and a demo timeline into an empty database.")
    engine_enabled: bool = Field(True, description="Start the media engine; off only for API-only tests.")
    live_connect_timeout: float = Field(10.0, gt=0, description="Seconds go-live waits for destinations.")
    static_dir: Path | None = Field(None, description="Override for the built web UI directory.")
    require_login: bool = Field(False, description="Ask for the admin login even on 127.0.0.1 (behind a reverse "
                                                   "proxy). Always on when host is not a loopback address.")
    remote_preview: bool = Field(False, description="Also show the preview picture to logged-in browsers on "
                                                    "other machines (by default it is shown on this machine only).")
    session_idle_hours: float = Field(12.0, gt=0, le=24 * 7, description="Log a browser out after this long unused.")

    @property
    def session_idle_hours_delta(self) -> timedelta:
        return timedelta(hours=self.session_idle_hours)

    @property
    def login_required(self) -> bool:
        return self.require_login or not is_loopback(self.host)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "vistterstream.db"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"
