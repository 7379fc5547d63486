"""Shared wording of the report: section titles, column texts, and what each renderer shows.

Markdown and HTML both read these, so a section is named and ordered the same everywhere.
Values here are plain text; each renderer escapes them its own way.
"""

from __future__ import annotations

from syncer.core.report.model import ItemRow, Report

SECTIONS: tuple[tuple[str, str], ...] = (
    ("untracked", "Untracked"),
    ("unowned", "Unowned"),
    ("overdue", "Overdue"),
    ("stale", "Stale"),
    ("drift", "Drift"),
    ("unfinished", "Post-mortems without follow-ups, or unfinished"),
    ("recurrence", "Recurrence"),
    ("loops", "Loop status"),
    ("metrics", "Metrics"),
)
"""Every section, in order, with its heading; each appears in every format."""


def where(row: ItemRow) -> str:
    return f"{row.source}:{row.line}"


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


def age_text(row: ItemRow) -> str:
    return "-" if row.age_days is None else f"{row.age_days} d"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g} d"


def headline(report: Report) -> list[tuple[str, int]]:
    """The headline counts with their labels, each noun agreeing with its count."""
    counts = report.counts()
    return [
        ("untracked", counts["untracked"]),
        ("unowned", counts["unowned"]),
        ("overdue", counts["overdue"]),
        ("stale", counts["stale"]),
        ("drift", counts["drift"]),
        (_noun(counts["unfinished"], "unfinished post-mortem"), counts["unfinished"]),
        (_noun(counts["recurrence"], "recurrence"), counts["recurrence"]),
        (_noun(counts["loops_closed"], "loop", " closed"), counts["loops_closed"]),
        (_noun(counts["incidents"], "incident"), counts["incidents"]),
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
