"""Database bootstrap: data-dir checks, engine, Alembic migrations on start, sessions."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The data dir or database cannot be used; the message tells the operator what to do."""


def check_data_dir(path: Path) -> None:
    """Create the data dir if needed and prove it is writable, with an operator-readable error if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        with probe.open("wb") as fh:
            fh.write(b"ok")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        raise StoreError(describe_os_error(exc, path)) from exc


def describe_os_error(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return f"The disk holding the data directory {path} is full. Free some space and start again."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"The data directory {path} is not writable ({exc.strerror}). Give the service user write "
                f"access, or point VISTTER_DATA_DIR at a writable directory.")
    return f"The data directory {path} cannot be used: {exc.strerror or exc}."


def _enable_sqlite_foreign_keys(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_db_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False, "timeout": 15})
    event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (the app calls this at every start)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(
            f"The database {engine.url.database} could not be migrated: {exc.orig}. If the disk is full or "
            f"read-only, fix that and start again; the stored data has not been changed."
        ) from exc
    logger.info("database ready at %s (tables: %s)", engine.url.database, ", ".join(inspect(engine).get_table_names()))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
