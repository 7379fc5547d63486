"""Ticket snapshots and watermarks (schema 4), on SQLite and PostgreSQL: what an incremental
read keeps between cycles, replaced by a full listing, merged by a changes read, and a state of
an older schema (or an unreadable row) read as no snapshot at all."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncer.model import Ticket, TicketRef
from syncer.shell.state import SqliteTarget, StateStore, open_store
from syncer.shell.state.base import Watermark
from syncer.shell.state.sqlite import MIGRATIONS

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def ticket(key: str, title: str = "Rotate the keys") -> Ticket:
    ref = TicketRef(system="jira", key=key, url=f"https://jira.example.test/browse/{key}")
    return Ticket(ref=ref, title=title, item_key=f"inc-1.{key.lower()}", updated=NOW)


def test_a_full_listing_replaces_and_a_changes_read_merges(store: StateStore) -> None:
    assert store.ticket_snapshot("ops") is None
    full = Watermark(last_seen=NOW, last_full=NOW)
    store.save_snapshot(
        "ops", tickets=[ticket("OPS-1"), ticket("OPS-2")], watermark=full, replace=True
    )
    store.save_snapshot("gh", tickets=[ticket("OPS-9")], watermark=full, replace=True)
    later = Watermark(last_seen=NOW + timedelta(minutes=15), last_full=NOW, etag='W/"abc"')
    store.save_snapshot(
        "ops", tickets=[ticket("OPS-2", "Retitled")], watermark=later, replace=False
    )
    found = store.ticket_snapshot("ops")
    assert found is not None
    mark, tickets = found
    assert mark == later
    assert [(t.ref.key, t.title) for t in tickets] == [
        ("OPS-1", "Rotate the keys"),
        ("OPS-2", "Retitled"),
    ]
    store.save_snapshot("ops", tickets=[ticket("OPS-2")], watermark=full, replace=True)
    again = store.ticket_snapshot("ops")
    assert again is not None
    assert [t.ref.key for t in again[1]] == ["OPS-2"]
    store.forget_snapshot("ops")
    assert store.ticket_snapshot("ops") is None
    gh = store.ticket_snapshot("gh")
    assert gh is not None
    assert [t.ref.key for t in gh[1]] == ["OPS-9"]


def test_an_older_state_gains_the_snapshot_tables_and_has_none_yet(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for _, statements in MIGRATIONS[:3]:
        for statement in statements:
            db.execute(statement)
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    db.commit()
    db.close()
    with open_store(SqliteTarget(path=path)) as store:
        assert store.ticket_snapshot("ops") is None
        mark = Watermark(last_seen=NOW, last_full=NOW)
        store.save_snapshot("ops", tickets=[ticket("OPS-1")], watermark=mark, replace=True)
    # A dry run's scratch copy carries it too.
    with open_store(SqliteTarget(path=path), scratch_copy=True) as scratch:
        copied = scratch.ticket_snapshot("ops")
        assert copied is not None
        assert [t.ref.key for t in copied[1]] == ["OPS-1"]


def test_an_unreadable_snapshot_is_no_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with open_store(SqliteTarget(path=path)) as store:
        mark = Watermark(last_seen=NOW, last_full=NOW)
        store.save_snapshot("ops", tickets=[ticket("OPS-1")], watermark=mark, replace=True)
    db = sqlite3.connect(path)
    db.execute('UPDATE snapshots SET ticket = \'{"not": "a ticket"}\'')
    db.commit()
    db.close()
    with open_store(SqliteTarget(path=path)) as store:
        assert store.ticket_snapshot("ops") is None
