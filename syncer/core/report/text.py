"""Shared wording of the report: section titles, column texts, and what each renderer shows.

Markdown and HTML both read these, so a section is named and ordered the same everywhere.
Values here are plain text; each renderer escapes them its own way.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

from syncer.core.parse.metadata import derive_incident_id
from syncer.core.report.model import ItemRow, Metrics, Report

SECTIONS: tuple[tuple[str, str], ...] = (
    ("owners", "Per owner"),
    ("overdue", "Overdue"),
    ("due_soon", "Due soon"),
    ("untracked", "Untracked"),
    ("unowned", "Unowned"),
    ("unmapped_owners", "Owners missing from the owner map"),
    ("document_findings", "Dates and priorities syncer could not read"),
    ("possible", "Possible follow-ups"),
    ("stale", "Stale"),
    ("drift", "Drift"),
    ("unfinished", "Post-mortems without follow-ups, or unfinished"),
    ("recurrence", "Recurrence"),
    ("loops", "Loop status"),
    ("metrics", "Metrics"),
)
"""Every section, in order, with its heading; each appears in every format. What a lead acts
on comes first: each person's plate, what is late, what is about to be."""

BAD_WHEN_NONZERO = frozenset(
    {"overdue", "untracked", "unowned", "unmapped_owners", "document_findings", "stale", "drift"}
)
"""Headline counts that are a problem whenever they are not zero (shown so)."""

_ISOLATE_START, _ISOLATE_END = "\u2068", "\u2069"  # FIRST STRONG ISOLATE, POP DIRECTIONAL ISOLATE
_BIDI_CLASSES = frozenset(
    {"R", "AL", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "AN"}
)


def needs_isolation(value: str) -> bool:
    """Whether a value holds right-to-left text or a direction control that could reorder the
    report's own words around it."""
    return any(unicodedata.bidirectional(c) in _BIDI_CLASSES for c in value)


def isolate(value: str) -> str:
    """``value`` in a directional isolate (U+2068 ... U+2069) when it needs one: an override
    inside it ends at the isolate's end, so "Teams: pay\u202ements" cannot turn the words
    around it. Text without such characters is returned as it is."""
    return f"{_ISOLATE_START}{value}{_ISOLATE_END}" if needs_isolation(value) else value


def anchor(title: str) -> str:
    """The fragment GitHub and our HTML give a section heading: lower case, spaces as '-'."""
    return re.sub(r"[^a-z0-9 -]", "", title.casefold()).replace(" ", "-")


def as_of_text(report: Report) -> str:
    """``as_of`` in a reader's words: "Friday 27 November 2026, 13:00 CET (Europe/Berlin)"."""
    zone = report.policy.timezone
    local = report.as_of.astimezone(ZoneInfo(zone))
    name = local.tzname() or zone
    where = "" if name == zone else f" ({zone})"
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {name}{where}"


def document_text(row: ItemRow) -> str:
    """Where an item is written: its file and line."""
    return f"{row.source}:{row.line}"


def incident_text(incident_id: str, title: str | None, source: str) -> str:
    """The incident's id; a document without one (its id is its file name) shows its title."""
    if title and incident_id == derive_incident_id(source):
        return title
    return incident_id


TREND_TOO_SHORT = "The trend starts after two weeks of runs."


def trend_has_data(metrics: Metrics) -> bool:
    """A trend needs runs in at least two weeks; one point over rows of gaps says nothing."""
    return sum(1 for p in metrics.trend if p.open is not None) >= 2


def due_text(day: dt.date | None) -> str:
    return "-" if day is None else day.isoformat()


def where(row: ItemRow) -> str:
    return document_text(row)


def owner_text(row: ItemRow) -> str:
    # An assignee that is the owner's own account (a Jira Cloud accountId, say) adds nothing.
    if (
        row.owner
        and row.assignee
        and not row.assignee_is_owner
        and (row.owner.lstrip("@") != row.assignee)
    ):
        return f"{row.owner} (assignee {row.assignee})"
    return row.owner or row.assignee or "-"


def ticket_text(row: ItemRow) -> str:
    if row.ticket is None:
        return "-"
    suffix = {"unknown": " (not read)", "missing": " (missing)"}.get(row.ticket_state, "")
    status = f" [{row.ticket_status}]" if row.ticket_status else ""
    return f"{row.ticket.key}{status}{suffix}"


def ticket_status_text(row: ItemRow) -> str:
    """What ``ticket_text`` adds after the key: the status, and whether it was read."""
    if row.ticket is None:
        return ""
    return ticket_text(row)[len(row.ticket.key) :].strip()


def age_text(row: ItemRow) -> str:
    return "-" if row.age_days is None else f"{row.age_days} d"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} d"


def headline(report: Report) -> list[tuple[str, int, str, bool]]:
    """The headline counts: (label, count, the section it links to, whether it is bad now),
    each noun agreeing with its count."""
    counts = report.counts()
    titles = dict(SECTIONS)
    shown = [
        ("overdue", "overdue", "overdue"),
        ("due_soon", "due soon", "due_soon"),
        ("untracked", "untracked", "untracked"),
        ("unowned", "unowned", "unowned"),
        (
            "unmapped_owners",
            _noun(counts["unmapped_owners"], "owner", " not in the owner map"),
            "unmapped_owners",
        ),
        (
            "document_findings",
            "unreadable date or priority"
            if counts["document_findings"] == 1
            else "unreadable dates or priorities",
            "document_findings",
        ),
        ("possible", _noun(counts["possible"], "possible follow-up"), "possible"),
        ("stale", "stale", "stale"),
        ("drift", "drift", "drift"),
        ("unfinished", _noun(counts["unfinished"], "unfinished post-mortem"), "unfinished"),
        ("recurrence", _noun(counts["recurrence"], "recurrence"), "recurrence"),
        ("loops_closed", _noun(counts["loops_closed"], "loop", " closed"), "loops"),
        ("incidents", _noun(counts["incidents"], "incident"), "loops"),
    ]
    return [
        (label, counts[key], anchor(titles[section]), key in BAD_WHEN_NONZERO and counts[key] > 0)
        for key, label, section in shown
    ]


def _noun(count: int, noun: str, tail: str = "") -> str:
    return (noun if count == 1 else noun + "s") + tail


def policy_text(report: Report) -> str:
    policy = report.policy
    configured = ", ".join(f"{c.label.upper()} {c.count}" for c in policy.deadline_days)
    text = (
        f"deadlines in {policy.day_kind} days after the incident: "
        + (f"{configured}; otherwise " if configured else "")
        + f"{policy.highest_days} for the highest severities, {policy.other_days} for the rest"
    )
    if policy.holidays:
        text += f" ({policy.holidays} holidays skipped)"
    return (
        text
        + f"; stale after {policy.stale_after_days} days without an update "
        + f"({policy.in_progress_stale_days} in progress); dates in {policy.timezone}"
    )
