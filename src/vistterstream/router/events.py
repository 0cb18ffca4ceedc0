"""Status-change fan-out to server-sent-event listeners.

This is the one crossing from worker threads (router, relays) to the asyncio loop: `notify()` may be
called from any thread and only ever schedules `asyncio.Event.set` on the loop with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import threading


class StatusHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.version = 0  # bumps on every change; SSE ids

    def listen(self) -> asyncio.Event:
        """Register the calling coroutine's loop; the returned event is set on every change."""
        event = asyncio.Event()
        with self._lock:
            self._listeners.add((asyncio.get_running_loop(), event))
        return event

    def unlisten(self, event: asyncio.Event) -> None:
        with self._lock:
            self._listeners = {(loop, e) for loop, e in self._listeners if e is not event}

    def notify(self) -> None:
        with self._lock:
            self.version += 1
            listeners = list(self._listeners)
        for loop, event in listeners:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)
