"""``render_markdown``: the report as GitHub-flavoured Markdown (a wiki page, a PR comment).

Every text that comes from a document or a ticket goes through ``escape``: Markdown's
punctuation is backslash-escaped (CommonMark allows that for any ASCII punctuation), ``|`` so it
cannot split a table cell, ``<`` and ``>`` so no HTML tag survives, and line breaks become
spaces so nothing leaves its table row. Links are written only for http(s) URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import TypeVar
from urllib.parse import quote, urlsplit

from syncer.core.report.model import ItemRow, Report, UnownedEntry, UntrackedEntry
from syncer.core.report.text import (
    SECTIONS,
    TREND_TOO_SHORT,
    age_text,
    as_of_text,
    days,
    due_text,
    headline,
    incident_text,
    isolate,
    owner_text,
    percent,
    policy_text,
    ticket_text,
    trend_has_data,
    where,
)
from syncer.model import TicketRef

# Brackets are enough to stop a link or image; "@" keeps a report from pinging people.
_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~&$@])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")

T = TypeVar("T")


def escape(text: str | None) -> str:
    """Plain text made inert in Markdown, on one line, in a directional isolate when it holds
    right-to-left text or a direction control."""
    if not text:
        return ""
    one_line = _BREAKS.sub(" ", text)
    return isolate(_SPECIAL.sub(r"\\\1", one_line))


def _url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def link(ref: TicketRef | None, label: str | None = None) -> str:
    if ref is None:
        return "\\-"
    text = escape(label if label is not None else ref.key)
    url = _url(ref.url)
    return f"[{text}](<{url}>)" if url else text


def _ticket(row: ItemRow) -> str:
    if row.ticket is None:
        return "\\-"
    return link(row.ticket) + escape(ticket_text(row)[len(row.ticket.key) :])


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(cell or "\\-" for cell in row) + " |" for row in rows)
    return lines


def _by_team(entries: Sequence[T], team: Callable[[T], str]) -> list[tuple[str, list[T]]]:
    return [(name, list(group)) for name, group in groupby(entries, key=team)]


def _document(row: ItemRow) -> str:
    url = _url(row.document_url)
    text = escape(where(row))
    return f"[{text}](<{url}>)" if url else text


def _item_cells(row: ItemRow) -> list[str]:
    return [
        escape(incident_text(row.incident_id, row.document_title, row.source)),
        escape(row.title),
        _document(row),
        escape(owner_text(row)),
        _ticket(row),
        escape(age_text(row)),
    ]


ITEM_HEADER = ["Incident", "Item", "Document", "Owner", "Ticket", "Age"]


def _grouped(
    entries: Sequence[T],
    team: Callable[[T], str],
    header: Sequence[str],
    cells: Callable[[T], Sequence[str]],
) -> list[str]:
    if not entries:
        return ["none", ""]
    lines: list[str] = []
    for name, group in _by_team(entries, team):
        lines += [f"### {escape(name)}", ""]
        lines += _table(header, (cells(entry) for entry in group))
        lines.append("")
    return lines


def render_markdown(report: Report) -> str:
    """The whole report as Markdown text."""
    out = ["# Follow-up report", ""]
    scope = ", ".join(escape(t) for t in report.teams) or "none"
    out.append(f"As of {as_of_text(report)}. Teams: {scope}.")
    if report.team_filter:
        out[-1] += " Filtered to: " + ", ".join(escape(t) for t in report.team_filter) + "."
    out += [
        "",
        " · ".join(
            f"[**{count} {label}**](#{fragment})" if bad else f"[{count} {label}](#{fragment})"
            for label, count, fragment, bad in headline(report)
        ),
        "",
    ]
    out += [f"Policy: {policy_text(report)}.", ""]  # our own words and a validated zone name
    if report.full_listings:
        listed = ", ".join(
            f"{escape(f.tracker)} {f.at.isoformat(timespec='minutes')}"
            for f in report.full_listings
        )
        out += [f"Tickets last listed in full (deletions show from then): {listed}.", ""]
    for unavailable in report.unavailable:
        out.append(
            f"> **{escape(unavailable.tracker)} could not be read**: "
            f"{escape(unavailable.reason)}; its {unavailable.items} items are unknown."
        )
        out.append("")
    for key, title in SECTIONS:
        out += [f"## {title}", ""]
        out += _SECTION[key](report)
    return "\n".join(out).rstrip("\n") + "\n"


def _untracked(report: Report) -> list[str]:
    return _items_and_why(report.untracked)


def _unowned(report: Report) -> list[str]:
    return _items_and_why(report.unowned)


def _items_and_why(entries: Sequence[UntrackedEntry | UnownedEntry]) -> list[str]:
    """A table of items with the reason each is listed (untracked and unowned share it)."""
    return _grouped(
        entries,
        lambda e: e.row.team,
        [*ITEM_HEADER, "Why"],
        lambda e: [*_item_cells(e.row), escape(e.detail)],
    )


def _owners(report: Report) -> list[str]:
    if not report.owners:
        return ["none", ""]
    lines = _table(
        ["Owner", "Open", "Overdue", "Due soon", "Next due", "Items"],
        [
            [
                escape(o.owner),
                str(o.open),
                str(o.overdue),
                str(o.due_soon),
                due_text(o.next_due),
                escape(", ".join(o.items)),
            ]
            for o in report.owners
        ],
    )
    return [*lines, ""]


def _due_soon(report: Report) -> list[str]:
    return _grouped(
        report.due_soon,
        lambda e: e.row.team,
        [*ITEM_HEADER, "Due", "Days left", "Deadline from"],
        lambda e: [
            *_item_cells(e.row),
            e.deadline.isoformat(),
            "today" if e.days_left == 0 else f"{e.days_left} d",
            escape(e.deadline_source),
        ],
    )


def _unmapped_owners(report: Report) -> list[str]:
    if not report.unmapped_owners:
        return ["none", ""]
    lines: list[str] = []
    for tracker, group in groupby(report.unmapped_owners, key=lambda u: u.tracker):
        entries = list(group)
        lines += [
            f"### {escape(tracker)}",
            "",
            f"Add to `[trackers.{tracker}.owners]` (their tickets are left unassigned until "
            "then): "
            + ", ".join(
                f"{escape(u.owner)} ({u.items} item{'s' if u.items != 1 else ''})" for u in entries
            ),
            "",
        ]
    return lines


def _document_findings(report: Report) -> list[str]:
    return _grouped(
        report.document_findings,
        lambda e: e.team,
        ["Incident", "Document", "Problem"],
        lambda e: [
            escape(e.incident_id),
            escape(f"{e.source}:{e.line}" if e.line else e.source),
            escape(e.detail),
        ],
    )


def _possible(report: Report) -> list[str]:
    if not report.possible:
        return ["none", ""]
    lines = [
        "Not ticketed: syncer was not sure these are follow-ups. To confirm one, make it a task-"
        "list item (`- [ ] ...`) under an action-item heading, or put `<!-- syncer: items -->` "
        "above its list.",
        "",
    ]
    return lines + _grouped(
        report.possible,
        lambda e: e.team,
        ["Incident", "Candidate", "Document", "Under", "Why unsure"],
        lambda e: [
            escape(e.incident_id),
            escape(e.title),
            escape(f"{e.source}:{e.line}"),
            escape(e.section or "-"),
            escape("; ".join(e.evidence) or f"confidence {e.confidence:.0%}"),
        ],
    )


def _overdue(report: Report) -> list[str]:
    return _grouped(
        report.overdue,
        lambda e: e.row.team,
        [*ITEM_HEADER, "Due", "Late", "Deadline from"],
        lambda e: [
            *_item_cells(e.row),
            e.deadline.isoformat(),
            f"{e.days_late} d",
            escape(e.deadline_source),
        ],
    )


def _stale(report: Report) -> list[str]:
    return _grouped(
        report.stale,
        lambda e: e.row.team,
        [*ITEM_HEADER, "Last update", "Idle"],
        lambda e: [
            *_item_cells(e.row),
            e.last_update.date().isoformat(),
            f"{e.idle_days} d" + (" (in progress)" if e.in_progress else ""),
        ],
    )


def _drift(report: Report) -> list[str]:
    return _grouped(
        report.drift,
        lambda e: e.team,
        ["Incident", "Item", "Document", "Ticket", "Drift", "Detail"],
        lambda e: [
            escape(e.incident_id),
            escape(e.title or e.item_key),
            escape(f"{e.source}:{e.line}" if e.line else e.source),
            link(e.ticket),
            escape(e.kind.replace("_", " ")),
            escape(e.detail),
        ],
    )


def _unfinished(report: Report) -> list[str]:
    return _grouped(
        report.unfinished,
        lambda e: e.team,
        ["Incident", "Document", "Problem", "Detail"],
        lambda e: [
            escape(e.incident_id),
            escape(e.source),
            escape(e.kind.replace("_", " ")),
            escape(e.detail),
        ],
    )


def _recurrence(report: Report) -> list[str]:
    if not report.recurrence:
        return ["none", ""]
    lines: list[str] = []
    for name, group in _by_team(report.recurrence, lambda e: e.team):
        lines += [f"### {escape(name)}", ""]
        lines += [f"- {escape(entry.sentence)}" for entry in group]
        lines.append("")
    return lines


def _loops(report: Report) -> list[str]:
    return _grouped(
        report.loops,
        lambda e: e.team,
        ["Incident", "Document", "Date", "Items", "Tracked", "Done", "Overdue", "Loop"],
        lambda e: [
            escape(incident_text(e.incident_id, e.title, e.source)),
            escape(e.source),
            e.date.isoformat() if e.date else "\\-",
            str(e.items),
            str(e.tracked),
            str(e.done),
            str(e.overdue),
            (
                "closed" + (f" after {e.days_to_close} d" if e.days_to_close is not None else "")
                if e.closed
                else "open" + (f" ({e.unknown} unknown)" if e.unknown else "")
            ),
        ],
    )


def _metrics(report: Report) -> list[str]:
    m = report.metrics
    lines = _table(
        ["Measure", "Value"],
        [
            ["Items", str(m.items)],
            ["Open", str(m.open)],
            ["Completion rate", f"{percent(m.completion_rate)} ({m.done} of {m.items})"],
            ["On-time completion rate", f"{percent(m.on_time_rate)} (of {m.on_time_basis})"],
            ["Median days to close", f"{days(m.median_days_to_close)} (of {m.close_basis})"],
            ["Close date unknown (left out above)", str(m.close_unknown)],
            ["90th percentile days to close", days(m.p90_days_to_close)],
        ],
    )
    lines += ["", "Open items by age (days since the incident):", ""]
    lines += _table(
        [escape(b.label) for b in m.age_buckets], [[str(b.count) for b in m.age_buckets]]
    )
    lines += ["", "Overdue by team and severity:", ""]
    if m.overdue_by_team_severity:
        lines += _table(
            ["Team", "Severity", "Overdue"],
            [
                [escape(c.team), escape(c.severity), str(c.count)]
                for c in m.overdue_by_team_severity
            ],
        )
    else:
        lines.append("none")
    lines += ["", "Open and overdue items per week (no run that week: gap):", ""]
    if not trend_has_data(m):
        lines += [TREND_TOO_SHORT, ""]
        return lines
    lines += _table(
        ["Week of", "Open", "Overdue"],
        [
            [
                p.week.isoformat(),
                "gap" if p.open is None else str(p.open),
                "gap" if p.overdue is None else str(p.overdue),
            ]
            for p in m.trend
        ],
    )
    lines.append("")
    return lines


_SECTION: dict[str, Callable[[Report], list[str]]] = {
    "owners": _owners,
    "due_soon": _due_soon,
    "unmapped_owners": _unmapped_owners,
    "document_findings": _document_findings,
    "possible": _possible,
    "untracked": _untracked,
    "unowned": _unowned,
    "overdue": _overdue,
    "stale": _stale,
    "drift": _drift,
    "unfinished": _unfinished,
    "recurrence": _recurrence,
    "loops": _loops,
    "metrics": _metrics,
}
