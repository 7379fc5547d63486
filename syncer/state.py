"""The state store: item <-> ticket links, a parse cache, and the history of runs, in SQLite.

State is a cache, never the truth. Every run re-reads the trackers' managed tickets, so a lost or
deleted state file costs one slower run and creates nothing. What state adds:

* ``links``: item key -> tracker and ticket, the fields syncer last wanted on that ticket (the
  baseline that tells a person's edit in the tracker from a change in the document), first seen,
  last synced, last error, and ``pending`` for a create that was sent but not confirmed;
* ``documents``: each document's content hash and parsed form, so unchanged files are not parsed
  again;
* ``runs``: one row per run with its summary, for trend reports.

Every write is its own transaction (SQLite WAL), so a process killed at any point leaves state
claiming nothing that did not happen. The schema is versioned and migrated on open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import ValidationError

from syncer.errors import StateError, StateLockedError
from syncer.model import Document, Frozen, ItemKey, Link, LinkStatus, Match, TicketFields, TicketRef

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    item_key    TEXT PRIMARY KEY,
    tracker     TEXT NOT NULL,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'managed', 'linked')),
    ticket      TEXT,
    fields      TEXT,
    first_seen  TEXT NOT NULL,
    last_synced TEXT,
    last_error  TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    source       TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    parsed       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    started  TEXT NOT NULL,
    finished TEXT NOT NULL,
    command  TEXT NOT NULL,
    summary  TEXT NOT NULL
);
"""

_UPSERT_LINK = (
    "INSERT INTO links (item_key, tracker, source, status, ticket, fields, first_seen,"
    " last_synced, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
    " ON CONFLICT (item_key) DO UPDATE SET tracker = excluded.tracker,"
    " source = excluded.source, status = excluded.status, ticket = excluded.ticket,"
    " fields = excluded.fields, last_synced = excluded.last_synced, last_error = NULL"
)


class RunRecord(Frozen):
    """One past run and its summary counts."""

    id: int
    started: datetime
    finished: datetime
    command: str
    summary: Mapping[str, int]


class StateStore:
    """An open state database. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path, *, scratch_copy: bool = False) -> None:
        """Open (creating if needed) the state at ``path``, for this process alone.

        An exclusive lock (``<path>.lock``) is held until ``close()``: two overlapping runs
        would both create what neither has yet, so the second one stops at once with
        ``StateLockedError``. With ``scratch_copy`` the state is copied into memory, the file
        is only read and no lock is taken: what the run writes is thrown away on close. That is
        how a dry run uses state.
        """
        self.path = path
        self._lock: FileLock | None = None
        try:
            if scratch_copy:
                self._db = sqlite3.connect(":memory:", isolation_level=None)
                _copy_into(path, self._db)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._lock = FileLock(f"{path}.lock")
                self._lock.acquire(timeout=0)
                self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except Timeout:
            raise StateLockedError(
                f"{path}: another syncer run is using this state; nothing done (try again when "
                "it has finished)"
            ) from None
        except sqlite3.DatabaseError as exc:
            self._release()
            raise StateError(f"{path}: cannot open state database: {exc}") from None
        except OSError as exc:
            self._release()
            raise StateError(f"{path}: cannot open state: {exc.strerror}") from None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.path}: cannot write state: {exc}") from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.path}: cannot write state: {exc}") from None

    def _migrate(self) -> None:
        with self._transaction() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"{self.path}: state schema {version} is newer than this syncer "
                    f"understands ({SCHEMA_VERSION}); upgrade syncer"
                )
            # Future migrations go here, one `if version < N:` block each.
            db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    # links -----------------------------------------------------------------------------------

    def links(self) -> dict[ItemKey, Link]:
        rows = self._db.execute(
            "SELECT item_key, tracker, source, status, ticket, fields, first_seen, last_synced,"
            " last_error FROM links"
        ).fetchall()
        return {row[0]: _link_from_row(row) for row in rows}

    def link(self, key: ItemKey) -> Link | None:
        row = self._db.execute(
            "SELECT item_key, tracker, source, status, ticket, fields, first_seen, last_synced,"
            " last_error FROM links WHERE item_key = ?",
            (key,),
        ).fetchone()
        return _link_from_row(row) if row else None

    def mark_pending(self, key: ItemKey, *, tracker: str, source: str, now: datetime) -> None:
        """Record, before the request leaves, that a create for ``key`` is about to be sent.

        ``last_synced`` of a pending link is when that create was sent.
        """
        with self._transaction() as db:
            db.execute(
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
        with self._transaction() as db:
            db.execute(
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
        self, key: ItemKey, *, tracker: str, source: str, error: str, now: datetime
    ) -> None:
        """Remember why the last attempt for ``key`` failed; a pending create stays pending."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO links (item_key, tracker, source, status, first_seen, last_error)"
                " VALUES (?, ?, ?, 'failed', ?, ?)"
                " ON CONFLICT (item_key) DO UPDATE SET last_error = excluded.last_error",
                (key, tracker, source, now.isoformat(), error),
            )

    def forget_pending(self, key: ItemKey) -> None:
        """A create was refused outright: nothing exists on the server, so nothing is pending."""
        with self._transaction() as db:
            db.execute(
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
            with self._transaction() as db:
                db.executemany(_UPSERT_LINK, rows)

    # documents -------------------------------------------------------------------------------

    def cached_documents(self) -> dict[str, tuple[str, str]]:
        """source -> (content hash, parsed JSON) of every document parsed before."""
        rows = self._db.execute("SELECT source, content_hash, parsed FROM documents").fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    def cache_documents(self, documents: list[tuple[str, Document]]) -> None:
        """Store (tag, document) pairs; the tag says which bytes and parser made the document."""
        if not documents:
            return
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO documents (source, content_hash, parsed) VALUES (?, ?, ?)",
                [(d.source, tag, d.model_dump_json()) for tag, d in documents],
            )

    # runs ------------------------------------------------------------------------------------

    def record_run(
        self, *, started: datetime, finished: datetime, command: str, summary: Mapping[str, int]
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (started, finished, command, summary) VALUES (?, ?, ?, ?)",
                (started.isoformat(), finished.isoformat(), command, json.dumps(dict(summary))),
            )

    def runs(self, *, limit: int = 100) -> list[RunRecord]:
        rows = self._db.execute(
            "SELECT id, started, finished, command, summary FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
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


def _copy_into(path: Path, db: sqlite3.Connection) -> None:
    """Copy the state at ``path`` (if any) into ``db`` without writing next to it."""
    if not path.exists():
        return
    if Path(f"{path}-wal").exists():
        # Commits not yet checkpointed live in the WAL; a read-only connection reads them.
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(db)
        finally:
            source.close()
    else:
        image = bytearray(path.read_bytes())
        if len(image) >= 20:
            # Header bytes 18-19 say "WAL" (2); an in-memory copy cannot be WAL, so: legacy (1).
            image[18] = image[19] = 1
        db.deserialize(bytes(image))


def _link_from_row(row: tuple[str, ...]) -> Link:
    key, tracker, source, status, ticket, fields, first_seen, last_synced, last_error = row
    try:
        return Link(
            item_key=key,
            tracker=tracker,
            source=source,
            status=status,  # type: ignore[arg-type]  # the table's CHECK constraint holds it
            ref=TicketRef.model_validate_json(ticket) if ticket else None,
            fields=TicketFields.model_validate_json(fields) if fields else None,
            first_seen=datetime.fromisoformat(first_seen),
            last_synced=datetime.fromisoformat(last_synced) if last_synced else None,
            last_error=last_error,
        )
    except (ValidationError, ValueError) as exc:
        raise StateError(f"state row for {key} is unreadable: {exc}") from None
