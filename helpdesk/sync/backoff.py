"""Exponential backoff with jitter: after n failures wait a random time in
[d/2, d] with d = min(cap, base·2ⁿ), so many kiosks coming back online do not
hit the registry in step."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: Callable[[], float] = random.random) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng

    def next(self) -> float:
        """The wait after one more failure."""
        ceiling: float = min(self.cap, self.base * 2.0 ** min(self.failures, 32))
        self.failures += 1
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self) -> None:
        self.failures = 0
