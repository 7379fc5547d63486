"""One sync, start to finish: read documents and trackers, plan, and (unless dry) apply.

This is the imperative shell around the pure core: it owns the order of I/O and nothing else.
Reads per tracker are bulk: one paged listing of the managed tickets, plus the tickets that
documents name and the listing did not include. A tracker that cannot be read is left out of the
plan (its items are neither created nor updated: syncer cannot know what is there) and reported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta

from syncer.config import Config
from syncer.core.desired import desire_items
from syncer.core.plan import plan_changes, tickets_to_fetch, where_tickets_live
from syncer.core.render import document_heading
from syncer.errors import StateError, StateLockedError, StateLostError, TrackerError
from syncer.logs import bind, log_fields
from syncer.model import CreateChange, Document, ItemKey, Link, Plan, Ticket, TicketRef
from syncer.outcome import SyncOutcome
from syncer.policy import SyncPolicy
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.sources import cache_tag, discover, read_documents, source_name
from syncer.shell.state import StateStore, open_store
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import MANAGED_LABEL, Tracker

log = logging.getLogger(__name__)

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, count, total)``: how far a stage is ("documents parsed", "tickets read",
"changes applied"); ``total`` is None when unknown. The CLI draws it; the core only calls it."""


def _no_progress(stage: str, count: int, total: int | None) -> None:
    pass


def _never() -> bool:
    return False


def collect_documents(
    config: Config,
    store: StateStore,
    *,
    texts: MutableMapping[str, str] | None = None,
    progress: Progress = _no_progress,
) -> tuple[list[Document], int]:
    """Every configured document, parsed or from the parse cache; and how many were parsed.

    ``texts``, when given, gets each document's raw text (for the report), read once.
    """
    sources = config.settings.sources
    found = discover(
        sources.paths, base=config.base_dir, root=config.source_root, exclude=sources.exclude
    )
    # A sharded worker reads only its own documents, so two workers never touch the same one.
    state = config.settings.state
    files = [f for f in found if state.owns(source_name(f, config.source_root))]
    documents, fresh = [], []
    for document, parsed_now in read_documents(
        files, root=config.source_root, cache=store.cached_documents(), texts=texts
    ):
        documents.append(document)
        progress("documents parsed", len(documents), len(files))
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


def read_and_plan(
    policy: SyncPolicy,
    documents: list[Document],
    trackers: Mapping[str, Tracker],
    links: Mapping[ItemKey, Link],
    *,
    progress: Progress = _no_progress,
    recreate: Collection[str] = (),
    adoptable: Mapping[str, Tracker] | None = None,
) -> tuple[Plan, dict[str, str]]:
    """Read the trackers and plan; returns the plan and the trackers that could not be read.

    ``adoptable`` are the trackers as the default installation (``instance = "syncer"``) sees
    them, given when this installation has another ``instance``: the tickets made before the
    setting was added are adopted by their items rather than made again.
    """
    tickets: dict[str, list[Ticket]] = {}
    unavailable: dict[str, str] = {}
    for name, tracker in trackers.items():
        try:
            tickets[name] = _list_managed(tracker)
            progress("tickets read", sum(len(t) for t in tickets.values()), None)
        except TrackerError as exc:
            log.info("%s: cannot read tickets: %s", name, exc)
            unavailable[name] = str(exc)
    earlier: dict[str, list[Ticket]] = {}
    for name, twin in (adoptable or {}).items():
        if name in tickets:
            try:
                earlier[name] = twin.list_managed()
            except TrackerError as exc:
                log.info("%s: cannot read the default instance's tickets: %s", name, exc)
                unavailable[name] = str(exc)
                del tickets[name]

    def claim(name: str, ref: TicketRef) -> TicketRef | None:
        tracker = trackers[name]
        return tracker.resolve(ref) if tracker.owns(ref) else None

    def plan_placed(placed: Mapping[ItemKey, str]) -> Plan:
        wanted, findings = desire_items(policy, documents, claim=claim, placed=placed)
        rendered = [
            d.model_copy(update={"fields": trackers[d.tracker].render(d.fields)}) for d in wanted
        ]
        for name, missing in tickets_to_fetch(rendered, tickets, links).items():
            try:
                tickets[name].extend(trackers[name].fetch(missing))
            except TrackerError as exc:
                log.info("%s: cannot read named tickets: %s", name, exc)
                unavailable[name] = str(exc)
                del tickets[name]
        return plan_changes(
            rendered,
            tickets=tickets,
            links=links,
            policy=policy,
            failed_sources={d.source for d in documents if d.errors},
            findings=findings,
            recreate=recreate,
            adoptable=earlier,
        )

    held = {name: [*found, *earlier.get(name, [])] for name, found in tickets.items()}
    placed = where_tickets_live(held, links, trackers=trackers)
    plan = plan_placed(placed)
    # An item reworded (or its document renamed) while its route changed too would get a new
    # ticket in its new tracker and leave its old one orphaned in the old: plan such items once
    # more where the orphans are, and keep that only for the items that found their ticket.
    moves = moves_to_try(plan)
    if moves:
        tried = plan_placed({**placed, **moves})
        kept = {key: name for key, name in moves.items() if found_there(tried, key, name)}
        if kept == moves:
            return tried, unavailable
        if kept:
            return plan_placed({**placed, **kept}), unavailable
    return plan, unavailable


def moves_to_try(plan: Plan) -> dict[ItemKey, str]:
    """Item key -> another tracker holding orphans, for each item the plan would create."""
    orphans = sorted({f.tracker for f in plan.findings if f.kind == "orphaned" and f.tracker})
    moves = {}
    for change in plan.changes:
        if isinstance(change, CreateChange):
            others = [name for name in orphans if name != change.tracker]
            if others:
                moves[change.item_key] = others[0]
    return moves


def found_there(plan: Plan, key: ItemKey, tracker: str) -> bool:
    """Whether ``plan`` keeps item ``key`` with an existing ticket of ``tracker``."""
    changed = any(
        c.item_key == key and c.tracker == tracker and not isinstance(c, CreateChange)
        for c in plan.changes
    )
    return changed or any(m.item_key == key and m.tracker == tracker for m in plan.matches)


def run_sync(
    config: Config,
    trackers: Mapping[str, Tracker],
    store: StateStore,
    *,
    dry_run: bool,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    stop: Callable[[], bool] = _never,
    progress: Progress = _no_progress,
    recreate: Collection[str] = (),
    adoptable: Mapping[str, Tracker] | None = None,
) -> SyncOutcome:
    """Plan, and unless ``dry_run`` apply; record the run in state.

    ``stop`` is asked between two changes (a signal arrived: the rest waits for the next run).
    ``adoptable``: see ``read_and_plan``; opened from ``config`` when not given and the
    configured ``instance`` is not the default one.
    """
    opened: Mapping[str, Tracker] = {}
    if adoptable is None and config.settings.instance != MANAGED_LABEL:
        adoptable = opened = open_trackers(config, instance=MANAGED_LABEL)
    started = now()
    documents, parsed = collect_documents(config, store, progress=progress)
    links = store.links()
    try:
        plan, unavailable = read_and_plan(
            config.policy,
            documents,
            trackers,
            links,
            progress=progress,
            recreate=recreate,
            adoptable=adoptable,
        )
    finally:
        for twin in opened.values():  # only read from: closed at once
            if callable(close := getattr(twin, "close", None)):
                close()
    result = None
    if not dry_run:
        applied = 0

        def between_changes() -> bool:
            # apply_plan asks this once before each change: the place to count them too.
            nonlocal applied
            progress("changes applied", applied, len(plan.changes))
            if applied < len(plan.changes):
                change = plan.changes[applied]
                bind(tracker=change.tracker, item_key=change.item_key)
            applied += 1
            return stop()

        configured = config.settings.trackers
        pacer = Pacer({n: t.write_gap for n, t in configured.items()}, sleep=sleep, clock=clock)
        with log_fields():  # each change's log lines name its tracker and item key
            result = apply_plan(
                plan,
                trackers,
                store,
                pacer=pacer,
                now=now,
                links=links,
                search_lag={n: timedelta(seconds=t.search_lag) for n, t in configured.items()},
                stop=between_changes,
            )
        progress("changes applied", len(plan.changes), len(plan.changes))
        unavailable |= result.unavailable
        plan = plan.model_copy(update={"findings": plan.findings + result.findings})
    outcome = SyncOutcome(
        documents=len(documents),
        items=sum(len(d.items) for d in documents if not d.errors),
        parsed=parsed,
        errors=tuple(p for d in documents for p in d.errors),
        warnings=tuple(p for d in documents for p in d.warnings),
        plan=plan,
        result=result,
        unavailable=unavailable,
        headings={d.source: document_heading(d) for d in documents},
        lines={item.key: item.line for d in documents for item in d.items},
        owners={item.key: item.owner for d in documents for item in d.items if item.owner},
    )
    lost = result.state_lost if result is not None else None
    if lost is None:
        try:
            store.record_run(
                started=started,
                finished=now(),
                command="plan" if dry_run else "sync",
                summary=outcome.summary(),
            )
        except StateError as exc:
            if dry_run or isinstance(exc, StateLockedError):
                raise
            lost = str(exc)
    if lost is not None:
        # Lost after changes may have been made: not "nothing was done" (exit 2).
        raise StateLostError(
            f"{lost}; the changes made before are found again by the next run", done=outcome
        )
    return outcome


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_configured(
    config: Config,
    *,
    dry_run: bool,
    now: Callable[[], datetime] = _utc_now,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    stop: Callable[[], bool] = _never,
    progress: Progress = _no_progress,
    recreate: Collection[str] = (),
) -> SyncOutcome:
    """Open the trackers and the state of ``config`` and run one plan (``dry_run``) or sync."""
    trackers = open_trackers(config)
    with open_store(config, scratch_copy=dry_run) as store:
        return run_sync(
            config,
            trackers,
            store,
            dry_run=dry_run,
            now=now,
            sleep=sleep,
            clock=clock,
            stop=stop,
            progress=progress,
            recreate=recreate,
        )
