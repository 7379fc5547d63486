"""The SQLite state backend: one file per shard, a lock file beside it, WAL journalling.

The run lock is a ``filelock`` lock on ``<path>.lock``: advisory ``flock`` locks, which are not
reliable on NFS and some other network file systems (use the PostgreSQL backend there).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from syncer.errors import StateError, StateLockedError
from syncer.shell.state.base import Migrations, Row, migrations

MIGRATIONS: Migrations = migrations(identity="INTEGER PRIMARY KEY AUTOINCREMENT")

_SETTING = "state.path"
"""How messages name the setting to change (also SYNCER_STATE__PATH)."""


def shard_path(path: Path, shard: str | None) -> Path:
    """The file of ``shard``: ``state.db`` -> ``state.web.db``; unsharded, ``path`` itself."""
    if shard is None:
        return path
    return path.with_name(f"{path.stem}.{shard}{path.suffix}")


class SqliteBackend:
    """An open SQLite connection, holding the run lock unless opened without one."""

    migrations: Migrations = MIGRATIONS

    def __init__(self, db: sqlite3.Connection, *, label: str, lock: FileLock | None) -> None:
        self._db = db
        self.label = label
        self._lock = lock

    @classmethod
    def open(cls, path: Path, *, lock: bool) -> SqliteBackend:
        """Open or create the file at ``path``; with ``lock``, for this process alone."""
        _ensure_writable_folder(path)
        file_lock = None
        try:
            if lock:
                file_lock = FileLock(f"{path}.lock")
                file_lock.acquire(timeout=0)
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        except Timeout:
            raise StateLockedError(
                f"{path}: another syncer run is using this state; nothing done (try again when "
                "it has finished)"
            ) from None
        except sqlite3.DatabaseError as exc:
            _release(file_lock)
            raise StateError(f"{path}: cannot open state database ({_SETTING}): {exc}") from None
        except OSError as exc:
            _release(file_lock)
            raise StateError(f"{path}: cannot open state ({_SETTING}): {exc.strerror}") from None
        return cls(db, label=str(path), lock=file_lock)

    @classmethod
    def memory(cls, *, label: str) -> SqliteBackend:
        """A private in-memory database: what a dry run writes goes nowhere."""
        return cls(sqlite3.connect(":memory:", isolation_level=None), label=label, lock=None)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return self._db.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        try:
            self._db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.label}: cannot write state ({_SETTING}): {exc}") from None

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[Row]:
        yield from self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.label}: cannot write state ({_SETTING}): {exc}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.label}: cannot write state ({_SETTING}): {exc}") from None
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StateError(f"{self.label}: cannot write state ({_SETTING}): {exc}") from None

    def close(self) -> None:
        self._db.close()
        _release(self._lock)
        self._lock = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for copying state into it."""
        return self._db


def _release(lock: FileLock | None) -> None:
    if lock is not None:
        lock.release()


def _ensure_writable_folder(path: Path) -> None:
    """Fail with one line naming the setting when the state's folder cannot be written.

    Without this, a read-only folder shows up as a lock that cannot be taken, or as SQLite's
    "unable to open database file".
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StateError(
            f"{_SETTING}: the state folder {folder} cannot be written ({exc.strerror}); "
            "set [state] path or SYNCER_STATE__PATH to a folder this user can write"
        ) from None


def unwritable_folder(path: Path) -> str | None:
    """Why the state file ``path`` could not be created, or None; changes nothing (validate).

    The folder may not exist yet (the first run makes it): its nearest existing ancestor must
    then be a folder this user can write.
    """
    folder = path.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        reason = "not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        reason = "Permission denied" if existing == folder else f"{existing} is not writable"
    else:
        return None
    return (
        f"{_SETTING}: the state folder {folder} cannot be written ({reason}); "
        "set [state] path or SYNCER_STATE__PATH to a folder this user can write"
    )


def sqlite_scratch(path: Path) -> SqliteBackend:
    """An in-memory copy of the state at ``path`` (if any), read without lock or write."""
    backend = SqliteBackend.memory(label=str(path))
    try:
        _copy_into(path, backend.connection)
    except sqlite3.DatabaseError as exc:
        backend.close()
        raise StateError(f"{path}: cannot open state database ({_SETTING}): {exc}") from None
    except OSError as exc:
        backend.close()
        raise StateError(f"{path}: cannot read state ({_SETTING}): {exc.strerror}") from None
    return backend


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


def read_only(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to the state at ``path``, or None when there is none yet."""
    if not path.exists():
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{path}: cannot open state database ({_SETTING}): {exc}") from None
