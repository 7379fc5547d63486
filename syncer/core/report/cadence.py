"""When the report is delivered: once per period at a local time, however often syncer runs. Pure.

``[report] deliver`` is ``"weekly"`` (on ``deliver_day`` at ``deliver_at``), ``"daily"`` (at
``deliver_at``) or ``"every-run"``. A period starts at its slot (Monday 09:00 in the report's
time zone, say). ``delivery_due`` answers "deliver now?" from the last time a channel was
delivered, as state remembers it: a run at or after the latest slot delivers when nothing was
delivered since that slot. So any number of ``run --once`` invocations deliver exactly once per
period; a run that was missed (the machine was off at 09:00) is made up by the next run, and a
delivery that failed is tried again by the next run. A channel never delivered is due at once.

Slots are local wall-clock times: across a daylight-saving change Monday 09:00 stays 09:00.
A slot that does not exist that day (skipped by a spring-forward) is taken as the first moment
after the gap, as ``zoneinfo`` reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from syncer.config import ReportConfig
from syncer.model import Frozen

DeliverEvery = Literal["every-run", "daily", "weekly"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


class Cadence(Frozen):
    """How often the report's digest and published issue are delivered."""

    every: DeliverEvery = "weekly"
    day: Weekday = Field(default="monday", description="the weekly delivery's day")
    at: dt.time = Field(default=dt.time(9, 0), description="local time of day of a delivery")
    timezone: str = "UTC"

    def describe(self) -> str:
        """ "weekly on Monday at 09:00 Europe/Berlin", for logs and the CLI."""
        at = f"{self.at:%H:%M} {self.timezone}"
        if self.every == "every-run":
            return "every run"
        if self.every == "daily":
            return f"daily at {at}"
        return f"weekly on {self.day.capitalize()} at {at}"


def cadence_from_config(config: ReportConfig) -> Cadence:
    """The ``[report]`` table's ``deliver``, ``deliver_day`` and ``deliver_at``."""
    return Cadence(
        every=config.deliver,
        day=config.deliver_day,
        at=dt.time.fromisoformat(config.deliver_at),
        timezone=config.timezone,
    )


def latest_slot(cadence: Cadence, now: dt.datetime) -> dt.datetime | None:
    """The latest scheduled delivery moment at or before ``now`` (None: every run is one)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if cadence.every == "every-run":
        return None
    zone = ZoneInfo(cadence.timezone)
    local = now.astimezone(zone)
    day = local.date()
    step = 1
    if cadence.every == "weekly":
        step = 7
        day -= dt.timedelta(days=(day.weekday() - WEEKDAYS.index(cadence.day)) % 7)
    slot = _at(day, cadence.at, zone)
    if slot > now:
        slot = _at(day - dt.timedelta(days=step), cadence.at, zone)
    return slot


def next_slot(cadence: Cadence, now: dt.datetime) -> dt.datetime | None:
    """The first scheduled delivery moment after ``now`` (None for every run)."""
    latest = latest_slot(cadence, now)
    if latest is None:
        return None
    zone = ZoneInfo(cadence.timezone)
    step = 7 if cadence.every == "weekly" else 1
    return _at(latest.astimezone(zone).date() + dt.timedelta(days=step), cadence.at, zone)


def delivery_due(cadence: Cadence, *, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a channel last delivered at ``last`` (None: never) is to be delivered ``now``."""
    slot = latest_slot(cadence, now)
    if slot is None or last is None:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return last < slot


def _at(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    # Round-tripping through UTC resolves a wall time inside a spring-forward gap.
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
