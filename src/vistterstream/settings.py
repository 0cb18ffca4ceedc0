"""Application settings, read from VISTTER_* environment variables or a `.env` file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def db_path(self) -> Path:
        return self.data_dir / "vistterstream.db"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"
