"""The state store: item <-> ticket links, a parse cache, the history of runs, the heartbeat.

State is a cache, never the truth. Every run re-reads the trackers' managed tickets, so a lost or
deleted state file costs one slower run and creates nothing. What state adds:

* ``links``: item key -> tracker and ticket, the fields syncer last wanted on that ticket (the
  baseline that tells a person's edit in the tracker from a change in the document), first seen,
  last synced, last error, and ``pending`` for a create that was sent but not confirmed;
* ``documents``: each document's content hash and parsed form, so unchanged files are not parsed
  again;
* ``runs``: one row per run with its summary, for trend reports;
* ``snapshots`` and ``watermarks``: each tracker's managed tickets as last read, and how far
  that reaches, so a cycle asks the tracker only what changed since (``shell/tickets.py``); a
  lost snapshot costs one full listing;
* ``settled``: the documents the last sync found quiet (``syncer.core.settled``), so a cycle
  lets their conclusion stand instead of planning them again; lost, everything is planned;
* ``heartbeat``: the scheduled worker's last cycle, last success, next due run and last error;
* ``nudges``, ``published`` and ``deliveries``: the report's delivery memory (when each overdue
  ticket was last nudged, which issue holds each team's published report, when each team's
  channel was last delivered and a digest of what it delivered, for the delivery cadence).

This module owns the SQL; where it lives (a SQLite file, a PostgreSQL schema) is a backend's
business (``sqlite.py``, ``postgres.py``). Every write is its own transaction, so a process killed
at any point leaves state claiming nothing that did not happen. The schema is versioned and
migrated on open.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from syncer.core.settled import SettledItem, SettledRecord, touched
from syncer.errors import StateError
from syncer.model import (
    Document,
    ItemKey,
    Link,
    LinkStatus,
    Match,
    Ticket,
    TicketFields,
    TicketRef,
)
from syncer.shell.state.base import (
    HEARTBEAT_SELECT,
    DeliveryMemory,
    Heartbeat,
    Row,
    RunRecord,
    StateBackend,
    Watermark,
    heartbeat_from_row,
    migrate,
)
from syncer.shell.state.sqlite import SqliteBackend, sqlite_scratch

_UPSERT_LINK = (
    "INSERT INTO links (item_key, tracker, source, status, ticket, fields, first_seen,"
    " last_synced, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
    " ON CONFLICT (item_key) DO UPDATE SET tracker = excluded.tracker,"
    " source = excluded.source, status = excluded.status, ticket = excluded.ticket,"
    " fields = excluded.fields, last_synced = excluded.last_synced, last_error = NULL"
)


class StateStore:
    """An open state database. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path | StateBackend, *, scratch_copy: bool = False) -> None:
        """Open (creating if needed) the SQLite state at ``path``, for this process alone.

        An exclusive lock (``<path>.lock``) is held until ``close()``: two overlapping runs
        would both create what neither has yet, so the second one stops at once with
        ``StateLockedError``. With ``scratch_copy`` the state is copied into memory, the file
        is only read and no lock is taken: what the run writes is thrown away on close. That is
        how a dry run uses state.

        ``path`` may instead be an open backend (see ``open_store``, which picks SQLite or
        PostgreSQL from the configuration); ``scratch_copy`` is then the backend's business.
        """
        if isinstance(path, Path):
            backend: StateBackend = (
                sqlite_scratch(path) if scratch_copy else SqliteBackend.open(path, lock=True)
            )
        else:
            backend = path
        self._backend = backend
        self.label = backend.label
        self.link_writes = 0
        """How many writes to links this store made: a caller holding ``links()`` knows
        whether it is still what state holds without reading 50,000 links again."""
        try:
            migrate(backend)
        except BaseException:
            backend.close()
            raise

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._backend.close()

    # links -----------------------------------------------------------------------------------

    def links(self) -> dict[ItemKey, Link]:
        rows = self._backend.stream(
            "SELECT item_key, tracker, source, status, ticket, fields, first_seen, last_synced,"
            " last_error FROM links"
        )
        return {row[0]: _link_from_row(row) for row in rows}

    def link(self, key: ItemKey) -> Link | None:
        rows = self._backend.query(
            "SELECT item_key, tracker, source, status, ticket, fields, first_seen, last_synced,"
            " last_error FROM links WHERE item_key = ?",
            (key,),
        )
        return _link_from_row(rows[0]) if rows else None

    def mark_pending(self, key: ItemKey, *, tracker: str, source: str, now: datetime) -> None:
        """Record, before the request leaves, that a create for ``key`` is about to be sent.

        ``last_synced`` of a pending link is when that create was sent.
        """
        self.link_writes += 1
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO links (item_key, tracker, source, status, first_seen, last_synced)"
                " VALUES (?, ?, ?, 'pending', ?, ?)"
                " ON CONFLICT (item_key) DO UPDATE SET status = 'pending',"
                " tracker = excluded.tracker, source = excluded.source, ticket = NULL,"
                " last_synced = excluded.last_synced",
                (key, tracker, source, now.isoformat(), now.isoformat()),
            )

    def record_link(
        self,
        key: ItemKey,
        *,
        tracker: str,
        source: str,
        status: LinkStatus,
        ref: TicketRef,
        fields: TicketFields | None,
        now: datetime,
    ) -> None:
        """Record a confirmed link (created, updated, matched, or linked to a person's ticket)."""
        self.link_writes += 1
        with self._backend.transaction():
            self._backend.execute(
                _UPSERT_LINK,
                (
                    key,
                    tracker,
                    source,
                    status,
                    ref.model_dump_json(),
                    fields.model_dump_json() if fields else None,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )

    def record_error(
        self,
        key: ItemKey,
        *,
        tracker: str,
        source: str,
        error: str,
        now: datetime,
        create: bool = True,
    ) -> None:
        """Remember why the last attempt for ``key`` failed; a pending create stays pending.

        Only a failed create makes a ``failed`` link: a failed write to an existing ticket
        (``create=False``) notes its error on ``key``'s link, if state has one (a reworded
        item's new key has none; its ticket is known by the old key's link)."""
        self.link_writes += 1
        if not create:
            with self._backend.transaction():
                self._backend.execute(
                    "UPDATE links SET last_error = ? WHERE item_key = ?", (error, key)
                )
            return
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO links (item_key, tracker, source, status, first_seen, last_error)"
                " VALUES (?, ?, ?, 'failed', ?, ?)"
                " ON CONFLICT (item_key) DO UPDATE SET last_error = excluded.last_error",
                (key, tracker, source, now.isoformat(), error),
            )

    def forget_pending(self, key: ItemKey) -> None:
        """A create was refused outright: nothing exists on the server, so nothing is pending."""
        self.link_writes += 1
        with self._backend.transaction():
            self._backend.execute(
                "UPDATE links SET status = 'failed' WHERE item_key = ? AND status = 'pending'",
                (key,),
            )

    def record_matches(
        self, matches: Iterable[Match], *, links: Mapping[ItemKey, Link], now: datetime
    ) -> None:
        """Remember items found in step, in one transaction, writing only what is new."""
        rows = []
        for match in matches:
            status: LinkStatus = "linked" if match.fields is None else "managed"
            known = links.get(match.item_key)
            if known is not None and (
                known.status,
                known.ref,
                known.fields,
                known.tracker,
                known.source,
            ) == (status, match.ref, match.fields, match.tracker, match.source):
                continue
            rows.append(
                (
                    match.item_key,
                    match.tracker,
                    match.source,
                    status,
                    match.ref.model_dump_json(),
                    match.fields.model_dump_json() if match.fields else None,
                    now.isoformat(),
                    now.isoformat(),
                )
            )
        if rows:
            self.link_writes += 1
            with self._backend.transaction():
                self._backend.executemany(_UPSERT_LINK, rows)

    # documents -------------------------------------------------------------------------------

    def cached_documents(self) -> dict[str, tuple[str, str]]:
        """source -> (content hash, parsed JSON) of every document parsed before."""
        rows = self._backend.query("SELECT source, content_hash, parsed FROM documents")
        return {row[0]: (row[1], row[2]) for row in rows}

    def cache_documents(self, documents: list[tuple[str, Document]]) -> None:
        """Store (tag, document) pairs; the tag says which bytes and parser made the document."""
        if not documents:
            return
        with self._backend.transaction():
            self._backend.executemany(
                "INSERT INTO documents (source, content_hash, parsed) VALUES (?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET content_hash = excluded.content_hash,"
                " parsed = excluded.parsed",
                [(d.source, tag, d.model_dump_json()) for tag, d in documents],
            )

    # runs ------------------------------------------------------------------------------------

    def record_run(
        self, *, started: datetime, finished: datetime, command: str, summary: Mapping[str, int]
    ) -> None:
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO runs (started, finished, command, summary) VALUES (?, ?, ?, ?)",
                (started.isoformat(), finished.isoformat(), command, json.dumps(dict(summary))),
            )

    # the report's deliveries ------------------------------------------------------------------

    def last_nudges(self) -> dict[tuple[str, str], datetime]:
        """(tracker, ticket key) -> when syncer last commented on it to nudge its assignee."""
        rows = self._backend.query("SELECT tracker, ticket, last_nudged FROM nudges")
        return {(row[0], row[1]): datetime.fromisoformat(row[2]) for row in rows}

    def record_nudge(self, *, tracker: str, ticket: str, now: datetime) -> None:
        """Remember that a nudge comment went to ``ticket`` at ``now`` (after it was sent)."""
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO nudges (tracker, ticket, last_nudged) VALUES (?, ?, ?)"
                " ON CONFLICT (tracker, ticket) DO UPDATE SET last_nudged = excluded.last_nudged",
                (tracker, ticket, now.isoformat()),
            )

    def published_report(self, team: str) -> tuple[str, TicketRef] | None:
        """The tracker and issue holding ``team``'s published report, if one was published."""
        rows = self._backend.query(
            "SELECT tracker, ticket FROM published WHERE team = ?", (team.casefold(),)
        )
        if not rows:
            return None
        try:
            return rows[0][0], TicketRef.model_validate_json(rows[0][1])
        except ValidationError:
            return None  # unreadable: found again by its marker

    def record_published(self, team: str, *, tracker: str, ref: TicketRef, now: datetime) -> None:
        """Remember the issue holding ``team``'s report, so the next run updates that one."""
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO published (team, tracker, ticket, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (team) DO UPDATE SET tracker = excluded.tracker,"
                " ticket = excluded.ticket, updated = excluded.updated",
                (team.casefold(), tracker, ref.model_dump_json(), now.isoformat()),
            )

    def last_delivery(self, team: str, channel: str) -> DeliveryMemory | None:
        """When ``team``'s ``channel`` ("publish", "webhook") was last delivered, if ever: what
        ``syncer.core.report.cadence.delivery_due`` decides from."""
        rows = self._backend.query(
            "SELECT delivered, digest FROM deliveries WHERE team = ? AND channel = ?",
            (team.casefold(), channel),
        )
        if not rows:
            return None
        return DeliveryMemory(delivered=datetime.fromisoformat(rows[0][0]), digest=rows[0][1])

    def record_delivery(
        self, team: str, channel: str, *, now: datetime, digest: str | None = None
    ) -> None:
        """Remember that ``team``'s ``channel`` was delivered at ``now`` (after it was sent)."""
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO deliveries (team, channel, delivered, digest) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (team, channel) DO UPDATE SET delivered = excluded.delivered,"
                " digest = excluded.digest",
                (team.casefold(), channel, now.isoformat(), digest),
            )

    # ticket snapshots ------------------------------------------------------------------------

    def ticket_snapshot(self, tracker: str) -> tuple[Watermark, list[Ticket]] | None:
        """``tracker``'s managed tickets as last read, and how far that reaches; ``None`` when
        there is none or it cannot be read (the caller lists the tracker in full)."""
        rows = self._backend.query(
            "SELECT last_seen, last_full, etag FROM watermarks WHERE tracker = ?", (tracker,)
        )
        if not rows:
            return None
        try:
            mark = Watermark(
                last_seen=datetime.fromisoformat(rows[0][0]),
                last_full=datetime.fromisoformat(rows[0][1]),
                etag=rows[0][2],
            )
            tickets = [
                Ticket.model_validate_json(row[0])
                for row in self._backend.stream(
                    "SELECT ticket FROM snapshots WHERE tracker = ? ORDER BY ticket_key",
                    (tracker,),
                )
            ]
        except (ValidationError, ValueError):
            return None  # unreadable: listed again in full
        return mark, tickets

    def forget_snapshot_ticket(self, tracker: str, key: str) -> None:
        """Drop one ticket from ``tracker``'s snapshot: it was found gone."""
        with self._backend.transaction():
            self._backend.execute(
                "DELETE FROM snapshots WHERE tracker = ? AND ticket_key = ?", (tracker, key)
            )

    def save_snapshot(
        self,
        tracker: str,
        *,
        tickets: Sequence[Ticket],
        watermark: Watermark,
        replace: bool,
        moved: Collection[str] = (),
    ) -> None:
        """Store ``tickets`` (all of them with ``replace``, else the changed ones) and the
        watermark, in one transaction: a snapshot never reaches further than its tickets.

        The quiet records the read touched go in the same transaction (all of them with
        ``replace``; else those ``moved``, the changed tickets' keys and item keys, reach): once
        the snapshot has moved on, no later read sees those changes again, so a record left
        behind by a cycle that died before it forgot them would stand on a stale conclusion."""
        # A generator: 50,000 tickets' JSON is never held at once.
        rows = ((tracker, t.ref.key, t.model_dump_json()) for t in tickets)
        with self._backend.transaction():
            if replace:
                self._backend.execute("DELETE FROM snapshots WHERE tracker = ?", (tracker,))
                self._backend.execute("DELETE FROM settled")
            elif moved:
                gone = touched(self.settled_documents(), moved)
                if gone:
                    self._backend.executemany(
                        "DELETE FROM settled WHERE source = ?", [(s,) for s in gone]
                    )
            if tickets:
                self._backend.executemany(
                    "INSERT INTO snapshots (tracker, ticket_key, ticket) VALUES (?, ?, ?)"
                    " ON CONFLICT (tracker, ticket_key) DO UPDATE SET ticket = excluded.ticket",
                    rows,
                )
            self._backend.execute(
                "INSERT INTO watermarks (tracker, last_seen, last_full, etag) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (tracker) DO UPDATE SET last_seen = excluded.last_seen,"
                " last_full = excluded.last_full, etag = excluded.etag",
                (
                    tracker,
                    watermark.last_seen.isoformat(),
                    watermark.last_full.isoformat(),
                    watermark.etag,
                ),
            )

    # settled documents -----------------------------------------------------------------------

    def settled_documents(self) -> dict[str, SettledRecord]:
        """Source -> record of each document a sync found quiet; unreadable rows are left out
        (their documents are planned)."""
        found = {}
        for source, content_hash, fingerprint, items in self._backend.query(
            "SELECT source, content_hash, fingerprint, items FROM settled"
        ):
            try:
                found[source] = SettledRecord(
                    source=source,
                    content_hash=content_hash,
                    fingerprint=fingerprint,
                    items=tuple(_settled_item(*entry) for entry in json.loads(items)),
                )
            except (ValueError, TypeError):
                continue
        return found

    def record_settled(
        self, records: Iterable[SettledRecord], *, forget: Iterable[str] = ()
    ) -> None:
        """Store ``records`` and drop the records of the ``forget`` sources, in one
        transaction (a cycle passes only what differs from what it read)."""
        rows = [
            (
                r.source,
                r.content_hash,
                r.fingerprint,
                json.dumps([[i.item_key, i.tracker, i.ticket, i.linked] for i in r.items]),
            )
            for r in records
        ]
        gone = [(source,) for source in forget]
        if not rows and not gone:
            return
        with self._backend.transaction():
            if gone:
                self._backend.executemany("DELETE FROM settled WHERE source = ?", gone)
            if rows:
                self._backend.executemany(
                    "INSERT INTO settled (source, content_hash, fingerprint, items)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET"
                    " content_hash = excluded.content_hash, fingerprint = excluded.fingerprint,"
                    " items = excluded.items",
                    rows,
                )

    def forget_snapshot(self, tracker: str) -> None:
        """Drop ``tracker``'s snapshot: its next read is a full listing."""
        with self._backend.transaction():
            self._backend.execute("DELETE FROM snapshots WHERE tracker = ?", (tracker,))
            self._backend.execute("DELETE FROM watermarks WHERE tracker = ?", (tracker,))

    # heartbeat -------------------------------------------------------------------------------

    def heartbeat(self) -> Heartbeat | None:
        """The worker's last recorded cycle, or None if no cycle was ever recorded."""
        rows = self._backend.query(HEARTBEAT_SELECT)
        return heartbeat_from_row(rows[0]) if rows else None

    def record_heartbeat(
        self, *, now: datetime, ok: bool, next_due: datetime | None, error: str | None = None
    ) -> None:
        """Record that a cycle ended at ``now``: successfully, or with ``error``. A successful
        cycle may carry an ``error`` too: it ran, but a tracker could not be read."""
        if not ok and not error:
            error = "failed"
        with self._backend.transaction():
            self._backend.execute(
                _UPSERT_HEARTBEAT,
                (
                    now.isoformat(),
                    now.isoformat() if ok else None,
                    next_due.isoformat() if next_due else None,
                    error,
                    now.isoformat() if error else None,
                ),
            )

    def runs(self, *, limit: int = 100, command: str | None = None) -> list[RunRecord]:
        """The latest ``limit`` runs, newest first; only those of ``command`` when given."""
        if command is None:
            rows = self._backend.query(
                "SELECT id, started, finished, command, summary FROM runs ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = self._backend.query(
                "SELECT id, started, finished, command, summary FROM runs WHERE command = ?"
                " ORDER BY id DESC LIMIT ?",
                (command, limit),
            )
        return [
            RunRecord(
                id=row[0],
                started=datetime.fromisoformat(row[1]),
                finished=datetime.fromisoformat(row[2]),
                command=row[3],
                summary=json.loads(row[4]),
            )
            for row in rows
        ]


_UPSERT_HEARTBEAT = (
    "INSERT INTO heartbeat (id, last_cycle, last_success, next_due, last_error, last_error_at)"
    " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " last_cycle = excluded.last_cycle,"
    " last_success = COALESCE(excluded.last_success, heartbeat.last_success),"
    " next_due = excluded.next_due,"
    " last_error = COALESCE(excluded.last_error, heartbeat.last_error),"
    " last_error_at = COALESCE(excluded.last_error_at, heartbeat.last_error_at)"
)


def _settled_item(key: object, tracker: object, ticket: object, linked: object) -> SettledItem:
    """One item of a stored quiet record; anything but the types written is refused."""
    if not (isinstance(key, str) and isinstance(tracker, str) and isinstance(ticket, str)):
        raise TypeError("a settled item holds three strings and a flag")
    if not isinstance(linked, bool):
        raise TypeError("a settled item holds three strings and a flag")
    return SettledItem(key, tracker, ticket, linked)


def _link_from_row(row: Row) -> Link:
    key, tracker, source, status, ticket, fields, first_seen, last_synced, last_error = row
    try:
        return Link(
            item_key=key,
            tracker=tracker,
            source=source,
            status=status,  # the table's CHECK constraint keeps it a LinkStatus
            ref=TicketRef.model_validate_json(ticket) if ticket else None,
            fields=TicketFields.model_validate_json(fields) if fields else None,
            first_seen=datetime.fromisoformat(first_seen),
            last_synced=datetime.fromisoformat(last_synced) if last_synced else None,
            last_error=last_error,
        )
    except (ValidationError, ValueError) as exc:
        raise StateError(f"state row for {key} is unreadable: {exc}") from None
