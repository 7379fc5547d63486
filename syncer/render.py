"""Turning results into text for people and JSON for machines. Pure: values in, strings out.

The JSON shapes are a contract other tools read; keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from syncer.model import (
    ActionItem,
    Change,
    CommentChange,
    CreateChange,
    Document,
    Finding,
    LinkChange,
    Plan,
    Problem,
    UpdateChange,
)
from syncer.outcome import SyncOutcome


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"source": problem.source, "line": problem.line, "message": problem.message}


def _item_json(item: ActionItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "priority": item.priority,
        "tickets": [ref.key for ref in item.tickets],
        "done": item.done,
        "line": item.line,
        "end_line": item.end_line,
        "group": item.group,
        "description": item.description,
        "ticket_urls": [ref.url for ref in item.tickets],
    }


def document_json(document: Document) -> dict[str, Any]:
    """One document as ``syncer parse --format json`` prints it."""
    incident = document.incident
    return {
        "source": document.source,
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "date": incident.date.isoformat() if incident.date else None,
            "severity": incident.severity,
            "status": incident.status,
            "team": incident.team,
            "service": incident.service,
            "authors": list(incident.authors),
        },
        "items": [_item_json(item) for item in document.items],
        "errors": [_problem_json(p) for p in document.errors],
        "warnings": [_problem_json(p) for p in document.warnings],
    }


def documents_json(documents: Iterable[Document]) -> str:
    return json.dumps([document_json(d) for d in documents], indent=2, ensure_ascii=False)


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def documents_text(documents: Iterable[Document]) -> str:
    """Each document's incident and a table of its items (errors go to stderr, not here)."""
    blocks = []
    for document in documents:
        incident = document.incident
        facts = [
            f
            for f in (
                incident.severity,
                incident.date.isoformat() if incident.date else None,
                incident.status,
                f"team {incident.team}" if incident.team else None,
            )
            if f
        ]
        head = f"{document.source}: {incident.id}"
        if incident.title:
            head += f" {incident.title}"
        if facts:
            head += f" ({', '.join(facts)})"
        lines = [head]
        if document.items:
            rows = [
                [
                    f"{i.line}-{i.end_line}" if i.end_line != i.line else str(i.line),
                    "x" if i.done else " ",
                    _clip(i.title, 60),
                    i.owner or "",
                    i.due.isoformat() if i.due else "",
                    i.priority or "",
                    ", ".join(r.key for r in i.tickets),
                ]
                for i in document.items
            ]
            lines += [
                "  " + row
                for row in _table(
                    rows, ["line", "✓", "action item", "owner", "due", "pri", "ticket"]
                )
            ]
        elif not document.errors:
            lines.append("  (no action items)")
        else:
            lines.append("  (could not be read: see the error)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _change_title(change: Change) -> str | None:
    """The title a change writes, if it writes one."""
    return None if isinstance(change, LinkChange | CommentChange) else change.fields.title


def _change_text(change: Change) -> str:
    target = change.fields.title if isinstance(change, CreateChange) else change.ref.key
    extra = f" [{', '.join(change.changed)}]" if isinstance(change, UpdateChange) else ""
    why = f"({change.reason}; {change.item_key})"
    return f"{change.kind:<7} {change.tracker}: {_clip(target, 70)}{extra}  {why}"


def change_json(change: Change) -> dict[str, Any]:
    """One change as ``plan --format json`` prints it: every key present, whatever the kind."""
    data = change.model_dump(mode="json")
    shape = {
        "kind": data["kind"],
        "tracker": data["tracker"],
        "item_key": data["item_key"],
        "source": data["source"],
        "ref": data.get("ref"),
        "fields": data.get("fields"),
        "changed": data.get("changed", []),
        "reason": data["reason"],
    }
    if "text" in data:
        shape["text"] = data["text"]
    return shape


def _finding_text(finding: Finding) -> str:
    where = finding.ref.key if finding.ref else finding.item_key or finding.source or ""
    return f"{finding.kind:<15} {where}: {finding.message}"


def plan_text(plan: Plan) -> str:
    lines = [f"{len(plan.changes)} changes, {len(plan.matches)} items already in step"]
    lines += ["  " + _change_text(c) for c in plan.changes]
    if plan.findings:
        lines.append(f"{len(plan.findings)} findings")
        lines += ["  " + _finding_text(f) for f in plan.findings]
    return "\n".join(lines)


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "changes": [change_json(c) for c in plan.changes],
        "unchanged": [m.model_dump(mode="json", exclude={"fields"}) for m in plan.matches],
        "findings": [f.model_dump(mode="json") for f in plan.findings],
    }


def summary_text(summary: Mapping[str, int]) -> str:
    """``documents 3, items 15: created 15, failed 1``; counts of zero are left out."""
    always = ("documents", "items")
    head = ", ".join(f"{name} {summary[name]}" for name in always if name in summary)
    rest = [
        f"{name.replace('_', ' ')} {count}"
        for name, count in summary.items()
        if name not in always and count
    ]
    return f"{head}: {', '.join(rest)}" if rest else f"{head}: nothing to do"


def outcome_text(outcome: SyncOutcome, *, show_plan: bool) -> str:
    lines = []
    if show_plan:
        lines.append(plan_text(outcome.plan))
    if outcome.result is not None:
        failures = [o for o in outcome.result.outcomes if o.status == "failed"]
        lines += [f"failed  {o.change.kind} {o.change.item_key}: {o.error}" for o in failures]
    lines += [f"unavailable {why}" for why in outcome.unavailable.values()]
    lines += [f"error: {p}" for p in outcome.errors]
    lines.append(summary_text(outcome.summary()))
    return "\n".join(lines)


def outcome_json(outcome: SyncOutcome) -> str:
    data: dict[str, Any] = {
        "summary": outcome.summary(),
        "plan": plan_json(outcome.plan),
        "errors": [_problem_json(p) for p in outcome.errors],
        "warnings": [_problem_json(p) for p in outcome.warnings],
        "unavailable": dict(outcome.unavailable),
    }
    if outcome.result is not None:
        data["outcomes"] = [
            {
                "kind": o.change.kind,
                "item_key": o.change.item_key,
                "tracker": o.change.tracker,
                "status": o.status,
                "ticket": o.ref.key if o.ref else None,
                "url": o.ref.url if o.ref else None,
                "error": o.error,
            }
            for o in outcome.result.outcomes
        ]
    return json.dumps(data, indent=2, ensure_ascii=False)


def outcome_markdown(outcome: SyncOutcome) -> str:
    """A short Markdown account of one run: counts, failures and findings."""
    lines = ["# syncer run", "", "| outcome | count |", "| --- | ---: |"]
    lines += [
        f"| {name.replace('_', ' ')} | {count} |" for name, count in outcome.summary().items()
    ]
    if outcome.result is not None:
        done = [o for o in outcome.result.outcomes if o.status != "failed" and o.ref]
        if done:
            lines += ["", "## Changes", ""]
            lines += [
                f"- {o.change.kind} [{o.ref.key}]({o.ref.url or ''}): "
                f"{_change_title(o.change) or o.change.item_key}"
                for o in done
                if o.ref
            ]
        failed = [o for o in outcome.result.outcomes if o.status == "failed"]
        if failed:
            lines += ["", "## Failed", ""]
            lines += [f"- {o.change.kind} `{o.change.item_key}`: {o.error}" for o in failed]
    if outcome.plan.findings:
        lines += ["", "## Findings", ""]
        lines += [
            f"- **{f.kind}** {f.ref.key if f.ref else f.item_key or f.source}: {f.message}"
            for f in outcome.plan.findings
        ]
    if outcome.errors:
        lines += ["", "## Documents that could not be read", ""]
        lines += [f"- {p}" for p in outcome.errors]
    return "\n".join(lines) + "\n"
