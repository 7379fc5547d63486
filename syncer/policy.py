"""The policy values the pure core decides with: small, frozen, and free of secrets.

The shell reads the configuration once (``syncer.config.sync_policy``) and hands these values to
``desired.desire_items``, ``plan.plan_changes`` and the report. Nothing here reads the
environment, a file or a clock, so the core behaves the same whatever the caller's ``SYNCER_*``
variables say.

``DeadlinePolicy`` is the one deadline rule: it sets the due date syncer gives a ticket and it
judges "overdue" in the report, so the two can never disagree. Without configuration an item
is due 4 weeks after the incident for the highest severities and 8 weeks for the rest (20 and
40 business days), after Atlassian's published SLO for post-mortem priority actions.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection, Mapping
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import Field

from syncer.model import Document, Frozen, OwnedField


class TrackerPolicy(Frozen):
    """What one tracker's configuration says about the tickets syncer wants there."""

    labels: tuple[str, ...] = ()
    owners: Mapping[str, str] = Field(default_factory=dict)
    """Document owner (as written, ``@`` optional, any case) -> tracker account."""
    priorities: Mapping[str, str] = Field(default_factory=dict)
    """Item priority or incident severity -> tracker priority."""
    overwrite: frozenset[OwnedField] = frozenset()
    """Fields syncer sets even when a person changed them in the tracker."""
    create_cap: int = Field(ge=0)
    """Creates beyond this many per run are deferred to the next run (the default is the
    tracker type's, ``syncer.config``: 200 on Jira, 100 on GitHub for its secondary limits)."""


class Route(Frozen):
    """Sends a document's items to ``tracker`` when every given condition matches."""

    tracker: str
    team: str | None = None
    service: str | None = None
    path: str | None = None
    """A glob on the document's source path."""
    issue_type: str | None = None
    """The Jira issue type of tickets created through this route (else the tracker's)."""

    def accepts(self, document: Document) -> bool:
        incident = document.incident
        return (
            (self.team is None or self.team == incident.team)
            and (self.service is None or self.service == incident.service)
            and (self.path is None or fnmatchcase(document.source, self.path))
        )


class RoutingPolicy(Frozen):
    """Which tracker a document's items go to: the first accepting route, else ``default``."""

    routes: tuple[Route, ...] = ()
    default: str | None = None
    """The configured ``default_tracker``, or the only tracker when there is just one."""

    def route(self, document: Document) -> str | None:
        for route in self.routes:
            if route.accepts(document):
                return route.tracker
        return self.default

    def issue_type(self, document: Document) -> str | None:
        """The issue type the first accepting route names, if any."""
        for route in self.routes:
            if route.accepts(document):
                return route.issue_type
        return None


DayKind = Literal["calendar", "business"]

HIGHEST_SEVERITY = re.compile(
    r"^(sev[-_ ]?[0-2]|s[0-2]|p[0-1]|priority[-_ ]?[0-1]|critical|highest|blocker)$"
)
"""Severities that get the short default: SEV0-SEV2, S0-S2, P0-P1, critical, highest..."""

WEEKS: Mapping[DayKind, tuple[int, int]] = {"calendar": (28, 56), "business": (20, 40)}
"""Built-in (highest, other) deadline in days: 4 and 8 weeks in either kind of day."""


@functools.cache
def _country_calendar(code: str) -> Collection[dt.date]:
    # Imported here: its calendars take longer to load than the rest of syncer. The calendar
    # expands the years it is asked about, so any date can be looked up.
    import holidays  # noqa: PLC0415

    country, _, subdivision = code.partition("-")
    found: Collection[dt.date] = holidays.country_holidays(country, subdiv=subdivision or None)
    return found


def check_holiday_country(code: str) -> None:
    """Raise ``ValueError`` when the ``holidays`` package does not know ``code``."""
    try:
        _country_calendar(code)
    except NotImplementedError as exc:
        raise ValueError(str(exc)) from None


class DeadlinePolicy(Frozen):
    """When an item is due: days after the incident by severity, in calendar or business days."""

    days: Mapping[str, int] = Field(default_factory=dict)
    """Severity, case-folded -> days after the incident."""
    default_days: int | None = None
    """For severities not in ``days``; ``None``: the built-in 4 or 8 weeks (``WEEKS``)."""
    day_kind: DayKind = "calendar"
    holidays: frozenset[dt.date] = frozenset()
    holiday_country: str | None = None
    """Also skip this country's (``DE``) or subdivision's (``DE-BY``) public holidays."""

    def days_for(self, severity: str | None) -> tuple[int, str]:
        """Days allowed for ``severity`` and which rule gave them, in a lead's words."""
        folded = (severity or "").strip().casefold()
        if folded in self.days:
            return self.days[folded], "configured"
        if self.default_days is not None:
            return self.default_days, "configured default"
        highest, other = WEEKS[self.day_kind]
        if HIGHEST_SEVERITY.match(folded):
            return highest, "default for the highest severities"
        return other, "default"

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return True
        return self.holiday_country is not None and day in _country_calendar(self.holiday_country)

    def add(self, start: dt.date, days: int) -> dt.date:
        """``start`` plus ``days`` calendar days, or business days (weekends, holidays skipped)."""
        if self.day_kind == "calendar":
            return start + dt.timedelta(days=days)
        current, left = start, days
        while left > 0:
            current += dt.timedelta(days=1)
            if current.weekday() < 5 and not self.is_holiday(current):
                left -= 1
        return current

    def deadline(self, incident_date: dt.date, severity: str | None) -> tuple[dt.date, str]:
        """The deadline of an item of this incident, and the rule that set it in a lead's
        words: ``the SEV2 policy: 28 calendar days (default for the highest severities)``."""
        days, origin = self.days_for(severity)
        label = f"the {severity} policy" if severity else "the policy for no severity"
        return self.add(incident_date, days), f"{label}: {days} {self.day_kind} days ({origin})"


class WriteBackPolicy(Frozen):
    """Whether and how the planner edits documents (``[sources] write_back``)."""

    enabled: bool = False
    """Write each item's ticket link into its document."""
    status_to_document: bool = True
    """With ``enabled``: a ticket closed in the tracker ticks its item (or marks it won't do)."""
    status_to_tracker: bool = True
    """An item ticked (or marked won't do) in the document closes its ticket."""
    ticket_column: bool = False
    """A table without a Ticket column gets one for the links."""


class SyncPolicy(Frozen):
    """Everything the core needs from the configuration, and nothing else (no secrets)."""

    trackers: Mapping[str, TrackerPolicy]
    routing: RoutingPolicy = RoutingPolicy()
    deadlines: DeadlinePolicy = DeadlinePolicy()
    document_base_url: str | None = None
    """Where documents can be read on the web; ticket bodies link to it."""
    write_back: WriteBackPolicy = WriteBackPolicy()
