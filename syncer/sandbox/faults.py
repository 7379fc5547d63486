"""Injected faults: which requests they hit and how many times.

A ``Fault`` matches by HTTP method and a path regex (``re.search``), and applies either to the next
``times`` matching requests or, with ``probability``, to each matching request with that chance
(seeded, so a run repeats). The ``Sandbox`` decides what each kind does to a request.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from enum import Enum


class FaultKind(Enum):
    LATENCY = "latency"
    """Sleep ``latency_ms`` before handling; the request then proceeds normally."""
    STATUS = "status"
    """Answer ``status`` (500, 502, 503...) with the service's error body; nothing is done."""
    RATE_LIMIT = "rate_limit"
    """Jira: 429 with ``Retry-After``; GitHub: 403 secondary rate limit with ``retry-after``."""
    LOST_RESPONSE = "lost_response"
    """Do the work, then close the connection without sending the response."""
    DROPPED = "dropped"
    """Close the connection at once: nothing is done, nothing is answered."""


@dataclass
class Fault:
    """One switchable fault; ``remaining`` counts down, ``hits`` counts up."""

    kind: FaultKind
    method: str | None = None
    path: str = ""
    times: int | None = 1
    probability: float | None = None
    seed: int | None = None
    status: int = 503
    latency_ms: int = 0
    retry_after: int = 1
    hits: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)
        self._random = random.Random(self.seed)  # noqa: S311 - fault dice, not cryptography
        if self.probability is not None:
            self.times = None

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        if self.spent:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self._pattern.search(path) is None:
            return False
        return self.probability is None or self._random.random() < self.probability


class FaultPlan:
    """The active faults; thread-safe, since requests arrive on many threads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> list[Fault]:
        """The faults this request triggers (each counted as hit), oldest first."""
        with self._lock:
            hit = [fault for fault in self._faults if fault.matches(method, path)]
            for fault in hit:
                fault.hits += 1
            self._faults = [fault for fault in self._faults if not fault.spent]
            return hit
