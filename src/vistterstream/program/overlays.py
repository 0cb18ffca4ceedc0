"""Overlay and slate rendering with Pillow, cached as YUVA patches and blended into program frames."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PIL import Image

from vistterstream import yuv
from vistterstream.program.timeline import Overlay
from vistterstream.sources import strip

logger = logging.getLogger(__name__)


ANCHORS = {
    "top-left": ("top", "left"), "top": ("top", "center"), "top-right": ("top", "right"),
    "left": ("center", "left"), "center": ("center", "center"), "right": ("center", "right"),
    "bottom-left": ("bottom", "left"), "bottom": ("bottom", "center"), "bottom-right": ("bottom", "right"),
}


def anchor_xy(anchor: str, frame_w: int, frame_h: int, w: int, h: int) -> tuple[int, int]:
    """Top-left corner for a patch of w×h placed at `anchor` with a 3 % safe margin."""
    margin = round(frame_h * 0.03)
    vertical, horizontal = ANCHORS.get(anchor, ANCHORS["top-left"])
    x = {"left": margin, "right": frame_w - w - margin}.get(horizontal, (frame_w - w) // 2)
    y = {"top": margin, "bottom": frame_h - h - margin}.get(vertical, (frame_h - h) // 2)
    return x, y


class OverlayRenderer:
    """Renders each overlay once (clocks once per displayed second) and blends it each frame."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.scale = height / 1080
        self._cache: dict[tuple[int, str], yuv.YuvaPatch | None] = {}
        self.errors: dict[int, str] = {}

    def _patch(self, overlay: Overlay, now: float) -> yuv.YuvaPatch | None:
        p = overlay.params
        if overlay.kind == "clock":
            key = (overlay.index, datetime.fromtimestamp(now).strftime(str(p.get("format", "%H:%M:%S"))))
        else:
            key = (overlay.index, "")
        if key not in self._cache:
            if overlay.kind == "clock":
                self._cache = {k: v for k, v in self._cache.items() if k[0] != overlay.index}
            self._cache[key] = self._render(overlay, key[1])
        return self._cache[key]

    def _render(self, overlay: Overlay, clock_text: str) -> yuv.YuvaPatch | None:
        p = overlay.params
        size = max(8, round(int(p.get("size", 40)) * self.scale))
        if overlay.kind in ("text", "clock"):
            text = clock_text if overlay.kind == "clock" else str(p.get("text", ""))
            return yuv.YuvaPatch(yuv.text_image(text, size, str(p.get("color", "#ffffff")), p.get("background")))
        if overlay.kind == "image":
            return self._image(overlay)
        return None

    def _image(self, overlay: Overlay) -> yuv.YuvaPatch | None:
        p = overlay.params
        path = Path(str(p.get("path", "")))
        try:
            with Image.open(path) as source:
                image = source.convert("RGBA")
        except (OSError, ValueError) as exc:
            self.errors[overlay.index] = f"image overlay {path} cannot be loaded: {exc}"
            logger.warning("%s", self.errors[overlay.index])
            return None
        if p.get("width"):
            width = max(2, round(int(p["width"]) * self.scale))
            image = image.resize((width, max(2, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        opacity = float(p.get("opacity", 1.0))
        if opacity < 1.0:
            image.putalpha(image.getchannel("A").point(lambda a: round(a * opacity)))
        return yuv.YuvaPatch(image)

    def apply(self, frame: yuv.Array, overlays: tuple[Overlay, ...], now: float) -> None:
        for overlay in overlays:
            patch = self._patch(overlay, now)
            if patch is not None:
                x, y = anchor_xy(str(overlay.params.get("position", "top-left")), self.width, self.height,
                                 patch.width, patch.height)
                patch.blend_into(frame, x, y)


class Slate:
    """'Camera X unavailable — reconnecting' on dark grey, stamped with the slate tag for tests/metering."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._frames: dict[str, yuv.Array] = {}

    def frame(self, camera_name: str, now: float) -> yuv.Array:
        if camera_name not in self._frames:
            base = yuv.solid(self.width, self.height, (24, 24, 28))
            title = yuv.YuvaPatch(yuv.text_image(f"{camera_name} unavailable", max(16, self.height // 14)))
            sub = yuv.YuvaPatch(yuv.text_image("reconnecting…", max(12, self.height // 24), "#bbbbbb"))
            title.blend_into(base, (self.width - title.width) // 2, self.height // 2 - title.height)
            sub.blend_into(base, (self.width - sub.width) // 2, self.height // 2 + 8)
            self._frames[camera_name] = base
        out = self._frames[camera_name].copy()
        strip.draw(yuv.planes(out), strip.SLATE_TAG, int(now * 1000))
        return out
