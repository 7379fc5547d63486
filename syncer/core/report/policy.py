"""The report's policy: deadlines per severity, in calendar or business days, and staleness.

``ReportPolicy`` is a small frozen value the shell builds once (``policy_from_config``, which
expands a country's public holidays with the ``holidays`` package); ``deadline_for`` and
``add_days`` are pure. Without configuration the deadline is 4 weeks after the incident for the
highest severities and 8 weeks for the rest, after Atlassian's published SLO for post-mortem
priority actions (4 or 8 weeks); teams should set their own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from syncer.config import ReportConfig
from syncer.errors import ConfigError
from syncer.model import Frozen

DayKind = Literal["calendar", "business"]

HIGHEST_SEVERITY = re.compile(
    r"^(sev[-_ ]?[0-2]|s[0-2]|p[0-1]|priority[-_ ]?[0-1]|critical|highest|blocker)$"
)
"""Severities that get the short default: SEV0-SEV2, S0-S2, P0-P1, critical, highest..."""

WEEKS = {"calendar": (28, 56), "business": (20, 40)}
"""Built-in (highest, other) deadline in days: 4 and 8 weeks in either kind of day."""


class ReportPolicy(Frozen):
    """Everything ``build_report`` needs to know about deadlines, staleness and the calendar."""

    deadline_days: Mapping[str, int] = Field(
        default_factory=dict, description="severity, case-folded -> days after the incident"
    )
    day_kind: DayKind = "calendar"
    holidays: frozenset[dt.date] = frozenset()
    timezone: str = "UTC"
    stale_after_days: int = 14
    in_progress_stale_days: int = 30
    draft_max_age_days: int = 14
    trend_weeks: int = 12
    due_soon_days: int = 7
    """An open item due within this many days (0: today) is listed as due soon."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The local date of an aware UTC time (a naive one is taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).date()


def severity_days(policy: ReportPolicy, severity: str | None) -> tuple[int, str]:
    """Days allowed for ``severity`` and where that number comes from."""
    folded = (severity or "").strip().casefold()
    if folded and folded in policy.deadline_days:
        return policy.deadline_days[folded], "configured"
    highest, other = WEEKS[policy.day_kind]
    if HIGHEST_SEVERITY.match(folded):
        return highest, "default for the highest severities"
    return other, "default"


def add_days(policy: ReportPolicy, start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` calendar days, or business days skipping weekends and holidays."""
    if policy.day_kind == "calendar":
        return start + dt.timedelta(days=days)
    current = start
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in policy.holidays:
            left -= 1
    return current


def deadline_for(
    policy: ReportPolicy, incident_date: dt.date, severity: str | None
) -> tuple[dt.date, str]:
    """The policy deadline of an item and a readable source: ``policy: SEV1, 28 calendar days``."""
    days, origin = severity_days(policy, severity)
    label = severity or "no severity"
    return (
        add_days(policy, incident_date, days),
        f"policy: {label}, {days} {policy.day_kind} days ({origin})",
    )


def policy_from_config(config: ReportConfig, *, years: Iterable[int]) -> ReportPolicy:
    """Build the policy from ``[report]``; ``years`` bounds the country holidays expanded."""
    days: set[dt.date] = set(config.holidays)
    if config.holiday_country:
        # Imported here: its calendars take longer to load than the rest of the report.
        import holidays as holiday_calendars  # noqa: PLC0415

        country, _, subdivision = config.holiday_country.partition("-")
        try:
            calendar = holiday_calendars.country_holidays(
                country, subdiv=subdivision or None, years=sorted(set(years))
            )
        except NotImplementedError as exc:
            raise ConfigError(f"report.holiday_country: {exc}") from None
        days.update(calendar.keys())
    return ReportPolicy(
        deadline_days=_fold(config.deadline_days),
        day_kind=config.day_kind,
        holidays=frozenset(days),
        timezone=config.timezone,
        stale_after_days=config.stale_after_days,
        in_progress_stale_days=config.in_progress_stale_days,
        draft_max_age_days=config.draft_max_age_days,
        trend_weeks=config.trend_weeks,
        due_soon_days=config.due_soon_days,
    )


def _fold(mapping: Mapping[str, int]) -> dict[str, int]:
    return {name.strip().casefold(): days for name, days in mapping.items()}
