"""/api/destinations — streaming destinations with write-only, encrypted stream keys."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from vistterstream.api.deps import DbSession, Router, Secrets
from vistterstream.api.errors import ApiError, FieldError
from vistterstream.api.schemas import DestinationCreate, DestinationOut, DestinationUpdate, PlatformPreset
from vistterstream.outputs.platforms import PLATFORMS
from vistterstream.redact import key_hint, masked_key, redact_url
from vistterstream.store.models import Destination
from vistterstream.store.secrets import SecretBox

router = APIRouter(prefix="/api/destinations", tags=["destinations"])


def destination_out(dest: Destination) -> DestinationOut:
    return DestinationOut(
        id=dest.id, name=dest.name, platform=dest.platform,
        rtmp_url=redact_url(dest.rtmp_url),
        stream_key_masked=masked_key(dest.stream_key_hint) if dest.stream_key_encrypted else None,
        has_stream_key=dest.stream_key_encrypted is not None,
        is_active=dest.is_active, created_at=dest.created_at, updated_at=dest.updated_at,
    )


def get_destination(session: DbSession, destination_id: int) -> Destination:
    dest = session.get(Destination, destination_id)
    if dest is None:
        raise ApiError(404, f"Destination {destination_id} not found.")
    return dest


def _set_key(dest: Destination, key: str, secrets: SecretBox) -> None:
    if key:
        dest.stream_key_encrypted = secrets.encrypt(key)
        dest.stream_key_hint = key_hint(key)
    else:
        dest.stream_key_encrypted, dest.stream_key_hint = None, None


def _resolve_url(platform: str, rtmp_url: str | None) -> str:
    url = rtmp_url or PLATFORMS[platform].rtmp_url
    if not url:
        raise FieldError(["rtmp_url"], "a custom destination needs an rtmp:// or rtmps:// URL")
    return url


@router.get("/presets", response_model=list[PlatformPreset])
def list_presets() -> list[PlatformPreset]:
    return [PlatformPreset(platform=p.platform, label=p.label, rtmp_url=p.rtmp_url, key_help=p.key_help)
            for p in PLATFORMS.values()]


@router.get("", response_model=list[DestinationOut])
def list_destinations(session: DbSession, active: bool | None = None) -> list[DestinationOut]:
    query = select(Destination).order_by(Destination.id)
    if active is not None:
        query = query.where(Destination.is_active == active)
    return [destination_out(d) for d in session.scalars(query)]


@router.post("", response_model=DestinationOut, status_code=201)
def create_destination(body: DestinationCreate, session: DbSession, secrets: Secrets) -> DestinationOut:
    if body.platform != "custom" and not body.stream_key:
        raise FieldError(["stream_key"], f"{PLATFORMS[body.platform].label} needs a stream key: "
                                         f"{PLATFORMS[body.platform].key_help}")
    dest = Destination(name=body.name, platform=body.platform, rtmp_url=_resolve_url(body.platform, body.rtmp_url),
                       is_active=body.is_active)
    _set_key(dest, body.stream_key or "", secrets)
    session.add(dest)
    session.commit()
    return destination_out(dest)


@router.get("/{destination_id}", response_model=DestinationOut)
def read_destination(destination_id: int, session: DbSession) -> DestinationOut:
    return destination_out(get_destination(session, destination_id))


@router.put("/{destination_id}", response_model=DestinationOut)
def update_destination(
    destination_id: int, body: DestinationUpdate, session: DbSession, secrets: Secrets
) -> DestinationOut:
    dest = get_destination(session, destination_id)
    platform = body.platform or dest.platform
    if body.rtmp_url is not None and body.rtmp_url != redact_url(dest.rtmp_url):
        dest.rtmp_url = _resolve_url(platform, body.rtmp_url)
    elif body.platform and body.platform != dest.platform and body.rtmp_url is None:
        dest.rtmp_url = _resolve_url(platform, None)
    if body.stream_key is not None:
        if platform != "custom" and not body.stream_key:
            raise FieldError(["stream_key"], f"{PLATFORMS[platform].label} needs a stream key")
        _set_key(dest, body.stream_key, secrets)
    if body.name is not None:
        dest.name = body.name
    if body.is_active is not None:
        dest.is_active = body.is_active
    dest.platform = platform
    session.commit()
    return destination_out(dest)


@router.delete("/{destination_id}", status_code=204, response_class=Response)
def delete_destination(destination_id: int, session: DbSession, stream_router: Router) -> Response:
    dest = get_destination(session, destination_id)
    stream_router.check_not_in_use(destination_id=destination_id)
    session.delete(dest)
    session.commit()
    return Response(status_code=204)
