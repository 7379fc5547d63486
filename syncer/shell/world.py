"""One read of the world, shared by ``plan``, ``sync``, ``report`` and ``run``.

``read_world`` reads what a cycle needs, once and in one way: the documents (through the parse
cache, each file's text kept for the report), state's links, each tracker's managed tickets in
bulk plus the tickets documents name, and the plan the one planner makes of them. The plan's
matches and changes are the only identity rule there is: the report takes each item's ticket
from them (``Plan.placements``) instead of working it out again.

A tracker that cannot be read (unreachable, refused credentials, or no credentials at all) is
left out of the plan, so its items are neither created nor updated, and it is a verdict for the
whole cycle: the report does not try it again.

Documents a sync found quiet, unchanged since and whose tickets did not change, are not planned
again: their items' conclusions stand (``syncer.core.settled``; ``World.settled`` names them).
A cycle that reads a tracker's changes forgets the quiet records those changes touch, whatever
the command (the snapshot moves on with them); a full listing forgets them all.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from syncer import __version__
from syncer.config import Config, env_prefix
from syncer.core.desired import desire_items, named_refs
from syncer.core.parse import with_threshold
from syncer.core.plan import (
    SettledConflictError,
    found_there,
    moves_to_try,
    plan_changes,
    tickets_to_fetch,
    where_tickets_live,
)
from syncer.core.report.model import TrackerRead
from syncer.core.settled import Settled, SettledRecord, quiet_documents, settle, touched
from syncer.errors import TrackerError
from syncer.model import ActionItem, Document, ItemKey, Link, Plan, Ticket, TicketRef
from syncer.shell.sources import cache_tag, discover, read_documents, source_names
from syncer.shell.state import StateStore
from syncer.shell.tickets import TicketRead, TicketReader, reader
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import MANAGED_LABEL, TicketTracker

log = logging.getLogger(__name__)

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, count, total)``: how far a stage is ("documents parsed", "tickets read",
"changes applied"); ``total`` is None when unknown. The CLI draws it; the shell only calls it."""


def no_progress(stage: str, count: int, total: int | None) -> None:
    pass


@dataclass(frozen=True)
class World:
    """Everything one cycle read, and the plan made of it."""

    documents: tuple[Document, ...]
    parsed: int
    """How many documents were parsed now (the rest came from the parse cache)."""
    texts: Mapping[str, str]
    """Document source -> its text (the report reads placeholders and "related" lines)."""
    links: Mapping[ItemKey, Link]
    reads: Mapping[str, TrackerRead]
    """Per configured tracker: the tickets it gave, or why it could not be read."""
    plan: Plan
    settled: frozenset[str] = frozenset()
    """The documents not planned again: their recorded conclusion (all in step) stood."""
    fingerprint: str | None = None
    """What the plan was drawn from besides documents, tickets and state (``plan_fingerprint``);
    None when the plan cannot vouch for quiet documents (a tracker unread, ``--recreate``,
    another ``instance``): then no record is kept."""
    recorded: Mapping[str, SettledRecord] = field(default_factory=dict)
    """The quiet records state held when this world was read (less those it forgot)."""

    @property
    def unavailable(self) -> dict[str, str]:
        """Trackers that could not be read this cycle, and why."""
        return {n: r.unavailable for n, r in self.reads.items() if r.unavailable is not None}

    def settled_changes(self) -> tuple[list[SettledRecord], list[str]]:
        """(records to store, sources to forget) so that state holds this plan's quiet
        documents; what it holds already is not written again."""
        quiet = {}
        if self.fingerprint is not None:
            # Made when asked (after a sync), not with the plan: 10,000 documents' records are
            # not held through planning and applying.
            quiet = quiet_documents(self.plan, self.documents, fingerprint=self.fingerprint)
        fresh = [r for source, r in quiet.items() if self.recorded.get(source) != r]
        return fresh, [source for source in self.recorded if source not in quiet]


def collect_documents(
    config: Config,
    store: StateStore,
    *,
    texts: MutableMapping[str, str] | None = None,
    progress: Progress = no_progress,
) -> tuple[list[Document], int]:
    """Every configured document this worker owns, parsed or from the parse cache; and how many
    were parsed now. ``texts``, when given, gets each document's raw text, read once."""
    sources = config.settings.sources
    found = discover(
        sources.paths, base=config.base_dir, root=config.source_root, exclude=sources.exclude
    )
    # A sharded worker reads only its own documents, so two workers never touch the same one.
    state = config.settings.state
    if state.shards:
        names = source_names(found, config.source_root)
        files = [f for f, name in zip(found, names, strict=True) if state.owns(name)]
    else:
        files = found
    documents, fresh = [], []
    for document, parsed_now in read_documents(
        files, root=config.source_root, cache=store.cached_documents(), texts=texts
    ):
        # The cache keeps the parse at the default threshold; the configured one re-splits
        # items from possible follow-ups without parsing again.
        documents.append(with_threshold(document, sources.confidence))
        progress("documents parsed", len(documents), len(files))
        if parsed_now and not document.errors:
            fresh.append((cache_tag(document.content_hash), document))
    store.cache_documents(fresh)
    return documents, len(fresh)


def _list_managed(tracker: TicketTracker, name: str, read: TicketReader) -> TicketRead:
    try:
        return read(name, tracker)
    except TrackerError:
        # check() says precisely what is wrong (credentials, project, repository) if it can.
        tracker.check()
        raise


def _reason(name: str, exc: TrackerError) -> str:
    return str(exc).removeprefix(f"{name}: ")


def read_world(
    config: Config,
    store: StateStore,
    trackers: Mapping[str, TicketTracker],
    *,
    progress: Progress = no_progress,
    now: datetime | None = None,
    full: bool = False,
    recreate: Collection[str] = (),
) -> World:
    """Read documents, state and trackers once, and plan.

    ``trackers``: the opened trackers; a configured tracker missing from it (no credentials)
    is unavailable. Each tracker's managed tickets come from state's snapshot and what changed
    since (``syncer.shell.tickets``), or from a full listing when one is due, on ``full``
    (``--full``), or when the snapshot is gone. ``recreate``: items (or their deleted tickets'
    keys) whose ticket, deleted in the tracker, is to be made again (``--recreate``).

    With an ``instance`` other than the default, the tickets carrying the default marker are
    read too: the items of tickets made before the setting was added adopt them.
    """
    read = reader(config, store, now=now or datetime.now(UTC), full=full)
    texts: dict[str, str] = {}
    documents, parsed = collect_documents(config, store, texts=texts, progress=progress)
    links = store.links()
    tickets: dict[str, list[Ticket]] = {}
    unavailable: dict[str, str] = {
        name: f"no credentials in the environment (set {env_prefix(name)}TOKEN)"
        for name in config.settings.trackers
        if name not in trackers
    }
    state = config.settings.state
    last_full: dict[str, datetime] = {}
    full_read = False
    moved: set[str] = set()
    for name, tracker in trackers.items():
        try:
            done = _list_managed(tracker, name, read)
        except TrackerError as exc:
            log.info("%s: cannot read tickets: %s", name, exc)
            unavailable[name] = _reason(name, exc)
            continue
        listed, last_full[name] = list(done.tickets), done.last_full
        full_read = full_read or done.full
        moved |= done.moved
        # With shards, each ticket's written copy says which document it was written for: a
        # worker sees only its own shard's tickets, so another shard's are neither orphans
        # here nor free to be taken by an item that reads the same. (A ticket whose document
        # moved to this shard is still found by its item key's marker before any create.)
        tickets[name] = [t for t in listed if _in_shard(t, state.owns)] if state.shards else listed
        progress("tickets read", sum(len(t) for t in tickets.values()), None)
    earlier = _default_instance_tickets(config, tickets, unavailable)
    vouch = not unavailable and not recreate and config.settings.instance == MANAGED_LABEL
    fingerprint = plan_fingerprint(config)
    recorded, settled = _settled(
        config,
        store,
        documents,
        trackers,
        tickets=tickets,
        links=links,
        fingerprint=fingerprint,
        forget_all=full_read,
        moved=moved,
        usable=vouch,
    )
    planning = partial(
        _plan,
        config,
        documents,
        trackers,
        tickets=tickets,
        links=links,
        unavailable=unavailable,
        recreate=recreate,
        adoptable=earlier,
    )
    try:
        plan = planning(settled=settled)
    except SettledConflictError as exc:
        log.info("a changed item reaches a quiet document's ticket (%s): planning every item", exc)
        settled = {}
        plan = planning()
    reads = {
        name: TrackerRead(
            tracker=name,
            tickets=tuple(tickets.get(name, ())) if name not in unavailable else (),
            unavailable=unavailable.get(name),
            last_full=last_full.get(name),
        )
        for name in config.settings.trackers
    }
    return World(
        documents=tuple(documents),
        parsed=parsed,
        texts=texts,
        links=links,
        reads=reads,
        plan=plan,
        settled=frozenset(settled),
        # A tracker that failed to give the tickets documents name is unavailable now too.
        fingerprint=fingerprint if vouch and not unavailable else None,
        recorded=recorded,
    )


def plan_fingerprint(config: Config) -> str:
    """What a plan was drawn from besides documents, tickets and state: the settings (every
    key: routing, policy, tracker options, thresholds), where sources live, and the code."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(str(config.source_root).encode())
    digest.update(config.settings.model_dump_json().encode())
    return digest.hexdigest()


def _settled(
    config: Config,
    store: StateStore,
    documents: list[Document],
    trackers: Mapping[str, TicketTracker],
    *,
    tickets: Mapping[str, list[Ticket]],
    links: Mapping[ItemKey, Link],
    fingerprint: str,
    forget_all: bool,
    moved: Collection[str],
    usable: bool,
) -> tuple[dict[str, SettledRecord], dict[str, tuple[Settled, ...]]]:
    """(the quiet records state keeps, the settled items of each document not planned).

    The records the tracker's changes touched are forgotten now (all of them after a full
    listing, which reports no changes): the snapshot has moved on, so a later cycle must not
    read them as standing."""
    records = store.settled_documents()
    if not records:
        return {}, {}
    gone = list(records) if forget_all else touched(records, moved)
    if gone:
        store.record_settled((), forget=gone)
        for source in gone:
            del records[source]
    if not usable or forget_all:
        return records, {}
    policy = config.policy

    def named(document: Document, item: ActionItem, tracker: str) -> tuple[TicketRef, ...]:
        def claim(name: str, ref: TicketRef) -> TicketRef | None:
            opened = trackers.get(name)
            return opened.resolve(ref) if opened is not None and opened.owns(ref) else None

        return named_refs(policy, document, item, tracker=tracker, claim=claim)

    found = settle(
        documents,
        records,
        fingerprint=fingerprint,
        links=links,
        listed={name: {t.ref.key for t in held} for name, held in tickets.items()},
        named=named,
    )
    return records, found


def _in_shard(ticket: Ticket, owns: Callable[[str], bool]) -> bool:
    source = ticket.written.source if ticket.written is not None else None
    return source is None or owns(source)


def _default_instance_tickets(
    config: Config, tickets: dict[str, list[Ticket]], unavailable: dict[str, str]
) -> dict[str, list[Ticket]]:
    """With another ``instance`` than the default, the tickets the default installation's
    marker names, per readable tracker (a tracker that cannot give them is unavailable: its
    items could be created twice)."""
    if config.settings.instance == MANAGED_LABEL:
        return {}
    earlier: dict[str, list[Ticket]] = {}
    twins = open_trackers(config, require_secrets=False, instance=MANAGED_LABEL)
    try:
        for name, twin in twins.items():
            if name not in tickets:
                continue
            try:
                earlier[name] = twin.list_managed()
            except TrackerError as exc:
                log.info("%s: cannot read the default instance's tickets: %s", name, exc)
                unavailable[name] = _reason(name, exc)
                del tickets[name]
    finally:
        for twin in twins.values():  # only read from: closed at once
            twin.close()
    return earlier


def _plan(
    config: Config,
    documents: list[Document],
    trackers: Mapping[str, TicketTracker],
    *,
    tickets: dict[str, list[Ticket]],
    links: Mapping[ItemKey, Link],
    unavailable: dict[str, str],
    recreate: Collection[str] = (),
    adoptable: Mapping[str, list[Ticket]] | None = None,
    settled: Mapping[str, tuple[Settled, ...]] | None = None,
) -> Plan:
    """The one planner over what was read. ``trackers``: every opened tracker (they say which
    tickets documents name are theirs); ``tickets``: what the readable ones listed, gaining the
    tickets documents name (a tracker that fails to give them moves to ``unavailable``).
    ``settled``: source -> the items of a quiet document, not desired again (raises
    ``SettledConflictError`` when a planned item reaches one of their tickets)."""
    policy = config.policy
    settled = settled or {}
    planned = [d for d in documents if d.source not in settled]
    standing = [item for items in settled.values() for item in items]

    def claim(name: str, ref: TicketRef) -> TicketRef | None:
        tracker = trackers.get(name)
        if tracker is None:
            return None
        return tracker.resolve(ref) if tracker.owns(ref) else None

    def plan_placed(placed: Mapping[ItemKey, str]) -> Plan:
        wanted, findings = desire_items(policy, planned, claim=claim, placed=placed)
        rendered = [
            d.model_copy(update={"fields": trackers[d.tracker].render(d.fields)})
            for d in wanted
            if d.tracker in tickets
        ]
        del wanted  # 50,000 items' unrendered fields are not held through planning
        for name, missing in tickets_to_fetch(rendered, tickets, links).items():
            try:
                tickets[name].extend(trackers[name].fetch(missing))
            except TrackerError as exc:
                log.info("%s: cannot read named tickets: %s", name, exc)
                unavailable[name] = _reason(name, exc)
                del tickets[name]
        return plan_changes(
            rendered,
            tickets=tickets,
            links=links,
            policy=policy,
            failed_sources={d.source for d in documents if d.errors},
            findings=findings,
            content_hashes={d.source: d.content_hash for d in documents},
            recreate=recreate,
            adoptable=adoptable,
            settled=standing,
        )

    held = {name: [*found, *(adoptable or {}).get(name, [])] for name, found in tickets.items()}
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
            return tried
        if kept:
            return plan_placed({**placed, **kept})
    return plan
