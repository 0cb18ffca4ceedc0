"""/api/preview — start / stop the program preview, go live, status, health, events; /preview/ HLS files."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vistterstream.api.access import Actor
from vistterstream.api.deps import DbSession, Router, Secrets
from vistterstream.api.errors import ApiError, FieldError
from vistterstream.api.schemas import (
    DestinationChange,
    GoLive,
    ModeChanged,
    PreviewEventOut,
    PreviewHealth,
    PreviewStart,
    PreviewStarted,
    PreviewStatus,
    PreviewStopped,
    WentLive,
)
from vistterstream.outputs.hls import PLAYLIST, HlsOutput
from vistterstream.outputs.relay import Target
from vistterstream.program.timeline import spec_from_model
from vistterstream.router.events import StatusHub
from vistterstream.router.router import RouterError, StreamRouter
from vistterstream.sources.factory import CameraSpec
from vistterstream.store.models import Camera, Destination, PreviewEvent, Timeline
from vistterstream.store.secrets import SecretBox

router = APIRouter(prefix="/api/preview", tags=["preview"])
files = APIRouter(tags=["preview"])

HEARTBEAT_SECONDS = 15.0
MONITOR_SEND_TIMEOUT = 10.0
STATUS_REFRESH_SECONDS = 1.0


def destination_targets(session: Session, secrets: SecretBox, ids: list[int]) -> list[Target]:
    """Active destinations by id, with decrypted keys; 404 naming any unknown or inactive id."""
    rows = {d.id: d for d in session.scalars(select(Destination).where(Destination.id.in_(ids)))}
    unknown = [i for i in ids if i not in rows]
    inactive = [i for i in ids if i in rows and not rows[i].is_active]
    if unknown or inactive:
        parts = []
        if unknown:
            parts.append(f"unknown destination id(s) {unknown}")
        if inactive:
            parts.append(f"inactive destination(s) {[rows[i].name for i in inactive]} (activate them first)")
        raise ApiError(404, "No valid destinations: " + "; ".join(parts) + ".", unknown_ids=unknown,
                       inactive_ids=inactive)
    targets = []
    for position, destination_id in enumerate(dict.fromkeys(ids)):
        dest = rows[destination_id]
        key = secrets.decrypt(dest.stream_key_encrypted) if dest.stream_key_encrypted else ""
        if not key and dest.platform != "custom":
            raise FieldError(["destination_ids", position],
                             f"'{dest.name}' has no stream key: add it under Destinations before going live")
        url = f"{dest.rtmp_url.rstrip('/')}/{key}" if key else dest.rtmp_url
        targets.append(Target(dest.id, dest.name, dest.platform, url, key))
    return targets


@router.post("/start", response_model=PreviewStarted, responses={
    404: {"description": "Timeline not found"}, 409: {"description": "A preview is already running"},
    503: {"description": "The preview engine cannot serve"}})
def start_preview(body: PreviewStart, session: DbSession, stream_router: Router, by: Actor) -> dict[str, Any]:
    timeline = session.scalar(select(Timeline).where(Timeline.id == body.timeline_id)
                              .options(selectinload(Timeline.cues)))
    if timeline is None:
        raise ApiError(404, f"Timeline {body.timeline_id} not found.")
    spec = spec_from_model(timeline)
    camera_ids = {shot.camera_id for shot in spec.shots}
    cameras = {c.id: CameraSpec(c.id, c.name, c.type, c.url)
               for c in session.scalars(select(Camera).where(Camera.id.in_(camera_ids), Camera.enabled.is_(True)))}
    disabled = sorted(camera_ids - set(cameras))
    if disabled:
        raise FieldError(["timeline_id"], f"timeline '{timeline.name}' uses disabled or deleted camera(s) "
                                          f"{disabled}: enable them or change the timeline")
    return stream_router.start(spec, cameras, by=by)


@router.post("/stop", response_model=PreviewStopped, responses={400: {"description": "No preview is running"}})
def stop_preview(stream_router: Router, by: Actor) -> dict[str, Any]:
    return stream_router.stop(by=by)


@router.post("/go-live", response_model=WentLive, responses={
    400: {"description": "Not in preview"}, 404: {"description": "No valid destinations"},
    502: {"description": "No destination accepted the stream; still in preview"}})
def go_live(body: GoLive, session: DbSession, secrets: Secrets, stream_router: Router, by: Actor) -> dict[str, Any]:
    stream_router.check_can_go_live()
    return stream_router.go_live(destination_targets(session, secrets, body.destination_ids), by=by)


@router.post("/stop-live", response_model=ModeChanged, responses={400: {"description": "Not live"}})
def stop_live(stream_router: Router, by: Actor) -> dict[str, Any]:
    return stream_router.stop_live(by=by)


@router.post("/destinations", response_model=ModeChanged, responses={
    400: {"description": "Not live"}, 404: {"description": "Unknown destination"},
    409: {"description": "Already live on it"}, 502: {"description": "Could not connect"}})
def change_destinations(body: DestinationChange, session: DbSession, secrets: Secrets,
                        stream_router: Router, by: Actor) -> dict[str, Any]:
    """Add and/or remove destinations while live, without touching the others."""
    stream_router.check_live()
    result: dict[str, Any] = {}
    if body.remove:
        result = stream_router.remove_destinations(body.remove, by=by)
    if body.add:
        added = stream_router.add_destinations(destination_targets(session, secrets, body.add), by=by)
        if result:
            added["message"] = f"{result['message']}. {added['message']}"
        result = added
    return result


@router.get("/status", response_model=PreviewStatus)
def preview_status(stream_router: Router) -> dict[str, Any]:
    return stream_router.status()


@router.get("/health", response_model=PreviewHealth, responses={503: {"model": PreviewHealth}})
def preview_health(stream_router: Router) -> Any:
    healthy, body = stream_router.health()
    return body if healthy else JSONResponse(body, status_code=503)


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "`status` events"}})
async def preview_events(request: Request, stream_router: Router) -> StreamingResponse:
    """Server-sent events: a `status` event (same body as GET /status) on every change, at most 1/s while
    running, and a comment heartbeat every 15 s."""
    hub: StatusHub = request.app.state.hub

    async def stream() -> AsyncIterator[str]:
        changed = hub.listen()
        last, last_sent = "", 0.0
        loop = asyncio.get_running_loop()
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                status = PreviewStatus.model_validate(stream_router.status()).model_dump(mode="json")
                payload = json.dumps(status, separators=(",", ":"))
                if payload != last:
                    last, last_sent = payload, loop.time()
                    yield f"id: {hub.version}\nevent: status\ndata: {payload}\n\n"
                elif loop.time() - last_sent > HEARTBEAT_SECONDS:
                    last_sent = loop.time()
                    yield ": heartbeat\n\n"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), STATUS_REFRESH_SECONDS)
                changed.clear()
        finally:
            hub.unlisten(changed)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.websocket("/monitor")
async def low_latency_monitor(websocket: WebSocket) -> None:
    """Low-latency monitor: a JSON `hello` text message (`mime`, `codec`, size, `run_id`), then binary
    fragmented MP4 of the program's video — the init segment, then one fragment per frame — for Media
    Source Extensions. Closed with code 4409 when no preview runs and 1000 when the preview stops."""
    stream_router: StreamRouter = websocket.app.state.router
    await websocket.accept()
    try:
        viewer, run_id = stream_router.monitor_viewer()
    except RouterError as exc:
        await websocket.close(code=4409, reason=exc.detail[:120])
        return
    try:
        hello = viewer.hello
        await websocket.send_json({"mime": hello.mime(), "codec": hello.codec, "width": hello.width,
                                   "height": hello.height, "fps": hello.fps, "run_id": run_id})
        while True:
            chunk = await asyncio.to_thread(viewer.next_chunk)
            if chunk is None:
                await websocket.close(code=1000, reason="The preview stopped.")
                return
            if chunk:
                # A viewer that takes this long to accept one frame is gone or hopelessly behind.
                await asyncio.wait_for(websocket.send_bytes(chunk), MONITOR_SEND_TIMEOUT)
    except (WebSocketDisconnect, TimeoutError, RuntimeError, OSError):
        pass  # the viewer left (or stalled); nothing else depends on it
    finally:
        viewer.close()


@router.get("/clock")
def server_clock() -> dict[str, float]:
    """The server's wall clock (epoch seconds): the browser latency meter corrects its own clock with it."""
    return {"now": time.time()}


@router.get("/events/history", response_model=list[PreviewEventOut])
def preview_event_history(session: DbSession, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                          timeline_id: int | None = None) -> list[PreviewEvent]:
    """The audit trail, newest first."""
    query = select(PreviewEvent).order_by(PreviewEvent.id.desc()).limit(limit)
    if timeline_id is not None:
        query = query.where(PreviewEvent.timeline_id == timeline_id)
    return list(session.scalars(query))


_FILE = re.compile(r"^(index\.m3u8|seg\d{6}\.ts)$")
BLOCKING_RELOAD_SECONDS = 3.0  # three target durations, as LL-HLS asks of a server
_PLAYLIST_POLL = 0.02


@files.get("/preview/{run_id}/{name}", include_in_schema=False)
async def preview_file(run_id: str, name: str, stream_router: Router,
                       msn: Annotated[int | None, Query(alias="_HLS_msn", ge=0)] = None) -> Response:
    """HLS files of the running preview. The playlist is never cached; segments never change. A playlist
    request is held until the first playlist exists, and with `_HLS_msn=N` until segment N is listed
    (blocking playlist reload)."""
    if not _FILE.match(name):
        raise ApiError(404, f"{name} is not a preview file.")
    if name == PLAYLIST:
        return await _playlist(stream_router, run_id, msn)
    path = _current_hls(stream_router, run_id).dir / name
    if path.is_file():  # segments are renamed into place complete and never change
        return FileResponse(path, media_type="video/mp2t", headers={"Cache-Control": "public, max-age=300, immutable"})
    raise ApiError(404, f"{name} is not available (yet, or any more).")


def _current_hls(stream_router: StreamRouter, run_id: str) -> HlsOutput:
    hls = stream_router.hls
    if hls is None or run_id != hls.run_id:
        raise ApiError(404, "No such preview file: the preview was stopped or restarted. Reload the player.")
    return hls


async def _playlist(stream_router: StreamRouter, run_id: str, msn: int | None) -> Response:
    deadline = time.monotonic() + BLOCKING_RELOAD_SECONDS
    while True:
        latest = _current_hls(stream_router, run_id).read_playlist()
        expired = time.monotonic() >= deadline
        if latest is not None:
            if msn is not None and msn > latest.last_sequence + 2:
                raise ApiError(400, f"_HLS_msn: segment {msn} is too far ahead; the playlist ends at "
                                    f"{latest.last_sequence}.")
            if msn is None or latest.last_sequence >= msn or expired:
                return Response(latest.text, media_type="application/vnd.apple.mpegurl",
                                headers={"Cache-Control": "no-cache, no-store, must-revalidate"})
        elif expired:
            raise ApiError(404, f"{PLAYLIST} is not available yet: the preview is still starting.")
        await asyncio.sleep(_PLAYLIST_POLL)
