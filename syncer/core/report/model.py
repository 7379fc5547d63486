"""The follow-up report's values: what ``build_report`` computes and every renderer reads.

All frozen pydantic models, so the JSON renderer is ``model_dump`` plus a schema version, and
Markdown and HTML read the same numbers. Entries are flat lists carrying their team and
incident; ``build_report`` sorts them by team, then incident (overdue: by team, then lateness),
and renderers group consecutive rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from syncer.model import Frozen, ItemKey, Ticket, TicketRef

SCHEMA_VERSION = 2
"""Bumped whenever a field of the JSON form is renamed, removed or changes meaning."""

GateKind = Literal["untracked", "overdue", "stale", "drift", "unowned"]
"""What ``--fail-on`` may name."""

TicketState = Literal["read", "unknown", "missing", "none"]
"""read: the ticket was read; unknown: its tracker could not be read; missing: its tracker was
read and the ticket was not there (deleted, moved, no longer readable); none: no ticket."""

# Inputs --------------------------------------------------------------------------------------


class TrackerRead(Frozen):
    """What one tracker gave the report: its tickets, or why it could not be read."""

    tracker: str
    tickets: tuple[Ticket, ...] = ()
    unavailable: str | None = Field(
        default=None, description="why the tracker could not be read; its items are 'unknown'"
    )
    unreadable: tuple[tuple[str, str], ...] = Field(
        default=(), description="(ticket key, reason) of single tickets that could not be read"
    )
    last_full: dt.datetime | None = Field(
        default=None,
        description="when syncer last listed every managed ticket of this tracker (cycles in "
        "between ask only what changed; a deleted ticket shows after the next full listing)",
    )


class HistoryPoint(Frozen):
    """Counts of open and overdue items one past run saw (the weekly trend's data)."""

    at: dt.datetime
    open: int = Field(ge=0)
    overdue: int = Field(ge=0)


# Output --------------------------------------------------------------------------------------


class ItemRow(Frozen):
    """One action item as every section shows it: where it is written, who owns it, its ticket."""

    item_key: ItemKey
    title: str
    team: str
    incident_id: str
    severity: str | None = None
    source: str
    line: int
    document_title: str | None = Field(
        default=None, description="the post-mortem's title, shown when it names no incident id"
    )
    document_url: str | None = Field(
        default=None, description="the document's address under [sources] base_url, if set"
    )
    owner: str | None = None
    assignee: str | None = None
    assignee_is_owner: bool = Field(
        default=False,
        description="the assignee is the account the owner map gives the document's owner",
    )
    tracker: str | None = None
    ticket: TicketRef | None = None
    ticket_state: TicketState = "none"
    ticket_status: str | None = None
    done: bool
    deadline: dt.date | None = None
    deadline_source: str | None = None
    age_days: int | None = Field(
        default=None, description="days since the incident (or first seen)"
    )


UntrackedReason = Literal[
    "tracker_unavailable",
    "deferred",
    "tracked_elsewhere",
    "create_failed",
    "create_pending",
    "no_tracker",
    "unroutable",
    "never_synced",
]


class UntrackedEntry(Frozen):
    row: ItemRow
    reason: UntrackedReason
    detail: str


UnownedReason = Literal["no_owner"]


class UnownedEntry(Frozen):
    """An open item nobody owns: no owner in the document and no assignee on the ticket."""

    row: ItemRow
    reason: UnownedReason
    detail: str


class UnmappedOwner(Frozen):
    """A setup problem, not an ownership one: a document names an owner the tracker's owner map
    does not know, so their tickets are left unassigned. Add ``owner`` to
    ``[trackers.<tracker>.owners]``."""

    tracker: str
    owner: str = Field(description="the name as the documents write it, without '@'")
    items: int = Field(ge=1, description="open items of this owner in this tracker")
    item_keys: tuple[ItemKey, ...]


class DueSoonEntry(Frozen):
    """An open item due within the report's due-soon window, before it becomes overdue."""

    row: ItemRow
    deadline: dt.date
    deadline_source: str
    days_left: int = Field(ge=0, description="0: due today")


class OwnerLoad(Frozen):
    """What is on one person's plate: their open, overdue and due-soon items."""

    owner: str = Field(description="the document's owner (without '@'), else the assignee")
    open: int
    overdue: int
    due_soon: int
    next_due: dt.date | None = None
    items: tuple[str, ...] = Field(
        description="ticket keys (else the quoted title) of the open items, most urgent first"
    )


class PossibleEntry(Frozen):
    """A candidate the parser was not sure is a follow-up: never ticketed until confirmed."""

    team: str
    incident_id: str
    source: str
    line: int
    title: str
    confidence: float
    evidence: tuple[str, ...] = ()
    section: str | None = None


class DocumentFinding(Frozen):
    """Something in a document a person should fix: a date or priority syncer could not read."""

    team: str
    incident_id: str
    source: str
    line: int | None = None
    item_key: ItemKey | None = None
    kind: str
    detail: str


class OverdueEntry(Frozen):
    row: ItemRow
    deadline: dt.date
    deadline_source: str = Field(
        description="where the deadline came from, in words: 'the document', 'set by syncer "
        "from the SEV2 policy: ...', 'changed on the ticket by a person', 'the ticket', or "
        "'the SEV2 policy: 28 calendar days (...)'"
    )
    days_late: int = Field(ge=1)


class StaleEntry(Frozen):
    row: ItemRow
    last_update: dt.datetime
    idle_days: int
    in_progress: bool
    threshold_days: int


DriftKind = Literal[
    "done_in_document_only",
    "done_in_tracker_only",
    "wont_do",
    "assignee",
    "due",
    "ticket_missing",
    "ticket_unreadable",
    "status_conflict",
    "moved",
    "duplicate",
    "orphaned",
]


class DriftEntry(Frozen):
    kind: DriftKind
    detail: str
    team: str
    incident_id: str
    source: str | None = None
    line: int | None = None
    item_key: ItemKey | None = None
    title: str | None = None
    ticket: TicketRef | None = None


UnfinishedKind = Literal[
    "unreadable", "no_action_section", "template_items", "no_items", "draft", "placeholders"
]


class UnfinishedEntry(Frozen):
    """A post-mortem without follow-ups, or one nobody finished."""

    team: str
    incident_id: str
    source: str
    kind: UnfinishedKind
    detail: str


RecurrenceVia = Literal["service", "related"]
"""The shared signal: the same service, or the later post-mortem names the earlier one. A
shared team alone is not evidence of the same problem."""


class RecurrenceEntry(Frozen):
    team: str
    incident_id: str
    earlier_id: str
    via: RecurrenceVia
    subject: str = Field(description="the service both share, or the earlier id named")
    days_after: int | None = None
    open_count: int
    total: int
    open_refs: tuple[str, ...]
    sentence: str


class LoopEntry(Frozen):
    """One incident's follow-up loop."""

    team: str
    incident_id: str
    source: str
    title: str | None = Field(default=None, description="the post-mortem's title")
    date: dt.date | None = None
    severity: str | None = None
    items: int
    tracked: int
    done: int
    overdue: int
    unknown: int
    closed: bool = Field(description="every item done (an incident without items is not closed)")
    closed_on: dt.date | None = None
    days_to_close: int | None = None


class Count(Frozen):
    label: str
    count: int


class TeamSeverityCount(Frozen):
    team: str
    severity: str
    count: int


class TrendPoint(Frozen):
    """One week (starting Monday); ``None`` counts mean no run that week: a gap, not a zero."""

    week: dt.date
    open: int | None = None
    overdue: int | None = None


class Metrics(Frozen):
    items: int
    open: int
    done: int
    completion_rate: float | None = Field(description="done / items; None without items")
    on_time_rate: float | None = Field(
        description="done by the deadline / done with a known close date and a deadline"
    )
    on_time_basis: int = Field(description="how many items the on-time rate is computed over")
    median_days_to_close: float | None = None
    p90_days_to_close: float | None = None
    close_basis: int = Field(description="done items with a known close date")
    close_unknown: int = Field(
        default=0,
        description="done items whose close date is unknown (done in the document only, or "
        "created already closed): left out of the on-time rate and the days to close",
    )
    age_buckets: tuple[Count, ...]
    overdue_by_team_severity: tuple[TeamSeverityCount, ...]
    trend: tuple[TrendPoint, ...]


class PolicySummary(Frozen):
    """The deadline rule the report applied, so a reader can check a 'policy' deadline."""

    day_kind: Literal["calendar", "business"]
    deadline_days: tuple[Count, ...]
    highest_days: int
    other_days: int
    holidays: int
    timezone: str
    stale_after_days: int
    in_progress_stale_days: int
    draft_max_age_days: int
    due_soon_days: int = 7


class Unavailable(Frozen):
    tracker: str
    reason: str
    items: int


class FullListing(Frozen):
    """When syncer last listed every managed ticket of a tracker: cycles in between ask only
    what changed, so a ticket deleted since shows only after the next full listing."""

    tracker: str
    at: dt.datetime


class Report(Frozen):
    """The whole follow-up report, as of one moment."""

    schema_version: int = SCHEMA_VERSION
    as_of: dt.datetime
    today: dt.date = Field(description="as_of as a local date in the policy's time zone")
    teams: tuple[str, ...]
    team_filter: tuple[str, ...] = ()
    policy: PolicySummary
    unavailable: tuple[Unavailable, ...] = ()
    full_listings: tuple[FullListing, ...] = ()
    untracked: tuple[UntrackedEntry, ...] = ()
    unowned: tuple[UnownedEntry, ...] = ()
    unmapped_owners: tuple[UnmappedOwner, ...] = ()
    overdue: tuple[OverdueEntry, ...] = ()
    due_soon: tuple[DueSoonEntry, ...] = ()
    owners: tuple[OwnerLoad, ...] = ()
    possible: tuple[PossibleEntry, ...] = ()
    document_findings: tuple[DocumentFinding, ...] = ()
    stale: tuple[StaleEntry, ...] = ()
    drift: tuple[DriftEntry, ...] = ()
    unfinished: tuple[UnfinishedEntry, ...] = ()
    recurrence: tuple[RecurrenceEntry, ...] = ()
    loops: tuple[LoopEntry, ...] = ()
    metrics: Metrics

    def counts(self) -> dict[str, int]:
        """Headline counts, one per section (for a digest, a summary line, the run history)."""
        return {
            "untracked": len(self.untracked),
            "unowned": len(self.unowned),
            "unmapped_owners": len(self.unmapped_owners),
            "overdue": len(self.overdue),
            "due_soon": len(self.due_soon),
            "possible": len(self.possible),
            "document_findings": len(self.document_findings),
            "stale": len(self.stale),
            "drift": len(self.drift),
            "unfinished": len(self.unfinished),
            "recurrence": len(self.recurrence),
            "incidents": len(self.loops),
            "loops_closed": sum(1 for loop in self.loops if loop.closed),
            "items": self.metrics.items,
            "open": self.metrics.open,
        }
