"""The short forms of the report that leave syncer: a webhook digest and a nudge. Pure.

``digest_payload`` is a Slack incoming-webhook message (``text`` for notifications and
clients without blocks, ``blocks`` for the layout): the headline counts, the five most overdue
items with links, and a link to the full report. Text from documents and tickets is escaped
for Slack's mrkdwn (``&``, ``<``, ``>``), and URLs only become links when they are http(s), so
a title cannot forge a link or a mention. ``nudge_text`` is the comment an overdue ticket gets.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from syncer.core.report.markdown import escape
from syncer.core.report.model import OverdueEntry, Report
from syncer.core.report.text import isolate

TOP_OVERDUE = 5
"""How many of the most overdue items a digest lists."""

TOP_OWNERS = 10
"""How many people's plates a digest lists (most overdue first)."""

_COUNTS = (
    "overdue",
    "due_soon",
    "untracked",
    "unowned",
    "stale",
    "drift",
    "unfinished",
    "recurrence",
)


def mrkdwn(text: str | None, *, isolated: bool = True) -> str:
    """Plain text made inert in Slack's mrkdwn: no link, mention or channel ping survives; a
    value with right-to-left text or a direction control is put in a directional isolate."""
    if not text:
        return ""
    one_line = " ".join(text.split())
    inert = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return isolate(inert) if isolated else inert


def _link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) URL; the escaped label alone otherwise."""
    text = mrkdwn(label)
    if not url:
        return text
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return text
    # "|" and ">" would end the URL part early; quoting keeps every other character as is.
    safe = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    return f"<{safe}|{text}>"


def most_overdue(report: Report, *, limit: int = TOP_OVERDUE) -> list[OverdueEntry]:
    """The ``limit`` latest items, latest first (ties: team, incident, line)."""
    ranked = sorted(
        report.overdue,
        key=lambda e: (-e.days_late, e.row.team, e.row.incident_id, e.row.source, e.row.line),
    )
    return ranked[:limit]


def headline_counts(report: Report) -> str:
    counts = report.counts()
    return ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in _COUNTS)


def digest_payload(report: Report, *, team: str, report_url: str | None = None) -> dict[str, Any]:
    """A Slack incoming-webhook message for ``team``'s report."""
    counts = report.counts()
    title = f"Follow-up report: {isolate(team)}, {report.today.isoformat()}"
    summary = f"{counts['open']} open of {counts['items']} follow-ups; " + ", ".join(
        f"*{counts[k]}* {k.replace('_', ' ')}" for k in _COUNTS
    )
    lines = []
    for entry in most_overdue(report):
        row = entry.row
        ticket = _link(row.ticket.url, row.ticket.key) if row.ticket else "no ticket"
        owner = mrkdwn(row.owner or row.assignee or "nobody")
        lines.append(
            f"• {ticket} {mrkdwn(row.title)} ({mrkdwn(row.incident_id)}): "
            f"{entry.days_late} days late, due {entry.deadline.isoformat()}, owner {owner}"
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Most overdue*\n" + ("\n".join(lines) if lines else "none"),
            },
        },
    ]
    if report.owners:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Per owner*\n" + "\n".join(owner_lines(report)),
                },
            }
        )
    for unavailable in report.unavailable:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"{mrkdwn(unavailable.tracker)} could not be read: "
                        f"{unavailable.items} items unknown",
                    }
                ],
            }
        )
    if report_url:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _link(report_url, "Full report")},
            }
        )
    text = f"{mrkdwn(title, isolated=False)}: " + headline_counts(report)
    if report_url:
        text += f" ({_link(report_url, 'full report')})"
    return {"text": text, "blocks": blocks}


def owner_lines(report: Report, *, limit: int = TOP_OWNERS) -> list[str]:
    """One line per person, ready to paste into a stand-up: open, overdue, due soon, tickets."""
    lines = []
    for load in report.owners[:limit]:
        shown = ", ".join(mrkdwn(i) for i in load.items[:6])
        more = f" and {len(load.items) - 6} more" if len(load.items) > 6 else ""
        lines.append(
            f"• {mrkdwn(load.owner)}: {load.open} open, {load.overdue} overdue, "
            f"{load.due_soon} due soon ({shown}{more})"
        )
    if len(report.owners) > limit:
        lines.append(f"… and {len(report.owners) - limit} more people")
    return lines


def nudge_text(entry: OverdueEntry, *, every_days: int) -> str:
    """The comment on an overdue ticket (Markdown; the tracker adds the mention before it)."""
    row = entry.row
    return (
        f"this follow-up of {escape(row.incident_id)} is {entry.days_late} days overdue "
        f"(due {entry.deadline.isoformat()}: {escape(entry.deadline_source)}; written in "
        f"{escape(row.source)}, line {row.line}). Please close it, or move its due date in the "
        f"post-mortem. (syncer reminds at most every {every_days} days.)"
    )
