"""When to try again: exponential backoff with jitter, never sooner than the provider's
Retry-After."""

from __future__ import annotations

import random


def backoff_seconds(attempts: int, base: float, cap: float, retry_after: float | None = None,
                    rng: random.Random | None = None) -> float:
    """Delay before attempt `attempts + 1`: base·2^(attempts-1), capped, with "equal
    jitter" (between half and all of it), so retries of many messages spread out."""
    rng = rng or random
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    delay = delay / 2 + rng.uniform(0, delay / 2)
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay
