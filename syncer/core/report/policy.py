"""The report's policy: the one deadline rule, staleness and the calendar dates are read in.

``ReportPolicy`` is a small frozen value the shell builds once (``policy_from_config``). Its
deadlines are ``syncer.policy.DeadlinePolicy``, the very rule that set the due dates syncer gave
the tickets, so the report never judges a ticket by a date other than the one syncer chose.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from syncer.config import Settings, deadline_policy, stale_after_days
from syncer.model import Frozen
from syncer.policy import WEEKS, DayKind, DeadlinePolicy

__all__ = ["WEEKS", "DayKind", "ReportPolicy", "deadline_for", "policy_from_config"]


class ReportPolicy(Frozen):
    """Everything ``build_report`` needs to know about deadlines, staleness and the calendar."""

    deadlines: DeadlinePolicy = DeadlinePolicy()
    timezone: str = "UTC"
    stale_after_days: int = 14
    in_progress_stale_days: int = 30
    draft_max_age_days: int = 14
    trend_weeks: int = 12
    due_soon_days: int = 7
    """An open item due within this many days (0: today) is listed as due soon."""

    @property
    def day_kind(self) -> DayKind:
        return self.deadlines.day_kind

    @property
    def deadline_days(self) -> dict[str, int]:
        return dict(self.deadlines.days)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The local date of an aware UTC time (a naive one is taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).date()


def deadline_for(
    policy: ReportPolicy, incident_date: dt.date, severity: str | None
) -> tuple[dt.date, str]:
    """The policy deadline of an item, and the rule that set it in a lead's words."""
    return policy.deadlines.deadline(incident_date, severity)


def policy_from_config(settings: Settings) -> ReportPolicy:
    """The report's policy from the settings: ``[deadlines]`` and ``[report]``."""
    report = settings.report
    return ReportPolicy(
        deadlines=deadline_policy(settings),
        timezone=report.timezone,
        stale_after_days=stale_after_days(settings),
        in_progress_stale_days=report.in_progress_stale_days,
        draft_max_age_days=report.draft_max_age_days,
        trend_weeks=report.trend_weeks,
        due_soon_days=report.due_soon_days,
    )
