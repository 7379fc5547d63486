"""The health verdict on a heartbeat: pure, so every case is a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.config import WorkerConfig
from syncer.shell.health import assess, default_max_age, parse_duration
from syncer.shell.state import Heartbeat

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
MAX = timedelta(minutes=35)


def ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("beat", "healthy", "reason"),
    [
        (None, False, "no cycle recorded yet"),
        (
            Heartbeat(last_cycle=ago(1), last_error="sync: exit status 3", last_error_at=ago(1)),
            False,
            "no cycle has succeeded yet; last error 60 s ago: sync: exit status 3",
        ),
        (
            Heartbeat(last_cycle=ago(5), last_success=ago(5), next_due=NOW),
            True,
            "ok: last successful cycle 5 min ago, next due 2026-11-27 12:00:00 UTC",
        ),
        (
            Heartbeat(
                last_cycle=ago(1), last_success=ago(50), last_error="x", last_error_at=ago(1)
            ),
            False,
            "stale: last successful cycle 50 min ago (limit 35 min); last error 60 s ago: x",
        ),
        (
            # An error older than the last success is history, not news.
            Heartbeat(last_cycle=ago(2), last_success=ago(2), last_error="x", last_error_at=ago(9)),
            True,
            "ok: last successful cycle 2 min ago",
        ),
    ],
)
def test_health_is_a_recent_success(beat: Heartbeat | None, healthy: bool, reason: str) -> None:
    verdict = assess(beat, now=NOW, max_age=MAX)
    assert (verdict.healthy, verdict.reason) == (healthy, reason)


def test_durations_and_the_default_age() -> None:
    assert [parse_duration(t) for t in ("90s", "15m", "2h", "1d")] == [
        timedelta(seconds=90),
        timedelta(minutes=15),
        timedelta(hours=2),
        timedelta(days=1),
    ]
    for bad in ("", "15", "0m", "1w", "-5m"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)
    assert default_max_age(WorkerConfig(sync_every_minutes=15)) == timedelta(minutes=35)
