"""State: where syncer keeps links, the parse cache, run history and the worker's heartbeat.

``open_store`` picks the backend from the configuration: PostgreSQL when ``[state] url`` (or
``SYNCER_STATE__URL``) is set, else the SQLite file at ``[state] path``. A configured
``[state] shard`` gives the worker its own lock and its own rows (a file ``state.<shard>.db``,
or a schema ``syncer_<shard>``). ``read_heartbeat`` and ``write_heartbeat`` work without the
run lock, so a health probe never waits for (or blocks) a run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from syncer.config import Config
from syncer.errors import StateError
from syncer.model import Frozen
from syncer.shell.state.base import (
    HEARTBEAT_SELECT,
    SCHEMA_VERSION,
    DeliveryMemory,
    Heartbeat,
    RunRecord,
    StateBackend,
    heartbeat_from_row,
)
from syncer.shell.state.postgres import PostgresBackend, postgres_scratch, redact_url, schema_name
from syncer.shell.state.postgres import read_heartbeat as postgres_heartbeat
from syncer.shell.state.sqlite import SqliteBackend, read_only, shard_path, sqlite_scratch
from syncer.shell.state.store import StateStore

__all__ = [
    "PASSWORD_ENV",
    "SCHEMA_VERSION",
    "DeliveryMemory",
    "Heartbeat",
    "PostgresTarget",
    "RunRecord",
    "SqliteTarget",
    "StateBackend",
    "StateStore",
    "StateTarget",
    "open_store",
    "read_heartbeat",
    "state_target",
    "write_heartbeat",
]

PASSWORD_ENV = "SYNCER_STATE_PASSWORD"  # noqa: S105  # a variable's name, not a password
"""The PostgreSQL password; libpq's own PGPASSWORD (or ~/.pgpass) works too."""


class SqliteTarget(Frozen):
    """A SQLite state file (``path`` as configured; the shard picks the actual file)."""

    path: Path
    shard: str | None = None

    @property
    def file(self) -> Path:
        return shard_path(self.path, self.shard)

    @property
    def label(self) -> str:
        return str(self.file)


class PostgresTarget(Frozen):
    """A PostgreSQL database; the shard picks the schema."""

    url: str
    shard: str | None = None
    password: SecretStr | None = None

    @property
    def label(self) -> str:
        return f"{redact_url(self.url)} (schema {schema_name(self.shard)})"


StateTarget = SqliteTarget | PostgresTarget


def state_target(config: Config, *, environ: Mapping[str, str]) -> StateTarget:
    """Where ``config`` keeps its state; the password, if any, from ``environ`` (required: the
    CLI's environment, with ``--env-file`` added, never the process's by default)."""
    state = config.settings.state
    if state.url:
        password = environ.get(PASSWORD_ENV)
        return PostgresTarget(
            url=state.url,
            shard=state.shard,
            password=SecretStr(password) if password else None,
        )
    return SqliteTarget(path=config.state_path, shard=state.shard)


def _password(target: PostgresTarget) -> str | None:
    return target.password.get_secret_value() if target.password else None


def open_store(target: StateTarget, *, scratch_copy: bool = False, lock: bool = True) -> StateStore:
    """Open the configured state.

    ``scratch_copy``: an in-memory copy, read without lock; nothing is written anywhere (the
    dry run). ``lock=False``: the real state without the run lock, for writes that may happen
    beside a run (the heartbeat); each write is still its own serialised transaction.
    Raises ``StateLockedError`` when another run holds the lock, ``StateError`` otherwise.
    """
    if isinstance(target, SqliteTarget):
        if scratch_copy:
            return StateStore(sqlite_scratch(target.file))
        return StateStore(SqliteBackend.open(target.file, lock=lock))
    if scratch_copy:
        return StateStore(
            postgres_scratch(target.url, password=_password(target), shard=target.shard)
        )
    return StateStore(
        PostgresBackend.open(target.url, password=_password(target), shard=target.shard, lock=lock)
    )


def read_heartbeat(target: StateTarget) -> Heartbeat | None:
    """The worker's last recorded cycle, read without lock or write; None if never recorded."""
    if isinstance(target, PostgresTarget):
        return postgres_heartbeat(target.url, password=_password(target), shard=target.shard)
    db = read_only(target.file)
    if db is None:
        return None
    try:
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heartbeat'"
        ).fetchone()
        row = db.execute(HEARTBEAT_SELECT).fetchone() if exists else None
    except sqlite3.Error as exc:
        raise StateError(f"{target.label}: cannot read state (state.path): {exc}") from None
    finally:
        db.close()
    return heartbeat_from_row(row) if row else None


def write_heartbeat(
    target: StateTarget,
    *,
    now: datetime,
    ok: bool,
    next_due: datetime | None,
    error: str | None = None,
) -> None:
    """Record a cycle's end in state without taking the run lock (see ``open_store``)."""
    with open_store(target, lock=False) as store:
        store.record_heartbeat(now=now, ok=ok, next_due=next_due, error=error)
