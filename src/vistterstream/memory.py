"""Give memory back to the operating system after a program stops."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)


def release_free_memory() -> None:
    """Collect garbage, then ask glibc to return freed heap pages (malloc_trim).

    A stopped program frees tens of MB of encoder state and frame buffers, but glibc keeps freed pages
    mapped in its arenas, so without this the app's RSS ratchets up with every preview restart. A no-op
    where there is no glibc (macOS, musl).
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
