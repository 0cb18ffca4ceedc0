"""/api/timelines — timelines with their cues (camera shots and overlays), replaced as a whole."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response
from sqlalchemy import select

from vistterstream.api.deps import DbSession, Router
from vistterstream.api.errors import ApiError, FieldError
from vistterstream.api.schemas import CameraCue, CueIn, CueOut, TimelineCreate, TimelineOut, TimelineUpdate
from vistterstream.store.models import Camera, Timeline, TimelineCue

router = APIRouter(prefix="/api/timelines", tags=["timelines"])


def timeline_out(timeline: Timeline) -> TimelineOut:
    cues = [
        CueOut(id=c.id, position=c.position, track=c.track, action=c.action,
               camera_id=c.camera_id, start=c.start, duration=c.duration,
               transition=c.transition, transition_duration=c.transition_duration,
               params=c.params)
        for c in timeline.cues
    ]
    return TimelineOut(
        id=timeline.id, name=timeline.name, width=timeline.width, height=timeline.height, fps=timeline.fps,
        quality=timeline.quality, loop=timeline.loop,
        duration=sum(c.duration or 0 for c in timeline.cues if c.track == "video"),
        cues=cues, created_at=timeline.created_at, updated_at=timeline.updated_at,
    )


def get_timeline(session: DbSession, timeline_id: int) -> Timeline:
    timeline = session.get(Timeline, timeline_id)
    if timeline is None:
        raise ApiError(404, f"Timeline {timeline_id} not found.")
    return timeline


def build_cues(session: DbSession, cues: Sequence[CueIn]) -> list[TimelineCue]:
    """Turn validated cue bodies into rows, checking that every referenced camera exists."""
    wanted = {c.camera_id for c in cues if isinstance(c, CameraCue)}
    known = set(session.scalars(select(Camera.id).where(Camera.id.in_(wanted)))) if wanted else set()
    rows = []
    for index, cue in enumerate(cues):
        if isinstance(cue, CameraCue):
            if cue.camera_id not in known:
                raise FieldError(["cues", index, "camera_id"], f"camera {cue.camera_id} does not exist")
            rows.append(TimelineCue(position=index, track="video", action=cue.action, camera_id=cue.camera_id,
                                    start=0.0, duration=cue.duration, transition=cue.transition,
                                    transition_duration=cue.transition_duration if cue.transition == "fade" else 0.0,
                                    params={}))
        else:
            rows.append(TimelineCue(position=index, track="overlay", action=cue.action, camera_id=None,
                                    start=cue.start, duration=cue.duration, transition="cut",
                                    transition_duration=0.0, params=cue.params.model_dump(mode="json")))
    return rows


@router.get("", response_model=list[TimelineOut])
def list_timelines(session: DbSession) -> list[TimelineOut]:
    return [timeline_out(t) for t in session.scalars(select(Timeline).order_by(Timeline.id))]


@router.post("", response_model=TimelineOut, status_code=201)
def create_timeline(body: TimelineCreate, session: DbSession) -> TimelineOut:
    timeline = Timeline(name=body.name, width=body.width, height=body.height, fps=body.fps,
                        quality=body.quality, loop=body.loop, cues=build_cues(session, body.cues))
    session.add(timeline)
    session.commit()
    return timeline_out(timeline)


@router.get("/{timeline_id}", response_model=TimelineOut)
def read_timeline(timeline_id: int, session: DbSession) -> TimelineOut:
    return timeline_out(get_timeline(session, timeline_id))


@router.put("/{timeline_id}", response_model=TimelineOut)
def update_timeline(timeline_id: int, body: TimelineUpdate, session: DbSession) -> TimelineOut:
    timeline = get_timeline(session, timeline_id)
    if body.cues is not None:
        timeline.cues = build_cues(session, body.cues)
    for field in ("name", "width", "height", "fps", "quality", "loop"):
        value = getattr(body, field)
        if value is not None:
            setattr(timeline, field, value)
    session.commit()
    session.refresh(timeline)
    return timeline_out(timeline)


@router.delete("/{timeline_id}", status_code=204, response_class=Response)
def delete_timeline(timeline_id: int, session: DbSession, stream_router: Router) -> Response:
    timeline = get_timeline(session, timeline_id)
    stream_router.check_not_in_use(timeline_id=timeline_id)
    session.delete(timeline)
    session.commit()
    return Response(status_code=204)
