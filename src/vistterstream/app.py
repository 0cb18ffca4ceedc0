"""create_app(settings): wiring only. Startup checks fail fast with operator-readable StoreErrors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vistterstream import __version__
from vistterstream.api import access, cameras, destinations, preview, timelines
from vistterstream.api.access import AccessGuard
from vistterstream.api.errors import install_error_handlers
from vistterstream.auth import Accounts, LoginThrottle
from vistterstream.outputs.hls import remove_leftovers
from vistterstream.router.events import StatusHub
from vistterstream.router.router import Audit, AuditEvent, StreamRouter
from vistterstream.settings import Settings
from vistterstream.store.db import StoreError, check_data_dir, create_db_engine, migrate, session_factory
from vistterstream.store.demo import is_empty, load_demo_data
from vistterstream.store.models import Destination, PreviewEvent
from vistterstream.store.secrets import KeyFileError, SecretBox, load_or_create_key

logger = logging.getLogger(__name__)

PACKAGE_STATIC = Path(__file__).parent / "static"


def open_store(settings: Settings) -> tuple[sessionmaker[Session], SecretBox]:
    """Data dir → database (migrated) → key file (checked against stored keys) → demo data if empty."""
    check_data_dir(settings.data_dir)
    engine = create_db_engine(settings.db_path)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        sample = session.scalar(select(Destination.stream_key_encrypted)
                                .where(Destination.stream_key_encrypted.is_not(None)).limit(1))
        secrets = load_or_create_key(settings.key_path, encrypted_data_exists=sample is not None)
        if sample is not None and not secrets.can_decrypt(sample):
            raise KeyFileError(
                f"The key file {settings.key_path} does not match this database: stored stream keys cannot be "
                f"decrypted. Restore the secret.key that belongs to this database, or run "
                f"`vistterstream reset-keys` to erase the stored stream keys."
            )
        if settings.demo_data and is_empty(session):
            load_demo_data(session, secrets)
    return sessions, secrets


def create_app(settings: Settings) -> FastAPI:
    sessions, secrets = open_store(settings)
    accounts = Accounts(sessions, idle_timeout=settings.session_idle_hours_delta)
    if settings.login_required and not accounts.admin_exists():
        why = "VISTTER_REQUIRE_LOGIN is on" if settings.require_login else f"it listens on {settings.host}"
        raise StoreError(f"A login is required because {why}, but there is no admin account yet. Create one with "
                         f"`vistterstream create-admin` (same data directory), then start again.")

    hub = StatusHub()
    stream_router = StreamRouter(settings.media_dir, connect_timeout=settings.live_connect_timeout,
                                 audit=audit_writer(sessions), notify=hub.notify, enabled=settings.engine_enabled)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        logger.info("VistterStream %s serving data dir %s", __version__, settings.data_dir)
        removed = remove_leftovers(settings.media_dir)
        if removed:
            logger.info("removed %d preview folder(s) left by an earlier run", removed)
        yield
        await run_in_threadpool(stream_router.shutdown)
        sessions.kw["bind"].dispose()
        logger.info("VistterStream stopped")

    app = FastAPI(
        title="VistterStream",
        version=__version__,
        description="Live-production appliance: cameras → one program → browser preview → go live.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.secrets = secrets
    app.state.router = stream_router
    app.state.hub = hub
    app.state.accounts = accounts
    app.state.login_throttle = LoginThrottle()
    install_error_handlers(app)
    app.add_middleware(AccessGuard, settings=settings, accounts=accounts)
    for module in (access, cameras, destinations, timelines, preview):
        app.include_router(module.router)
    app.include_router(preview.files)
    mount_web_ui(app, settings.static_dir or PACKAGE_STATIC)
    return app


def audit_writer(sessions: sessionmaker[Session]) -> Audit:
    """Router transitions → rows in preview_events (called from request and relay threads)."""

    def write(event: AuditEvent) -> None:
        with sessions() as session:
            session.add(PreviewEvent(event_type=event.event_type, timeline_id=event.timeline_id,
                                     destination_ids=event.destination_ids, detail=event.detail,
                                     created_by=event.created_by))
            session.commit()

    return write


def mount_web_ui(app: FastAPI, static_dir: Path) -> None:
    if (static_dir / "index.html").exists():
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="web")
        return

    @app.get("/", include_in_schema=False)
    def _no_ui() -> HTMLResponse:
        return HTMLResponse("<h1>VistterStream</h1><p>The web UI is not built. Run <code>make run</code>, "
                            "which builds it, or use the API at <a href='/docs'>/docs</a>.</p>")
