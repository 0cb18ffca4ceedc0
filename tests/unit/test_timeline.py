import pytest

from vistterstream.program.timeline import Overlay, Shot, TimelineSpec, plan_at


def spec(loop: bool = True) -> TimelineSpec:
    return TimelineSpec(
        1, "t", 1280, 720, 30, "medium", loop,
        shots=(Shot(1, 4), Shot(2, 4, "fade", 1.0), Shot(3, 2)),
        overlays=(Overlay("text", 0, None, {"text": "hi"}, 0), Overlay("clock", 3, 2, {}, 1)),
    )


def test_cuts_and_positions() -> None:
    s = spec()
    assert plan_at(s, 0).camera_id == 1 and plan_at(s, 0).next_camera_id == 2
    assert plan_at(s, 3.99).camera_id == 1
    assert plan_at(s, 8.5).camera_id == 3 and plan_at(s, 8.5).next_camera_id == 1
    assert plan_at(s, 8.5).position == pytest.approx(8.5)


def test_fade_progress() -> None:
    plan = plan_at(spec(), 4.25)
    assert plan.camera_id == 2 and plan.fade_from == 1 and plan.fade_progress == pytest.approx(0.25)
    after = plan_at(spec(), 5.01)
    assert after.fade_from is None and after.fade_progress == 1.0


def test_loop_wraps_and_counts() -> None:
    plan = plan_at(spec(), 10 + 4.5)
    assert plan.loop_count == 1 and plan.position == pytest.approx(4.5) and plan.fade_from == 1
    assert plan_at(spec(), 20.1).camera_id == 1 and plan_at(spec(), 20.1).loop_count == 2


def test_non_loop_holds_last_shot() -> None:
    plan = plan_at(spec(loop=False), 25)
    assert plan.ended and plan.camera_id == 3 and plan.position == 10 and plan.next_camera_id is None


def test_overlay_windows() -> None:
    kinds = lambda t: [o.kind for o in plan_at(spec(), t).overlays]  # noqa: E731
    assert kinds(1) == ["text"]
    assert kinds(3.5) == ["text", "clock"]
    assert kinds(5.5) == ["text"]


def test_empty_timeline_shows_nothing() -> None:
    empty = TimelineSpec(1, "e", 640, 360, 30, "low", True, shots=())
    assert plan_at(empty, 3).camera_id is None
