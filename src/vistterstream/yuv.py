"""Helpers for yuv420p frames held as one numpy array of shape (h * 3 / 2, w), as PyAV lays them out."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

Array = npt.NDArray[np.uint8]
Planes = tuple[Array, Array, Array]


def rgb_to_yuv(r: int, g: int, b: int) -> tuple[int, int, int]:
    """BT.601 limited range, which is what libx264 and players assume for SD/HD by default."""
    y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
    u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
    v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
    return round(y), round(u), round(v)


def hex_to_rgba(color: str) -> tuple[int, int, int, int]:
    color = color.lstrip("#")
    alpha = int(color[6:8], 16) if len(color) == 8 else 255
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16), alpha


def solid(width: int, height: int, rgb: tuple[int, int, int]) -> Array:
    frame = np.empty((height * 3 // 2, width), np.uint8)
    y, u, v = planes(frame)
    cy, cu, cv = rgb_to_yuv(*rgb)
    y[:], u[:], v[:] = cy, cu, cv
    return frame


def planes(frame: Array) -> Planes:
    """Views of the Y, U and V planes inside a packed yuv420p array (writes go to `frame`)."""
    height = frame.shape[0] * 2 // 3
    width = frame.shape[1]
    chroma = frame[height:].reshape(2, height // 2, width // 2)
    return frame[:height], chroma[0], chroma[1]


class YuvaPatch:
    """An RGBA image converted once to yuv420p with alpha, ready to be blended anywhere many times."""

    def __init__(self, image: Image.Image) -> None:
        rgba = image.convert("RGBA")
        if rgba.width % 2 or rgba.height % 2:
            padded = Image.new("RGBA", (rgba.width + rgba.width % 2, rgba.height + rgba.height % 2))
            padded.paste(rgba, (0, 0))
            rgba = padded
        self.width, self.height = rgba.size
        rgb = np.asarray(rgba.convert("RGB"), dtype=np.float32)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
        u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
        v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.uint16)
        self.y = y.round().astype(np.uint16)
        self.u = _half(u).round().astype(np.uint16)
        self.v = _half(v).round().astype(np.uint16)
        self.a = alpha
        self.a2 = _half(alpha.astype(np.float32)).round().astype(np.uint16)
        self.opaque = bool((alpha == 255).all())

    def blend_into(self, frame: Array, x: int, y: int) -> None:
        """Alpha-blend at (x, y) (rounded to even), clipped to the frame."""
        fy, fu, fv = planes(frame)
        x, y = x // 2 * 2, y // 2 * 2
        h, w = fy.shape
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + self.width, w), min(y + self.height, h)
        if x1 <= x0 or y1 <= y0:
            return
        px, py = x0 - x, y0 - y
        _blend(fy[y0:y1, x0:x1], self.y[py:py + y1 - y0, px:px + x1 - x0],
               self.a[py:py + y1 - y0, px:px + x1 - x0], self.opaque)
        cx0, cy0, cx1, cy1, cpx, cpy = x0 // 2, y0 // 2, x1 // 2, y1 // 2, px // 2, py // 2
        a2 = self.a2[cpy:cpy + cy1 - cy0, cpx:cpx + cx1 - cx0]
        _blend(fu[cy0:cy1, cx0:cx1], self.u[cpy:cpy + cy1 - cy0, cpx:cpx + cx1 - cx0], a2, self.opaque)
        _blend(fv[cy0:cy1, cx0:cx1], self.v[cpy:cpy + cy1 - cy0, cpx:cpx + cx1 - cx0], a2, self.opaque)


def _half(plane: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    total = plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]
    return (total / 4).astype(np.float32)


def _blend(dst: Array, src: npt.NDArray[np.uint16], alpha: npt.NDArray[np.uint16], opaque: bool) -> None:
    if opaque:
        dst[:] = src
        return
    mixed = (src * alpha + dst.astype(np.uint16) * (255 - alpha) + 127) // 255
    dst[:] = mixed.astype(np.uint8)


def crossfade(a: Array, b: Array, progress: float) -> Array:
    """(1 - p)·a + p·b in 8-bit fixed point; works on packed yuv420p since it is per-element."""
    weight = round(max(0.0, min(1.0, progress)) * 256)
    mixed = (a.astype(np.uint16) * (256 - weight) + b.astype(np.uint16) * weight) >> 8
    return mixed.astype(np.uint8)


def text_image(text: str, size: int, color: str = "#ffffff", background: str | None = None,
               pad: int | None = None) -> Image.Image:
    """Render one line of text with Pillow's bundled font (no system fonts needed)."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    pad = pad if pad is not None else max(4, size // 4)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    image = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad),
                      hex_to_rgba(background) if background else (0, 0, 0, 0))
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=hex_to_rgba(color))
    return image
