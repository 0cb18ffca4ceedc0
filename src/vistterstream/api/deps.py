"""FastAPI dependencies: everything comes from app.state, set up by create_app (no globals)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vistterstream.auth import Accounts, LoginThrottle
from vistterstream.router.router import StreamRouter
from vistterstream.settings import Settings
from vistterstream.store.secrets import SecretBox


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_secrets(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secrets
    return box


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def get_router(request: Request) -> StreamRouter:
    stream_router: StreamRouter = request.app.state.router
    return stream_router


DbSession = Annotated[Session, Depends(get_session)]
Secrets = Annotated[SecretBox, Depends(get_secrets)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Router = Annotated[StreamRouter, Depends(get_router)]
AccountStore = Annotated[Accounts, Depends(get_accounts)]
Throttle = Annotated[LoginThrottle, Depends(get_login_throttle)]
