"""`vistterstream serve | receive | create-admin | reset-keys` — the operator's command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from vistterstream.logs import configure_logging
from vistterstream.settings import Settings
from vistterstream.store.db import StoreError

logger = logging.getLogger("vistterstream")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None)),
                                   ("data_dir", getattr(args, "data_dir", None))) if v is not None}
    return Settings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from vistterstream.app import create_app

    settings = _settings(args)
    configure_logging(settings.log_level)
    app = create_app(settings)
    if settings.login_required:
        logger.info("login required (admin account); preview picture %s", "shown to logged-in browsers anywhere"
                    if settings.remote_preview else "shown on this machine only")
    logger.info("open http://%s:%d in a browser (API docs at /docs)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, timeout_graceful_shutdown=10)
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    import getpass

    from vistterstream.auth import PASSWORD_MIN_LENGTH, AccountError, Accounts
    from vistterstream.store.db import check_data_dir, create_db_engine, migrate, session_factory

    settings = _settings(args)
    configure_logging("WARNING")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for '{args.username}' (at least {PASSWORD_MIN_LENGTH} characters): ")
        if getpass.getpass("Same password again: ") != password:
            print("vistterstream create-admin: the two passwords differ; nothing was changed.", file=sys.stderr)
            return 2
    check_data_dir(settings.data_dir)
    engine = create_db_engine(settings.db_path)
    migrate(engine)
    try:
        print(Accounts(session_factory(engine), settings.session_idle_hours_delta).set_admin(
            args.username, password, replace=args.replace))
    except AccountError as exc:
        print(f"vistterstream create-admin: {exc}; nothing was changed.", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if not settings.login_required:
        print(f"The login is used when the app listens on another address than {settings.host} "
              f"(VISTTER_HOST) or with VISTTER_REQUIRE_LOGIN=true; see docs/install.md, \"Remote access\".")
    return 0


def cmd_reset_keys(args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet
    from sqlalchemy import update

    from vistterstream.store.db import check_data_dir, create_db_engine, migrate, session_factory
    from vistterstream.store.models import Destination

    settings = _settings(args)
    configure_logging(settings.log_level)
    if not args.yes:
        print("This erases every stored stream key (you will re-enter them) and creates a new key file.\n"
              "Run again with --yes to confirm.")
        return 1
    check_data_dir(settings.data_dir)
    engine = create_db_engine(settings.db_path)
    migrate(engine)
    with session_factory(engine)() as session:
        session.execute(update(Destination).values(stream_key_encrypted=None, stream_key_hint=None))
        session.commit()
    settings.key_path.unlink(missing_ok=True)
    settings.key_path.touch(mode=0o600)
    settings.key_path.write_bytes(Fernet.generate_key())
    print(f"Stream keys erased; new key file at {settings.key_path}. Re-enter keys under Destinations.")
    return 0


def cmd_receive(args: argparse.Namespace) -> int:
    import signal
    import threading
    from pathlib import Path

    from vistterstream.receiver import check_listen, print_event, serve

    stop = threading.Event()
    emit = print_event(args.json)
    cert, key = (Path(args.cert) if args.cert else None), (Path(args.key) if args.key else None)
    worker = threading.Thread(target=serve, args=(args.listen, emit, stop),
                              kwargs={"cert": cert, "key": key, "once": args.once}, daemon=True)
    try:  # bad input is a one-line error here, not a traceback in the listener thread
        check_listen(args.listen, cert, key)
    except ValueError as exc:
        print(f"vistterstream receive: {exc}", file=sys.stderr)
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    while worker.is_alive() and not stop.is_set():
        worker.join(0.2)
    return 0  # the listener thread may be blocked inside FFmpeg; it is a daemon and ends with us


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vistterstream", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the app (web UI + API + media engine)")
    serve.add_argument("--host", help="bind address (default 127.0.0.1, env VISTTER_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, env VISTTER_PORT)")
    serve.add_argument("--data-dir", help="data directory (env VISTTER_DATA_DIR)")
    serve.set_defaults(func=cmd_serve)
    receive = sub.add_parser("receive", help="a local RTMP(S) receiver to rehearse go-live offline")
    receive.add_argument("--listen", default="rtmp://127.0.0.1:1936/live/test",
                         help="rtmp:// or rtmps:// address to listen on (default %(default)s)")
    receive.add_argument("--cert", help="PEM certificate for rtmps://")
    receive.add_argument("--key", help="PEM private key for rtmps://")
    receive.add_argument("--json", action="store_true", help="one JSON object per line (for scripts)")
    receive.add_argument("--once", action="store_true", help="exit after the first publisher disconnects")
    receive.set_defaults(func=cmd_receive)
    admin = sub.add_parser("create-admin", help="create the admin login for access from other machines")
    admin.add_argument("--username", default="admin", help="user name (default %(default)s)")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from the first line of "
                                                                     "standard input instead of asking")
    admin.add_argument("--replace", action="store_true", help="change the existing admin's name or password "
                                                              "(logs out every browser)")
    admin.add_argument("--data-dir", help="data directory (env VISTTER_DATA_DIR)")
    admin.set_defaults(func=cmd_create_admin)
    reset = sub.add_parser("reset-keys", help="erase stored stream keys after losing the key file")
    reset.add_argument("--data-dir", help="data directory (env VISTTER_DATA_DIR)")
    reset.add_argument("--yes", action="store_true", help="confirm")
    reset.set_defaults(func=cmd_reset_keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except StoreError as exc:
        print(f"vistterstream: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = "; ".join(f"VISTTER_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"vistterstream: invalid configuration: {problems}", file=sys.stderr)
        return 2
