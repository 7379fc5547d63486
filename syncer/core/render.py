"""Turning results into text for people and JSON for machines. Pure: values in, strings out.

The JSON shapes are a contract other tools read; keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from syncer.model import (
    ActionItem,
    Change,
    ChangeKind,
    CommentChange,
    CreateChange,
    Document,
    Finding,
    LinkChange,
    Plan,
    Problem,
    TicketFields,
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


def document_heading(document: Document) -> str:
    """``INC-2041 Checkout proxy pool``: how a plan names a document (no id said twice)."""
    incident = document.incident
    title = incident.title or ""
    named = incident.id.casefold() in (title + document.source).casefold()
    if title and named:  # the title or the file name says the id already
        return title
    return f"{incident.id} {title}".strip()


def documents_json(documents: Iterable[Document]) -> str:
    data = {
        "schema_version": JSON_SCHEMA_VERSION,
        "documents": [document_json(d) for d in documents],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


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


def plural(count: int, noun: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
        "before": dict(data.get("before", [])),
    }
    if "text" in data:
        shape["text"] = data["text"]
    return shape


def _finding_text(finding: Finding) -> str:
    where = finding.ref.key if finding.ref else finding.item_key or finding.source or ""
    if not where or finding.message.startswith(f"{where} "):
        return finding.message  # "OPS-10 belongs to ...", not "OPS-10: OPS-10 belongs to ..."
    return f"{where}: {finding.message}"


FINDING_EXAMPLES = 3
"""How many examples of each kind of finding a plan shows without ``-v``."""


def findings_text(findings: Sequence[Finding], *, verbose: bool) -> list[str]:
    """Findings grouped by kind, with a count and the first few (all of them when verbose)."""
    if not findings:
        return []
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.kind, []).append(finding)
    counts = ", ".join(f"{kind} {len(found)}" for kind, found in groups.items())
    lines = [f"{plural(len(findings), 'finding')} ({counts})"]
    hidden = 0
    for kind, found in groups.items():
        lines.append(f"  {kind.replace('_', ' ')} ({len(found)})")
        shown = found if verbose else found[:FINDING_EXAMPLES]
        lines += [f"    {_clip(_finding_text(f), 160)}" for f in shown]
        if len(found) > len(shown):
            lines.append(f"    ... and {len(found) - len(shown)} more")
            hidden += len(found) - len(shown)
    if hidden:
        lines.append(f"  (-v lists all {plural(len(findings), 'finding')}, as does --format json)")
    return lines


_SIGNS: Mapping[ChangeKind, str] = {
    ChangeKind.CREATE: "+",
    ChangeKind.UPDATE: "~",
    ChangeKind.CLOSE: "-",
    ChangeKind.REOPEN: "^",
    ChangeKind.LINK: "=",
    ChangeKind.COMMENT: "#",
}


def _verb(change: Change) -> str:
    if isinstance(change, CreateChange) and change.fields.done:
        return "create (closed)"  # the item is done already: the ticket is made closed
    return change.kind


def _value(value: object) -> str:
    if value is None or value == ():
        return "(none)"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "done" if value else "open"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _facts(fields: TicketFields, owner: str | None) -> str:
    if owner and fields.assignee and fields.assignee.casefold() != owner.casefold().lstrip("@"):
        who = f"owner {owner} ({fields.assignee})"
    elif owner:
        who = f"owner {owner}" + ("" if fields.assignee else " (no account: unassigned)")
    else:
        who = f"assignee {fields.assignee}" if fields.assignee else "no owner"
    facts = [
        who,
        f"due {fields.due.isoformat()}" if fields.due else "no due date",
        f"priority {fields.priority}" if fields.priority else None,
    ]
    return ", ".join(f for f in facts if f)


def change_lines(change: Change, *, owner: str | None = None) -> list[str]:
    """One planned change: a head line naming the ticket, then what it writes."""
    sign = _SIGNS[change.kind]
    if isinstance(change, CreateChange):
        head = f"{sign} {_verb(change)} in {change.tracker}: {_clip(change.fields.title, 80)}"
        return [head, f"    {_facts(change.fields, owner)}  [{change.item_key}]"]
    if isinstance(change, LinkChange):
        return [f"{sign} link {change.ref.key} ({change.reason})  [{change.item_key}]"]
    if isinstance(change, CommentChange):
        return [f"{sign} comment on {change.ref.key}: {_clip(change.text, 80)}"]
    title = _clip(change.fields.title, 70)
    lines = [f"{sign} {_verb(change)} {change.ref.key} {title}  [{change.item_key}]"]
    before = dict(change.before)
    for name in change.changed:
        if name == "body":
            lines.append("    body: rewritten from the document")
            continue
        new = _value(getattr(change.fields, name, None))
        old = before.get(name, "?") if name in before else "?"
        lines.append(f"    {name}: {old or '(none)'} -> {new}")
    return lines


def plan_changes_text(outcome: SyncOutcome) -> list[str]:
    """Every planned change, grouped by document in document order, items in line order."""
    plan = outcome.plan
    order = {source: i for i, source in enumerate(outcome.headings)}
    by_source: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_source.setdefault(change.source, []).append(change)
    lines: list[str] = []
    for source in sorted(by_source, key=lambda s: (order.get(s, len(order)), s)):
        heading = outcome.headings.get(source)
        lines.append(f"{source}" + (f"  ({heading})" if heading else ""))
        changes = sorted(by_source[source], key=lambda c: outcome.lines.get(c.item_key, 1 << 30))
        for change in changes:
            owner = outcome.owners.get(change.item_key)
            lines += ["  " + line for line in change_lines(change, owner=owner)]
    return lines


_VERBS = (
    ChangeKind.CREATE,
    "create (closed)",
    ChangeKind.UPDATE,
    ChangeKind.CLOSE,
    ChangeKind.REOPEN,
    ChangeKind.LINK,
    ChangeKind.COMMENT,
)
"""The plan's headline counts, in this order ("create (closed)": an item already done)."""


def plan_headline(plan: Plan, *, unavailable: int = 0) -> str:
    """The plan in one line; trackers that could not be read are said, never "No changes"."""
    counts = dict.fromkeys(_VERBS, 0)
    for change in plan.changes:
        counts[_verb(change)] = counts.get(_verb(change), 0) + 1
    counts = {verb: n for verb, n in counts.items() if n}
    if edited := sum(len(e.edits) for e in plan.edits):
        counts["write back to the documents"] = edited
    in_step = f"{plural(len(plan.matches), 'item')} already in step"
    down = (
        f"nothing planned for {plural(unavailable, 'tracker')} that could not be read (below)"
        if unavailable
        else ""
    )
    if not counts:
        if down:
            return f"{down[0].upper()}{down[1:]}; {in_step}."
        return f"No changes: {in_step}."
    parts = ", ".join(f"{n} to {verb}" for verb, n in counts.items())
    return f"Plan: {parts}; {in_step}" + (f"; {down}." if down else ".")


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "changes": [change_json(c) for c in plan.changes],
        "unchanged": [m.model_dump(mode="json", exclude={"fields"}) for m in plan.matches],
        "findings": [f.model_dump(mode="json") for f in plan.findings],
        "document_edits": [e.model_dump(mode="json") for e in plan.edits],
    }


def edits_text(plan: Plan, *, diffs: bool) -> list[str]:
    """Write-back: each document's edits, one line per item, then (``diffs``) the unified diff
    of the file, unindented so that it can be read or applied as it is."""
    lines: list[str] = []
    for document in plan.edits:
        lines.append(f"{document.source}  (write-back)")
        lines += [f"  {edit.item_key}: {edit.reason}" for edit in document.edits]
        if diffs and document.diff:
            lines += document.diff.rstrip("\n").split("\n")
    return lines


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


def applied_lines(outcome: SyncOutcome) -> list[str]:
    """What a sync did, like ``terraform apply``: one line per change, ticket and URL."""
    if outcome.result is None:
        return []
    rows = []
    for done in outcome.result.outcomes:
        change = done.change
        if done.status == "failed":
            rows.append(["failed", change.kind, change.item_key, done.error or ""])
            continue
        verb = "deferred" if done.status == "deferred" else change.kind.past
        if done.status == "recovered":
            verb += " (recovered)"
        ref = done.ref or getattr(change, "ref", None)
        title = _change_title(change) or change.item_key
        rows.append(
            [verb, ref.key if ref else "-", (ref.url if ref else None) or "", _clip(title, 60)]
        )
    return [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, _widths(rows), strict=True)
        ).rstrip()
        for row in rows
    ]


def _widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []


def outcome_text(outcome: SyncOutcome, *, show_plan: bool, verbose: bool = False) -> str:
    """A plan (``show_plan``) or a sync's account of what it did, then the counts."""
    lines = []
    if show_plan:
        lines.append(plan_headline(outcome.plan, unavailable=len(outcome.unavailable)))
        changes = plan_changes_text(outcome)
        if changes:
            lines += ["", *changes]
        if outcome.plan.edits:
            lines += ["", *edits_text(outcome.plan, diffs=True)]
    if outcome.result is not None:
        done = applied_lines(outcome)
        if done:
            lines += ["", *done] if lines else done
        if outcome.plan.edits:
            written = edits_text(outcome.plan, diffs=verbose)
            lines += ["", *written] if lines else written
    findings = findings_text(outcome.plan.findings, verbose=verbose)
    if findings:
        lines += ["", *findings] if lines else findings
    trailer = [f"unavailable {name}: {why}" for name, why in outcome.unavailable.items()]
    trailer += [f"error: {p}" for p in outcome.errors]
    trailer.append(summary_text(outcome.summary()))
    return "\n".join([*lines, "", *trailer] if lines else trailer)


JSON_SCHEMA_VERSION = 1
"""The version of the JSON that ``parse``, ``plan``, ``sync`` and ``run`` print: it changes
when a field is renamed, removed or changes meaning (fields may be added within a version)."""


def outcome_json(outcome: SyncOutcome) -> str:
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "summary": outcome.summary(),
        "plan": plan_json(outcome.plan),
        "errors": [_problem_json(p) for p in outcome.errors],
        "warnings": [_problem_json(p) for p in outcome.warnings],
        # The report's shape for the same thing: a list of {tracker, reason}.
        "unavailable": [
            {"tracker": tracker, "reason": reason}
            for tracker, reason in sorted(outcome.unavailable.items())
        ],
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
    if outcome.result is None and outcome.plan.changes:
        lines += ["", "## Planned changes", "", "```diff", *plan_changes_text(outcome), "```"]
    if outcome.plan.findings:
        lines += ["", "## Findings", ""]
        groups: dict[str, list[Finding]] = {}
        for finding in outcome.plan.findings:
            groups.setdefault(finding.kind, []).append(finding)
        for kind, found in groups.items():
            lines.append(f"- **{kind.replace('_', ' ')}** ({len(found)})")
            lines += [f"  - {_finding_text(f)}" for f in found]
    if outcome.unavailable:
        lines += ["", "## Trackers that could not be read", ""]
        lines += [f"- {name}: {why}" for name, why in outcome.unavailable.items()]
    if outcome.errors:
        lines += ["", "## Documents that could not be read", ""]
        lines += [f"- {p}" for p in outcome.errors]
    return "\n".join(lines) + "\n"
