"""Timeline executor: a pure function from (timeline, t) to what the program shows at t.

It never opens or closes anything; the compositor asks it each tick and acts on the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vistterstream.store.models import Timeline


@dataclass(frozen=True)
class Shot:
    camera_id: int
    duration: float
    transition: str = "cut"  # how this shot enters: "cut" or "fade"
    transition_duration: float = 0.0


@dataclass(frozen=True)
class Overlay:
    kind: str  # "text" | "clock" | "image"
    start: float
    duration: float | None
    params: dict[str, Any] = field(default_factory=dict)
    index: int = 0  # stable identity for caching rendered overlays


@dataclass(frozen=True)
class TimelineSpec:
    id: int
    name: str
    width: int
    height: int
    fps: int
    quality: str
    loop: bool
    shots: tuple[Shot, ...]
    overlays: tuple[Overlay, ...] = ()

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.shots)


@dataclass(frozen=True)
class Plan:
    """What to show at one instant."""

    position: float  # seconds into the current pass (the UI playhead)
    loop_count: int
    shot_index: int
    camera_id: int | None
    fade_from: int | None  # camera fading out, when inside a fade
    fade_progress: float  # 0 → only fade_from, 1 → only camera_id
    next_camera_id: int | None  # the camera of the following shot, to open ahead of the cut
    overlays: tuple[Overlay, ...]
    ended: bool  # a non-looping timeline past its end holds its last shot


def spec_from_model(timeline: Timeline) -> TimelineSpec:
    shots, overlays = [], []
    for cue in timeline.cues:
        if cue.track == "video" and cue.camera_id is not None:
            shots.append(Shot(cue.camera_id, float(cue.duration or 0), cue.transition, cue.transition_duration))
        elif cue.track == "overlay":
            overlays.append(Overlay(cue.action, cue.start, cue.duration, dict(cue.params), index=cue.position))
    return TimelineSpec(timeline.id, timeline.name, timeline.width, timeline.height, timeline.fps,
                        timeline.quality, timeline.loop, tuple(shots), tuple(overlays))


def plan_at(spec: TimelineSpec, t: float) -> Plan:
    """The shot, fade state and overlays at `t` seconds since the program started."""
    total = spec.duration
    if not spec.shots or total <= 0:
        return Plan(0.0, 0, -1, None, None, 1.0, None, _overlays_at(spec, t), ended=False)
    t = max(0.0, t)
    if spec.loop:
        loop_count, position = divmod(t, total)
    elif t >= total:
        last = len(spec.shots) - 1
        return Plan(total, 0, last, spec.shots[last].camera_id, None, 1.0, None, _overlays_at(spec, total), True)
    else:
        loop_count, position = 0.0, t
    start = 0.0
    index = 0
    for index, shot in enumerate(spec.shots):  # noqa: B007 - index is used after the loop
        if position < start + shot.duration:
            break
        start += shot.duration
    shot = spec.shots[index]
    into = position - start
    fade_from, progress = None, 1.0
    if shot.transition == "fade" and shot.transition_duration > 0 and into < shot.transition_duration:
        previous = index - 1 if index > 0 else (len(spec.shots) - 1 if spec.loop and loop_count > 0 else None)
        if previous is not None:
            fade_from = spec.shots[previous].camera_id
            progress = into / shot.transition_duration
    following = index + 1 if index + 1 < len(spec.shots) else (0 if spec.loop else None)
    next_camera = spec.shots[following].camera_id if following is not None else None
    return Plan(position, int(loop_count), index, shot.camera_id, fade_from, progress, next_camera,
                _overlays_at(spec, position), False)


def _overlays_at(spec: TimelineSpec, position: float) -> tuple[Overlay, ...]:
    return tuple(o for o in spec.overlays
                 if o.start <= position and (o.duration is None or position < o.start + o.duration))
