"""State's memory of the report's deliveries (schema 3), on SQLite and PostgreSQL: when each
ticket was last nudged, and which issue holds each team's published report."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncer.model import TicketRef
from syncer.shell.state import SCHEMA_VERSION, SqliteTarget, StateStore, open_store
from syncer.shell.state.sqlite import MIGRATIONS

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
REF = TicketRef(system="jira", key="OPS-7", url="https://jira.example.test/browse/OPS-7")


def test_nudges_are_remembered_per_tracker_and_ticket(store: StateStore) -> None:
    assert store.last_nudges() == {}
    store.record_nudge(tracker="ops", ticket="OPS-7", now=NOW)
    store.record_nudge(tracker="gh", ticket="OPS-7", now=NOW)
    store.record_nudge(tracker="ops", ticket="OPS-7", now=NOW + timedelta(days=7))
    assert store.last_nudges() == {
        ("ops", "OPS-7"): NOW + timedelta(days=7),
        ("gh", "OPS-7"): NOW,
    }


def test_a_teams_published_issue_is_remembered_case_blind(store: StateStore) -> None:
    assert store.published_report("payments") is None
    store.record_published("Payments", tracker="ops", ref=REF, now=NOW)
    assert store.published_report("payments") == ("ops", REF)
    moved = REF.model_copy(update={"key": "OPS-9"})
    store.record_published("payments", tracker="ops", ref=moved, now=NOW)
    assert store.published_report("PAYMENTS") == ("ops", moved)


def test_a_version_2_state_gains_the_delivery_tables(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for _, statements in MIGRATIONS[:2]:
        for statement in statements:
            db.execute(statement)
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    db.execute(
        "INSERT INTO runs (started, finished, command, summary) VALUES (?, ?, 'report', ?)",
        (NOW.isoformat(), NOW.isoformat(), '{"open": 3, "overdue": 1}'),
    )
    db.commit()
    db.close()
    with open_store(SqliteTarget(path=path)) as store:
        assert [r.summary for r in store.runs(command="report")] == [{"open": 3, "overdue": 1}]
        store.record_nudge(tracker="ops", ticket="OPS-7", now=NOW)
    # A dry run's scratch copy carries them too.
    with open_store(SqliteTarget(path=path), scratch_copy=True) as scratch:
        assert scratch.last_nudges() == {("ops", "OPS-7"): NOW}
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)
    db.close()


def test_runs_filtered_by_command(store: StateStore) -> None:
    for command in ("sync", "report", "sync"):
        store.record_run(started=NOW, finished=NOW, command=command, summary={"open": 1})
    assert [r.command for r in store.runs()] == ["sync", "report", "sync"]
    assert [r.command for r in store.runs(command="report")] == ["report"]


def test_each_teams_channel_remembers_its_last_delivery(store: StateStore) -> None:
    assert store.last_delivery("payments", "webhook") is None
    store.record_delivery("Payments", "webhook", now=NOW)
    store.record_delivery("payments", "publish", now=NOW, digest="abc")
    store.record_delivery("payments", "publish", now=NOW + timedelta(days=7), digest="def")
    webhook = store.last_delivery("PAYMENTS", "webhook")
    assert webhook is not None
    assert (webhook.delivered, webhook.digest) == (NOW, None)
    publish = store.last_delivery("payments", "publish")
    assert publish is not None
    assert (publish.delivered, publish.digest) == (NOW + timedelta(days=7), "def")


def test_a_version_3_state_gains_the_deliveries_table(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for _, statements in MIGRATIONS[:3]:
        for statement in statements:
            db.execute(statement)
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    db.execute("INSERT INTO nudges VALUES ('ops', 'OPS-7', ?)", (NOW.isoformat(),))
    db.commit()
    db.close()
    with open_store(SqliteTarget(path=path)) as store:
        assert store.last_nudges() == {("ops", "OPS-7"): NOW}
        store.record_delivery("payments", "webhook", now=NOW)
    with open_store(SqliteTarget(path=path), scratch_copy=True) as scratch:
        memory = scratch.last_delivery("payments", "webhook")
        assert memory is not None
        assert memory.delivered == NOW
