"""Reconnect pacing shared by camera readers and live relays: exponential, jittered, capped."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, start: float, cap: float, *, factor: float = 1.5, jitter: float = 0.2,
                  rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1-based, counting consecutive failures): start, start·factor, …
    capped at `cap`, each spread by ±jitter so many clients do not retry in lock-step."""
    base = min(cap, start * factor ** max(0, attempt - 1))
    return base * (rng or random).uniform(1 - jitter, 1 + jitter)
