"""The built-in `test` camera: solid colour, a moving box, the camera name, a clock, the timestamp strip.

URL: test://?color=RRGGBB&size=WxH&fps=N&tag=N (all optional). It is the offline demo camera and the
test fixture: the colour identifies the camera by pixel, the strip identifies it by tag and carries the
capture time for latency measurement.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import av

from vistterstream import yuv
from vistterstream.sources import strip
from vistterstream.sources.base import SourceReader


def parse_test_url(url: str, camera_id: int) -> tuple[tuple[int, int, int], int, int, int, int]:
    """(rgb, width, height, fps, tag) from a test:// URL, with defaults for anything missing or invalid."""
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    try:
        color = query.get("color", "3c3c8c").lstrip("#")
        rgb = (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))
    except ValueError:
        rgb = (60, 60, 140)
    try:
        width, height = (int(n) // 2 * 2 for n in query.get("size", "1280x720").lower().split("x"))
    except ValueError:
        width, height = 1280, 720
    fps = int(query["fps"]) if query.get("fps", "").isdigit() else 30
    tag = int(query["tag"]) & 0xFF if query.get("tag", "").isdigit() else (camera_id % 255) or 255
    return rgb, max(160, min(width, 3840)), max(120, min(height, 2160)), max(1, min(fps, 60)), tag


class TestPatternSource(SourceReader):
    kind = "test"

    def __init__(self, camera_id: int, name: str, url: str) -> None:
        super().__init__(camera_id, name, url)
        self.rgb, self.width, self.height, self.fps, self.tag = parse_test_url(url, camera_id)
        self._background = yuv.solid(self.width, self.height, self.rgb)
        size = max(16, self.height // 12)
        self._name_patch = yuv.YuvaPatch(yuv.text_image(name, size, background="#00000066"))
        self._clock_size = max(14, self.height // 16)
        self._clock_text = ""
        self._clock_patch: yuv.YuvaPatch | None = None
        self._box = yuv.YuvaPatch(yuv.text_image(" ", self.height // 8, background="#f0f0f0"))

    def render(self, now: float) -> av.VideoFrame:
        frame = self._background.copy()
        w, h = self.width, self.height
        self._name_patch.blend_into(frame, (w - self._name_patch.width) // 2, h // 3)
        clock_text = datetime.fromtimestamp(now).strftime("%H:%M:%S")
        if clock_text != self._clock_text or self._clock_patch is None:
            self._clock_text = clock_text
            self._clock_patch = yuv.YuvaPatch(yuv.text_image(clock_text, self._clock_size, background="#00000066"))
        self._clock_patch.blend_into(frame, (w - self._clock_patch.width) // 2, h // 3 + self._name_patch.height + 8)
        # A box sweeping left to right once every 4 s makes motion (and frozen frames) obvious.
        span = w - self._box.width
        phase = (now % 4.0) / 4.0
        self._box.blend_into(frame, int(span * (2 * phase if phase < 0.5 else 2 - 2 * phase)), h * 3 // 4)
        strip.draw(yuv.planes(frame), self.tag, int(now * 1000))
        return av.VideoFrame.from_ndarray(frame, format="yuv420p")

    def _frames(self) -> Iterator[av.VideoFrame]:
        interval = 1.0 / self.fps
        next_at = time.monotonic()
        while not self.stopping:
            yield self.render(time.time())
            next_at += interval
            delay = next_at - time.monotonic()
            if delay < -interval:  # fell behind (busy machine): skip ahead instead of bursting
                next_at = time.monotonic()
            elif delay > 0:
                time.sleep(delay)
