"""Whether the scheduled worker is alive: a pure verdict on the heartbeat state recorded.

``syncer health`` (the container HEALTHCHECK and the Kubernetes liveness probe) reads the
heartbeat and asks ``assess``: healthy when a cycle completed within ``max_age``. Health is
about the worker, not the trackers: a cycle that ran while Jira was down completed (the worker
is alive and will catch up), so a liveness probe does not restart a pod that works; the verdict
names the outage. A worker that is stuck, crashing, refused by its own guard (no documents: an
unmounted volume) or never finishing is unhealthy.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from syncer.config import WorkerConfig
from syncer.model import Frozen
from syncer.shell.state.base import Heartbeat

REFUSED = "refused: "
"""How a heartbeat's error starts when the cycle refused to run (``ConfigError``: no documents
in the sources, a configuration it cannot use): unhealthy at once, since waiting does not
mend it; other failures are judged by the age of the last success."""

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Health(Frozen):
    """The verdict and the one line that explains it."""

    healthy: bool
    reason: str


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d`` -> timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a duration such as 90s, 15m, 2h or 1d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def default_max_age(config: WorkerConfig) -> timedelta:
    """Two sync intervals and five minutes: one slow or failed cycle is not yet unhealthy."""
    return timedelta(minutes=2 * config.sync_every_minutes + 5)


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _ago(delta: timedelta) -> str:
    return _span(delta) + " ago"


def assess(beat: Heartbeat | None, *, now: datetime, max_age: timedelta) -> Health:
    """Healthy when the last successful cycle ended at most ``max_age`` before ``now``."""
    if beat is None or beat.last_cycle is None:
        return Health(healthy=False, reason="no cycle recorded yet")
    error = ""
    if (
        beat.last_error
        and beat.last_error_at
        and (beat.last_success is None or beat.last_error_at >= beat.last_success)
    ):
        error = f"; last error {_ago(now - beat.last_error_at)}: {beat.last_error}"
    if beat.last_success is None:
        return Health(healthy=False, reason=f"no cycle has succeeded yet{error}")
    if error and beat.last_error and beat.last_error.startswith(REFUSED):
        return Health(healthy=False, reason=f"the last cycle was {beat.last_error}")
    age = now - beat.last_success
    if age > max_age:
        return Health(
            healthy=False,
            reason=f"stale: last successful cycle {_ago(age)} (limit {_span(max_age)}){error}",
        )
    due = f", next due {beat.next_due:%Y-%m-%d %H:%M:%S %Z}" if beat.next_due else ""
    return Health(healthy=True, reason=f"ok: last successful cycle {_ago(age)}{due}{error}")
