"""One sync, start to finish: read documents and trackers, plan, and (unless dry) apply.

This is the imperative shell around the pure core: it owns the order of I/O and nothing else.
Reads per tracker are bulk: one paged listing of the managed tickets, plus the tickets that
documents name and the listing did not include. A tracker that cannot be read is left out of the
plan (its items are neither created nor updated: syncer cannot know what is there) and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from syncer.apply import ApplyResult, Pacer, apply_plan
from syncer.config import Config
from syncer.desired import Desired, desire_items
from syncer.errors import TrackerError
from syncer.model import Document, Frozen, ItemKey, Link, Plan, Problem, Ticket, TicketRef
from syncer.plan import plan_changes
from syncer.sources import cache_tag, discover, read_documents
from syncer.state import StateStore
from syncer.trackers.base import Tracker

log = logging.getLogger(__name__)


class SyncOutcome(Frozen):
    """What one run of ``plan`` or ``sync`` found and did."""

    documents: int
    items: int
    """Action items found in the documents that could be read."""
    parsed: int
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    plan: Plan
    result: ApplyResult | None = None
    unavailable: Mapping[str, str] = {}

    def summary(self) -> dict[str, int]:
        """Counts by outcome, the numbers a person and the run history look at."""
        counts = {
            "documents": self.documents,
            "document_errors": len({p.source for p in self.errors}),
            "items": self.items,
            "unchanged": len(self.plan.matches),
            "deferred": sum(1 for f in self.plan.findings if f.kind == "deferred"),
            "findings": len(self.plan.findings),
            "unavailable_trackers": len(self.unavailable),
        }
        kinds = ("create", "update", "link", "close", "reopen")
        names = ("created", "updated", "linked", "closed", "reopened")
        if self.result is None:
            counts.update(
                {f"to_{k}": sum(1 for c in self.plan.changes if c.kind == k) for k in kinds}
            )
        else:
            counts.update({n: self.result.count(k) for k, n in zip(kinds, names, strict=True)})
            counts["recovered"] = sum(1 for o in self.result.outcomes if o.status == "recovered")
            counts["failed"] = self.result.failed
            counts["deferred"] += sum(1 for o in self.result.outcomes if o.status == "deferred")
        return counts


def collect_documents(config: Config, store: StateStore) -> tuple[list[Document], int]:
    """Every configured document, parsed or from the parse cache; and how many were parsed."""
    sources = config.settings.sources
    files = discover(
        sources.paths, base=config.base_dir, root=config.source_root, exclude=sources.exclude
    )
    documents, fresh = [], []
    for document, parsed_now in read_documents(
        files, root=config.source_root, cache=store.cached_documents()
    ):
        documents.append(document)
        if parsed_now and not document.errors:
            fresh.append((cache_tag(document.content_hash), document))
    store.cache_documents(fresh)
    return documents, len(fresh)


def _list_managed(tracker: Tracker) -> list[Ticket]:
    try:
        return tracker.list_managed()
    except TrackerError:
        # check() says precisely what is wrong (credentials, project, repository) if it can.
        tracker.check()
        raise


def build_plan(
    config: Config,
    documents: list[Document],
    trackers: Mapping[str, Tracker],
    links: Mapping[ItemKey, Link],
) -> tuple[Plan, dict[str, str]]:
    """Read the trackers and plan; returns the plan and the trackers that could not be read."""
    tickets: dict[str, list[Ticket]] = {}
    unavailable: dict[str, str] = {}
    for name, tracker in trackers.items():
        try:
            tickets[name] = _list_managed(tracker)
        except TrackerError as exc:
            log.info("%s: cannot read tickets: %s", name, exc)
            unavailable[name] = str(exc)

    # An item whose ticket exists stays with that tracker, whatever the routing says now.
    placed: dict[ItemKey, str] = {}
    for name, found in tickets.items():
        for ticket in found:
            if ticket.item_key is not None:
                placed.setdefault(ticket.item_key, name)
    for key, link in links.items():
        if link.status in ("managed", "linked") and link.tracker in trackers:
            placed.setdefault(key, link.tracker)

    def claim(name: str, ref: TicketRef) -> TicketRef | None:
        tracker = trackers[name]
        return tracker.resolve(ref) if tracker.owns(ref) else None

    wanted, findings = desire_items(config.settings, documents, claim=claim, placed=placed)
    rendered = [
        d.model_copy(update={"fields": trackers[d.tracker].render(d.fields)}) for d in wanted
    ]

    def known_link(d: Desired) -> bool:
        link = links.get(d.item.key)
        return bool(link and link.status == "linked" and link.ref == d.refs[0])

    for name, found in tickets.items():
        listed = {t.ref.key for t in found}
        # A person's ticket linked before is not read again: syncer never edits it.
        named = {d.refs[0] for d in rendered if d.tracker == name and d.refs and not known_link(d)}
        missing = sorted((ref for ref in named if ref.key not in listed), key=lambda r: r.key)
        if not missing:
            continue
        try:
            found.extend(trackers[name].fetch(missing))
        except TrackerError as exc:
            log.info("%s: cannot read named tickets: %s", name, exc)
            unavailable[name] = str(exc)
            del tickets[name]
    plan = plan_changes(
        rendered,
        tickets=tickets,
        links=links,
        settings=config.settings,
        failed_sources={d.source for d in documents if d.errors},
    )
    return plan.model_copy(update={"findings": tuple(findings) + plan.findings}), unavailable


def run_sync(
    config: Config,
    trackers: Mapping[str, Tracker],
    store: StateStore,
    *,
    dry_run: bool,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> SyncOutcome:
    """Plan, and unless ``dry_run`` apply; record the run in state."""
    started = now()
    documents, parsed = collect_documents(config, store)
    links = store.links()
    plan, unavailable = build_plan(config, documents, trackers, links)
    result = None
    if not dry_run:
        configured = config.settings.trackers
        pacer = Pacer({n: t.write_gap for n, t in configured.items()}, sleep=sleep, clock=clock)
        result = apply_plan(
            plan,
            trackers,
            store,
            pacer=pacer,
            now=now,
            links=links,
            search_lag={n: timedelta(seconds=t.search_lag) for n, t in configured.items()},
        )
        unavailable |= result.unavailable
    outcome = SyncOutcome(
        documents=len(documents),
        items=sum(len(d.items) for d in documents if not d.errors),
        parsed=parsed,
        errors=tuple(p for d in documents for p in d.errors),
        warnings=tuple(p for d in documents for p in d.warnings),
        plan=plan,
        result=result,
        unavailable=unavailable,
    )
    store.record_run(
        started=started,
        finished=now(),
        command="plan" if dry_run else "sync",
        summary=outcome.summary(),
    )
    return outcome
