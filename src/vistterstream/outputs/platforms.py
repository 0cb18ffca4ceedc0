"""Streaming platform presets: ingest URLs and where operators find their stream keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    platform: str
    label: str
    rtmp_url: str
    key_help: str


PLATFORMS: dict[str, Platform] = {
    p.platform: p
    for p in (
        Platform("youtube", "YouTube", "rtmp://a.rtmp.youtube.com/live2",
                 "YouTube Studio → Go live → Stream → Stream key."),
        Platform("facebook", "Facebook", "rtmps://live-api-s.facebook.com:443/rtmp/",
                 "Facebook Live Producer → Streaming software → Stream key."),
        Platform("twitch", "Twitch", "rtmp://live.twitch.tv/app",
                 "Twitch Creator Dashboard → Settings → Stream → Primary Stream key."),
        Platform("custom", "Custom RTMP/RTMPS server", "",
                 "The server's documentation; some servers need no key."),
    )
}


def label(platform: str) -> str:
    return PLATFORMS[platform].label if platform in PLATFORMS else platform
