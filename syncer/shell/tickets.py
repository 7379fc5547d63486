"""The managed tickets of one tracker, read at a cost that does not grow with history.

``read_managed`` answers what ``TicketTracker.list_managed`` answers, from a snapshot kept in state
plus what the tracker says changed since the last read (``TicketTracker.list_changed``): on a quiet
tracker one request (on GitHub a conditional one, whose 304 is free), on a busy one a request
per hundred changed tickets. The snapshot is the tickets exactly as the tracker reported them,
and what syncer wrote reads back through the tracker too (a write moves the ticket's updated
time), so the snapshot never holds what the tracker did not say.

What a "changed since" question cannot see: a ticket deleted, moved to another project, made
invisible to syncer's credentials, or stripped of syncer's label; a change whose updated time
the tracker put before the watermark (clock skew, a search index that lags behind writes: a
margin, ``skew``, covers both). A full listing catches all of it and replaces the snapshot: on
a schedule (``every``, daily by default), on demand (``full``), and whenever the snapshot is
missing or unreadable (state lost or new). State loss therefore costs one full listing, never a
wrong answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from syncer.config import Config
from syncer.model import Frozen, Ticket
from syncer.shell.state import StateStore
from syncer.shell.state.base import Watermark
from syncer.shell.trackers.base import TicketTracker

log = logging.getLogger(__name__)

FULL_EVERY = timedelta(hours=24)
"""How often a full listing replaces the snapshot, unless configured otherwise."""
SKEW = timedelta(minutes=5)
"""How far before the watermark a changes question starts: two clocks' difference and a search
index's lag behind writes, with room to spare (re-reading a ticket costs nothing wrong)."""


class TicketRead(Frozen):
    """One tracker's managed tickets, and how they were read."""

    tickets: tuple[Ticket, ...]
    full: bool
    """Listed in full this time (schedule, ``--full``, or no usable snapshot)."""
    last_full: datetime
    """When the last full listing ran (this one, when ``full``)."""
    changed: int = 0
    """How many tickets the changes question found new or different (0 for a full read)."""
    moved: frozenset[str] = frozenset()
    """Those tickets' keys and the item keys they carry, and the item keys their snapshot
    copies carried (a marker moved): what a quiet document's conclusion must not touch."""


def read_managed(
    tracker: TicketTracker,
    store: StateStore,
    *,
    name: str,
    now: datetime,
    full: bool,
    every: timedelta | None = FULL_EVERY,
    skew: timedelta = SKEW,
) -> TicketRead:
    """``tracker.list_managed()``, incrementally where the snapshot in ``store`` allows.

    ``full`` forces a full listing; ``every`` (``None``: not on a schedule) makes one due that
    long after the last. A failed read raises the tracker's ``TrackerError`` and leaves the
    snapshot as it was.
    """
    snapshot = None if full else store.ticket_snapshot(name)
    if snapshot is not None and every is not None and now - snapshot[0].last_full >= every:
        log.info("%s: the daily full listing is due", name)
        snapshot = None
    if snapshot is None:
        return _list_in_full(tracker, store, name=name, now=now)
    mark, known = snapshot
    changes = tracker.list_changed(since=mark.last_seen - skew, now=now, etag=mark.etag)
    if not changes.complete:
        log.info("%s: the changes read took too long to vouch for; listing in full", name)
        return _list_in_full(tracker, store, name=name, now=now)
    if changes.unchanged:
        return TicketRead(tickets=tuple(known), full=False, last_full=mark.last_full)
    merged = {ticket.ref.key: ticket for ticket in known}
    fresh = [t for t in changes.tickets if merged.get(t.ref.key) != t]
    before = [merged[t.ref.key] for t in fresh if t.ref.key in merged]
    merged.update((ticket.ref.key, ticket) for ticket in changes.tickets)
    # The watermark moves to this read's start only when the answer held tickets: an empty
    # answer proves nothing changed since the old mark, and keeping it keeps the question the
    # same, so GitHub can answer the next one with a free 304.
    moved = Watermark(
        last_seen=now if changes.tickets else mark.last_seen,
        last_full=mark.last_full,
        etag=changes.etag,
    )
    reached = frozenset(_moved(fresh, before))
    if fresh or moved != mark:
        store.save_snapshot(name, tickets=fresh, watermark=moved, replace=False, moved=reached)
    return TicketRead(
        tickets=tuple(merged.values()),
        full=False,
        last_full=mark.last_full,
        changed=len(fresh),
        moved=reached,
    )


def _moved(fresh: list[Ticket], before: list[Ticket]) -> set[str]:
    keys = {t.ref.key for t in fresh}
    keys |= {t.item_key for t in [*fresh, *before] if t.item_key is not None}
    return keys


def _list_in_full(
    tracker: TicketTracker, store: StateStore, *, name: str, now: datetime
) -> TicketRead:
    listed = tracker.list_managed()
    mark = Watermark(last_seen=now, last_full=now)
    store.save_snapshot(name, tickets=listed, watermark=mark, replace=True)
    return TicketRead(tickets=tuple(listed), full=True, last_full=now)


TicketReader = Callable[[str, TicketTracker], TicketRead]
"""``read(name, tracker)``: how a cycle reads one tracker's managed tickets."""


def list_in_full(name: str, tracker: TicketTracker) -> TicketRead:
    """No snapshot: every read is a full listing (a caller without state)."""
    return TicketRead(tickets=tuple(tracker.list_managed()), full=True, last_full=datetime.now(UTC))


def reader(config: Config, store: StateStore, *, now: datetime, full: bool) -> TicketReader:
    """``read_managed`` with the configuration's schedule and margin, for one cycle."""
    settings = config.settings.sync
    every = timedelta(hours=settings.full_every_hours) if settings.full_every_hours else None
    skew = timedelta(minutes=settings.changes_margin_minutes)

    def read(name: str, tracker: TicketTracker) -> TicketRead:
        return read_managed(
            tracker,
            store,
            name=name,
            now=now,
            full=full or every is None,
            every=every,
            skew=skew,
        )

    return read
