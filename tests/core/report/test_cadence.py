"""``delivery_due``: once per period at a local time, whatever the number of runs."""

from __future__ import annotations

import datetime as dt

import pytest

from syncer.core.report.cadence import Cadence, delivery_due, latest_slot, next_slot

WEEKLY = Cadence(every="weekly", day="monday", at=dt.time(9, 0), timezone="Europe/Berlin")
DAILY = Cadence(every="daily", at=dt.time(9, 0), timezone="Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC) - dt.timedelta(hours=1)


def deliveries(cadence: Cadence, runs: list[dt.datetime]) -> list[dt.datetime]:
    """Which of ``runs`` deliver, with state remembering the last delivery."""
    last: dt.datetime | None = None
    delivered = []
    for now in runs:
        if delivery_due(cadence, last=last, now=now):
            delivered.append(now)
            last = now
    return delivered


def test_every_fifteen_minutes_for_three_weeks_delivers_once_a_week_on_time() -> None:
    # Monday 2026-11-02 00:00 Berlin, a run every 15 minutes until Sunday 2026-11-22.
    start = berlin(2, 0)
    runs = [start + dt.timedelta(minutes=15 * i) for i in range(21 * 96)]
    # The first run delivers (never delivered before); then each Monday at 09:00 exactly.
    assert deliveries(WEEKLY, runs) == [start, berlin(2, 9), berlin(9, 9), berlin(16, 9)]


def test_a_missed_slot_is_made_up_by_the_next_run_and_not_again() -> None:
    # Delivered last week; the machine was off Monday morning; it runs again Tuesday 14:10.
    last = berlin(2, 9)
    runs = [berlin(10, 14, 10), berlin(10, 14, 25), berlin(12, 8)]
    delivered = []
    for now in runs:
        if delivery_due(WEEKLY, last=last, now=now):
            delivered.append(now)
            last = now
    assert delivered == [berlin(10, 14, 10)]


def test_daily_and_every_run() -> None:
    runs = [berlin(2, h) for h in range(0, 24, 2)] + [berlin(3, h) for h in range(0, 24, 2)]
    assert deliveries(DAILY, runs) == [berlin(2, 0), berlin(2, 10), berlin(3, 10)]
    every = Cadence(every="every-run")
    assert deliveries(every, runs) == runs


def test_slots_keep_the_local_time_across_daylight_saving() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: Monday 09:00 is 07:00 UTC before, 08:00 after.
    before = latest_slot(WEEKLY, dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC))
    after = latest_slot(WEEKLY, dt.datetime(2026, 10, 27, 12, tzinfo=dt.UTC))
    assert before is not None
    assert after is not None
    assert before.astimezone(dt.UTC).hour == 7
    assert after.astimezone(dt.UTC).hour == 8
    upcoming = next_slot(WEEKLY, dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC))
    assert upcoming == after


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        (WEEKLY, "weekly on Monday at 09:00 Europe/Berlin"),
        (DAILY, "daily at 09:00 Europe/Berlin"),
        (Cadence(every="every-run"), "every run"),
    ],
)
def test_described_for_people(cadence: Cadence, text: str) -> None:
    assert cadence.describe() == text


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_slot(WEEKLY, dt.datetime(2026, 11, 2, 9))
