"""The machine-readable timestamp strip: a row of black/white cells along the top edge of a frame.

Layout (left to right, equal-width cells across the full width, height = frame height / 45):
2 marker cells (white, black), an 8-bit source tag, the capture time in ms modulo 2**32 (32 bits) and an
8-bit check value, most significant bit first. Cells are wide and full-contrast, so the strip survives
H.264 compression and any scaling; a reader samples the middle of each cell. The browser latency meter
(web/src/latency.ts) decodes the same layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TAG_BITS, TIME_BITS, CHECK_BITS = 8, 32, 8
CELLS = 2 + TAG_BITS + TIME_BITS + CHECK_BITS
SLATE_TAG = 0
WHITE, BLACK = 235, 16

Plane = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Stamp:
    tag: int
    time_ms: int  # modulo 2**32; use unwrap_ms() to get back to the full epoch time


def strip_height(frame_height: int) -> int:
    return max(8, round(frame_height / 45) // 2 * 2)


def _check(tag: int, ms32: int) -> int:
    total = tag + sum((ms32 >> shift) & 0xFF for shift in (0, 8, 16, 24))
    return (total ^ 0xA5) & 0xFF


def _bits(tag: int, ms32: int) -> list[int]:
    fields = ((tag, TAG_BITS), (ms32, TIME_BITS), (_check(tag, ms32), CHECK_BITS))
    return [1, 0] + [(value >> (width - 1 - i)) & 1 for value, width in fields for i in range(width)]


def _cell_edges(width: int) -> list[int]:
    return [round(i * width / CELLS) for i in range(CELLS + 1)]


def draw(planes: tuple[Plane, Plane, Plane], tag: int, time_ms: int) -> None:
    """Draw the strip into yuv420p planes (Y full size, U and V half size) in place."""
    y, u, v = planes
    height, width = y.shape
    rows = strip_height(height)
    ms32 = time_ms & 0xFFFFFFFF
    edges = _cell_edges(width)
    for i, bit in enumerate(_bits(tag & 0xFF, ms32)):
        y[:rows, edges[i]:edges[i + 1]] = WHITE if bit else BLACK
    u[: rows // 2, :] = 128
    v[: rows // 2, :] = 128


def read(y: Plane) -> Stamp | None:
    """Decode the strip from a luma plane of any size; None if absent or damaged."""
    height, width = y.shape
    rows = strip_height(height)
    band = y[rows // 4: max(rows // 4 + 1, rows * 3 // 4), :]
    edges = _cell_edges(width)
    bits = []
    for i in range(CELLS):
        left, right = edges[i], edges[i + 1]
        quarter = max(0, (right - left) // 4)
        cell = band[:, left + quarter: max(left + quarter + 1, right - quarter)]
        bits.append(1 if float(cell.mean()) > 125.0 else 0)
    if bits[:2] != [1, 0]:
        return None
    value = 0
    for bit in bits[2:]:
        value = (value << 1) | bit
    check = value & 0xFF
    ms32 = (value >> CHECK_BITS) & 0xFFFFFFFF
    tag = value >> (CHECK_BITS + TIME_BITS)
    if _check(tag, ms32) != check:
        return None
    return Stamp(tag, ms32)


def unwrap_ms(ms32: int, reference_ms: int) -> int:
    """The full epoch-ms value congruent to `ms32` that lies closest to `reference_ms`."""
    base = reference_ms - (reference_ms & 0xFFFFFFFF)
    candidates = (base - 2**32 + ms32, base + ms32, base + 2**32 + ms32)
    return min(candidates, key=lambda c: abs(c - reference_ms))
