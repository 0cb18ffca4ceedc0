"""/api/cameras — CRUD for camera sources."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from vistterstream.api.deps import DbSession
from vistterstream.api.errors import ApiError, FieldError
from vistterstream.api.schemas import CameraCreate, CameraOut, CameraUpdate, check_camera_url
from vistterstream.redact import redact_url
from vistterstream.store.models import Camera, Timeline, TimelineCue

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


def camera_out(camera: Camera) -> CameraOut:
    return CameraOut(
        id=camera.id, name=camera.name, type=camera.type,
        url=redact_url(camera.url), enabled=camera.enabled,
        created_at=camera.created_at, updated_at=camera.updated_at,
    )


def get_camera(session: DbSession, camera_id: int) -> Camera:
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise ApiError(404, f"Camera {camera_id} not found.")
    return camera


@router.get("", response_model=list[CameraOut])
def list_cameras(session: DbSession) -> list[CameraOut]:
    return [camera_out(c) for c in session.scalars(select(Camera).order_by(Camera.id))]


@router.post("", response_model=CameraOut, status_code=201)
def create_camera(body: CameraCreate, session: DbSession) -> CameraOut:
    camera = Camera(name=body.name, type=body.type, url=body.url, enabled=body.enabled)
    session.add(camera)
    session.commit()
    return camera_out(camera)


@router.get("/{camera_id}", response_model=CameraOut)
def read_camera(camera_id: int, session: DbSession) -> CameraOut:
    return camera_out(get_camera(session, camera_id))


@router.put("/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: int, body: CameraUpdate, session: DbSession) -> CameraOut:
    camera = get_camera(session, camera_id)
    new_type = body.type or camera.type
    url = camera.url
    # The API only ever shows the masked URL; sending it back unchanged must keep the real one.
    if body.url is not None and body.url != redact_url(camera.url):
        url = body.url
    try:
        url = check_camera_url(new_type, url or ("test://" if new_type == "test" else ""))
    except ValueError as exc:
        raise FieldError(["url"], str(exc)) from exc
    if body.name is not None:
        camera.name = body.name
    if body.enabled is not None:
        camera.enabled = body.enabled
    camera.type, camera.url = new_type, url
    session.commit()
    return camera_out(camera)


@router.delete("/{camera_id}", status_code=204, response_class=Response)
def delete_camera(camera_id: int, session: DbSession) -> Response:
    camera = get_camera(session, camera_id)
    users = session.scalars(
        select(Timeline.name).join(TimelineCue).where(TimelineCue.camera_id == camera_id).distinct()
    ).all()
    if users:
        raise ApiError(409, f"Camera '{camera.name}' is used by timeline(s) {', '.join(users)}. Remove it from "
                            f"those timelines first.", timelines=list(users))
    session.delete(camera)
    session.commit()
    return Response(status_code=204)
