"""The port every state backend adapts to, and the values state hands out.

``StateStore`` (``store.py``) holds all of state's SQL once; a backend only connects, locks,
runs statements and knows its own schema migrations. The shared SQL is written with ``?``
placeholders in the dialect SQLite and PostgreSQL share (``ON CONFLICT ... DO UPDATE``,
``excluded.``); a backend translates placeholders if its driver wants another style.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from syncer.errors import StateError
from syncer.model import Frozen

SCHEMA_VERSION = 6
"""1: links, documents, runs. 2: the heartbeat of the scheduled worker. 3: the report's
delivery memory: when each ticket was last nudged, and each team's published report issue.
4: each tracker's snapshot of its managed tickets and the watermark of the last read, so a
cycle asks a tracker only what changed since (``shell/tickets.py``)."""

Row = tuple[Any, ...]

Migrations = Sequence[tuple[int, Sequence[str]]]
"""(version, statements) in ascending order; a store at version N runs every step above N."""


class StateBackend(Protocol):
    """One open connection to a state database, with the run lock when one was asked for."""

    label: str
    """How messages name this state: a path, or a URL without its password."""

    migrations: Migrations

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        """``query``'s rows one at a time, where the backend can (50,000 snapshot rows are
        not held as text beside the tickets made of them)."""
        ...

    def execute(self, sql: str, params: Sequence[object] = ()) -> None: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """``rows`` may be a generator: each row is made as it is sent."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction: committed on exit, rolled back if the block raises."""
        ...

    def close(self) -> None:
        """Close the connection and release the run lock, if held."""
        ...


class RunRecord(Frozen):
    """One past run and its summary counts."""

    id: int
    started: datetime
    finished: datetime
    command: str
    summary: Mapping[str, int]


class DeliveryMemory(Frozen):
    """When a team's channel was last delivered, and a digest of the content it delivered."""

    delivered: datetime
    digest: str | None = None


class Watermark(Frozen):
    """How far a tracker's snapshot of managed tickets reaches (``shell/tickets.py``)."""

    last_seen: datetime
    """When the last read that found anything started (syncer's clock): changes from here on
    may be missing from the snapshot, so the next read asks for them, from a margin earlier
    (the two clocks' difference, a search index's lag)."""
    last_full: datetime
    """When the last full listing (a reconcile) ran."""
    etag: str | None = None
    """GitHub: the ETag of the last incremental listing's answer, for a conditional request."""


class Heartbeat(Frozen):
    """What the scheduled worker last did, for health checks.

    ``last_error`` and ``last_error_at`` keep the most recent failure even after later
    successes, so a health check can say what went wrong last.
    """

    last_cycle: datetime | None = None
    """When the last cycle (successful or not) ended."""
    last_success: datetime | None = None
    next_due: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


TABLES: Mapping[str, tuple[str, ...]] = {
    "links": (
        "item_key",
        "tracker",
        "source",
        "status",
        "ticket",
        "fields",
        "first_seen",
        "last_synced",
        "last_error",
    ),
    "documents": ("source", "content_hash", "parsed"),
    "runs": ("id", "started", "finished", "command", "summary"),
    "heartbeat": ("id", "last_cycle", "last_success", "next_due", "last_error", "last_error_at"),
    "nudges": ("tracker", "ticket", "last_nudged"),
    "published": ("team", "tracker", "ticket", "updated"),
    "deliveries": ("team", "channel", "delivered", "digest"),
    "snapshots": ("tracker", "ticket_key", "ticket"),
    "watermarks": ("tracker", "last_seen", "last_full", "etag"),
    "settled": ("source", "content_hash", "fingerprint", "items"),
}
"""Every data table and its columns, identical in both backends (copies rely on it)."""

TABLE_SINCE: Mapping[str, int] = {
    "links": 1,
    "documents": 1,
    "runs": 1,
    "heartbeat": 2,
    "nudges": 3,
    "published": 3,
    "deliveries": 4,
    "snapshots": 5,
    "watermarks": 5,
    "settled": 6,
}
"""The schema version that introduced each table."""


def migrations(*, identity: str) -> Migrations:
    """The schema's versioned steps, the same for every backend but for the SQL of an
    auto-numbered key (``identity``): each backend passes its own."""
    return (
        (
            1,
            (
                """CREATE TABLE IF NOT EXISTS links (
                    item_key    TEXT PRIMARY KEY,
                    tracker     TEXT NOT NULL,
                    source      TEXT NOT NULL,
                    status      TEXT NOT NULL
                                CHECK (status IN ('pending', 'failed', 'managed', 'linked')),
                    ticket      TEXT,
                    fields      TEXT,
                    first_seen  TEXT NOT NULL,
                    last_synced TEXT,
                    last_error  TEXT
                )""",
                """CREATE TABLE IF NOT EXISTS documents (
                    source       TEXT PRIMARY KEY,
                    content_hash TEXT NOT NULL,
                    parsed       TEXT NOT NULL
                )""",
                f"""CREATE TABLE IF NOT EXISTS runs (
                    id       {identity},
                    started  TEXT NOT NULL,
                    finished TEXT NOT NULL,
                    command  TEXT NOT NULL,
                    summary  TEXT NOT NULL
                )""",
            ),
        ),
        (
            2,
            (
                """CREATE TABLE IF NOT EXISTS heartbeat (
                    id            INTEGER PRIMARY KEY CHECK (id = 1),
                    last_cycle    TEXT,
                    last_success  TEXT,
                    next_due      TEXT,
                    last_error    TEXT,
                    last_error_at TEXT
                )""",
            ),
        ),
        (
            3,
            (
                """CREATE TABLE IF NOT EXISTS nudges (
                    tracker     TEXT NOT NULL,
                    ticket      TEXT NOT NULL,
                    last_nudged TEXT NOT NULL,
                    PRIMARY KEY (tracker, ticket)
                )""",
                """CREATE TABLE IF NOT EXISTS published (
                    team    TEXT PRIMARY KEY,
                    tracker TEXT NOT NULL,
                    ticket  TEXT NOT NULL,
                    updated TEXT NOT NULL
                )""",
            ),
        ),
        (
            4,
            (
                # When each team's channel (publish, webhook) was last delivered, and a digest
                # of what was delivered: the cadence and the "only edit when changed" rule.
                """CREATE TABLE IF NOT EXISTS deliveries (
                    team      TEXT NOT NULL,
                    channel   TEXT NOT NULL,
                    delivered TEXT NOT NULL,
                    digest    TEXT,
                    PRIMARY KEY (team, channel)
                )""",
            ),
        ),
        (
            5,
            (
                """CREATE TABLE IF NOT EXISTS snapshots (
                    tracker    TEXT NOT NULL,
                    ticket_key TEXT NOT NULL,
                    ticket     TEXT NOT NULL,
                    PRIMARY KEY (tracker, ticket_key)
                )""",
                """CREATE TABLE IF NOT EXISTS watermarks (
                    tracker   TEXT PRIMARY KEY,
                    last_seen TEXT NOT NULL,
                    last_full TEXT NOT NULL,
                    etag      TEXT
                )""",
            ),
        ),
        (
            6,
            (
                # Quiet documents (``syncer.core.settled``): a cycle lets their conclusion
                # stand instead of planning them again. Lost, everything is planned.
                """CREATE TABLE IF NOT EXISTS settled (
                    source       TEXT PRIMARY KEY,
                    content_hash TEXT NOT NULL,
                    fingerprint  TEXT NOT NULL,
                    items        TEXT NOT NULL
                )""",
            ),
        ),
    )


def migrate(backend: StateBackend) -> None:
    """Bring ``backend``'s schema to ``SCHEMA_VERSION``, one versioned step at a time."""
    with backend.transaction():
        backend.execute(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        rows = backend.query("SELECT value FROM meta WHERE name = 'schema_version'")
        version = int(rows[0][0]) if rows else 0
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{backend.label}: state schema {version} is newer than this syncer "
                f"understands ({SCHEMA_VERSION}); upgrade syncer"
            )
        for step, statements in backend.migrations:
            if step > version:
                for statement in statements:
                    backend.execute(statement)
        backend.execute(
            "INSERT INTO meta (name, value) VALUES ('schema_version', ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def heartbeat_from_row(row: Row) -> Heartbeat:
    """A ``heartbeat`` table row (without its id) as a value."""
    last_cycle, last_success, next_due, last_error, last_error_at = row
    try:
        return Heartbeat(
            last_cycle=_when(last_cycle),
            last_success=_when(last_success),
            next_due=_when(next_due),
            last_error=last_error,
            last_error_at=_when(last_error_at),
        )
    except (ValidationError, ValueError) as exc:
        raise StateError(f"the heartbeat in state is unreadable: {exc}") from None


HEARTBEAT_SELECT = (
    "SELECT last_cycle, last_success, next_due, last_error, last_error_at FROM heartbeat"
    " WHERE id = 1"
)
