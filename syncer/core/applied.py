"""The world as it stands once a plan was applied, derived instead of read again. Pure.

``syncer run`` syncs, then reports, in one cycle that reads each tracker once: the report sees
the tickets the sync created and the fields it wrote because ``settle`` and ``tickets_after``
carry the apply result's outcomes into the values that were read before it. A change that
failed or was not attempted leaves things as they were read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from syncer.core.report.model import TrackerRead
from syncer.model import (
    CloseChange,
    CommentChange,
    CreateChange,
    LinkChange,
    Match,
    OwnedField,
    Plan,
    ReopenChange,
    Ticket,
    UpdateChange,
    Written,
)
from syncer.outcome import ApplyResult

_CARRIED_OUT = ("done", "recovered")


def settle(plan: Plan, result: ApplyResult) -> Plan:
    """``plan`` once applied: each change carried out becomes a match with its ticket (a
    create's new ticket included); the rest stay changes; the apply's findings are added."""
    matches = list(plan.matches)
    left = []
    for outcome in result.outcomes:
        change = outcome.change
        if outcome.status in _CARRIED_OUT and outcome.ref is not None:
            fields = change.fields if not isinstance(change, LinkChange | CommentChange) else None
            matches.append(
                Match(
                    item_key=change.item_key,
                    tracker=change.tracker,
                    source=change.source,
                    ref=outcome.ref,
                    fields=fields,
                )
            )
        else:
            left.append(change)
    return Plan(
        changes=tuple(left), matches=tuple(matches), findings=plan.findings + result.findings
    )


def tickets_after(
    reads: Mapping[str, TrackerRead], result: ApplyResult, *, now: dt.datetime
) -> dict[str, TrackerRead]:
    """The trackers' tickets as a read after ``result`` would show them: created tickets
    added, written fields and done state changed, trackers lost during the apply unavailable."""
    tickets = {name: {t.ref.key: t for t in read.tickets} for name, read in reads.items()}
    for outcome in result.outcomes:
        change = outcome.change
        if outcome.status not in _CARRIED_OUT or outcome.ref is None:
            continue
        listed = tickets.setdefault(change.tracker, {})
        if isinstance(change, CreateChange):
            fields = change.fields
            listed[outcome.ref.key] = Ticket(
                ref=outcome.ref,
                title=fields.title,
                body=fields.body,
                labels=fields.labels,
                assignee=fields.assignee,
                due=fields.due,
                priority=fields.priority,
                done=fields.done,
                status_category="done" if fields.done else "todo",
                resolution="done" if fields.done else None,
                created=now,
                resolved=now if fields.done else None,
                updated=now,
                item_key=change.item_key,
                written=Written.of(fields),
            )
        elif isinstance(change, UpdateChange | CloseChange | ReopenChange):
            before = listed.get(outcome.ref.key)
            if before is None:
                continue
            update: dict[str, object] = {
                name: getattr(change.fields, name)
                for name in change.changed
                if name != OwnedField.DONE
            }
            if OwnedField.DONE in change.changed:
                done = change.fields.done
                update |= {
                    "done": done,
                    "status_category": "done" if done else "todo",
                    "resolution": "done" if done else None,
                    "resolved": now if done else None,
                }
            update |= {"updated": now, "written": Written.of(change.fields)}
            listed[outcome.ref.key] = before.model_copy(update=update)
        elif isinstance(change, CommentChange) and outcome.ref.key in listed:
            listed[outcome.ref.key] = listed[outcome.ref.key].model_copy(update={"updated": now})
    after = {}
    for name, read in reads.items():
        lost = result.unavailable.get(name)
        after[name] = read.model_copy(
            update={
                "tickets": () if lost or read.unavailable else tuple(tickets[name].values()),
                "unavailable": read.unavailable or lost,
            }
        )
    return after
