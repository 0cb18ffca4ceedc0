"""Demo data for a first start: offline test-pattern cameras, a looping demo show, a local receiver."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vistterstream.store.models import Camera, Destination, Timeline, TimelineCue
from vistterstream.store.secrets import SecretBox

logger = logging.getLogger(__name__)

LOCAL_RECEIVER_URL = "rtmp://127.0.0.1:1936/live"
LOCAL_RECEIVER_KEY = "test"


def is_empty(session: Session) -> bool:
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (Camera, Destination, Timeline)]
    return not any(counts)


def load_demo_data(session: Session, secrets: SecretBox) -> None:
    """Fill an empty database with a demo that works with no network and no real cameras."""
    harbor = Camera(name="Harbor Cam", type="test", url="test://?color=1f5fa8")
    beach = Camera(name="Beach Cam", type="test", url="test://?color=c8782a")
    pier = Camera(name="Pier Cam", type="test", url="test://?color=2e8b57")
    session.add_all([harbor, beach, pier])
    session.flush()
    cues = [
        TimelineCue(position=0, track="video", action="show_camera", camera_id=harbor.id, duration=8.0,
                    transition="cut", transition_duration=0.0, params={}),
        TimelineCue(position=1, track="video", action="show_camera", camera_id=beach.id, duration=8.0,
                    transition="fade", transition_duration=1.0, params={}),
        TimelineCue(position=2, track="video", action="show_camera", camera_id=pier.id, duration=8.0,
                    transition="cut", transition_duration=0.0, params={}),
        TimelineCue(position=3, track="overlay", action="text", start=0.0, duration=None,
                    params={"text": "VistterStream demo", "position": "bottom-left", "size": 48,
                            "color": "#ffffff", "background": "#00000099"}),
        TimelineCue(position=4, track="overlay", action="clock", start=0.0, duration=None,
                    params={"format": "%H:%M:%S", "position": "top-right", "size": 40,
                            "color": "#ffffff", "background": "#00000099"}),
    ]
    session.add(Timeline(name="Demo show", width=1280, height=720, fps=30, quality="medium", loop=True, cues=cues))
    session.add(Destination(name="Local test receiver", platform="custom", rtmp_url=LOCAL_RECEIVER_URL,
                            stream_key_encrypted=secrets.encrypt(LOCAL_RECEIVER_KEY), stream_key_hint=None,
                            is_active=True))
    session.commit()
    logger.info("loaded demo data: 3 test cameras, timeline 'Demo show', destination 'Local test receiver'")
