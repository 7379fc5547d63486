"""The state store on both backends: locks, shards, dry-run copies, heartbeat, migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from pydantic import SecretStr

from syncer.config import parse_config
from syncer.errors import ConfigError, StateError, StateLockedError
from syncer.model import TicketRef
from syncer.shell.state import (
    SCHEMA_VERSION,
    PostgresTarget,
    SqliteTarget,
    StateTarget,
    open_store,
    read_heartbeat,
    state_target,
    write_heartbeat,
)
from syncer.shell.state.postgres import redact_url, schema_name
from syncer.shell.state.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from tests.support.postgres_server import PASSWORD, PostgresServer

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
REF = TicketRef(system="jira", key="OPS-1", url="https://jira.example.com/browse/OPS-1")


def sharded(target: StateTarget, shard: str) -> StateTarget:
    """The same database, another shard (a suffix keeps PostgreSQL tests apart)."""
    return target.model_copy(update={"shard": f"{target.shard or 's'}_{shard}"})


def record_one(target: StateTarget, key: str = "inc-1.a") -> None:
    with open_store(target) as store:
        store.record_link(
            key, tracker="ops", source="inc-1.md", status="managed", ref=REF, fields=None, now=NOW
        )


def test_a_second_run_on_one_state_stops_at_once_and_a_dry_run_still_reads(
    state_target: StateTarget,
) -> None:
    record_one(state_target)
    with open_store(state_target):
        with pytest.raises(StateLockedError) as caught:
            open_store(state_target)
        assert caught.value.exit_code == 75
        assert "another syncer run is using this state" in str(caught.value)
        with open_store(state_target, scratch_copy=True) as dry:
            assert set(dry.links()) == {"inc-1.a"}
    with open_store(state_target):  # released on close
        pass


def test_a_dry_run_copy_writes_nothing_back(state_target: StateTarget) -> None:
    record_one(state_target)
    with open_store(state_target, scratch_copy=True) as dry:
        dry.record_link(
            "inc-1.b",
            tracker="ops",
            source="inc-1.md",
            status="linked",
            ref=REF,
            fields=None,
            now=NOW,
        )
        dry.record_run(started=NOW, finished=NOW, command="plan", summary={"items": 2})
        assert set(dry.links()) == {"inc-1.a", "inc-1.b"}
    with open_store(state_target) as store:
        assert set(store.links()) == {"inc-1.a"}
        assert store.runs() == []


def test_shards_have_their_own_lock_and_their_own_rows(state_target: StateTarget) -> None:
    web, ops = sharded(state_target, "web"), sharded(state_target, "ops")
    record_one(web, "inc-1.a")
    with open_store(web) as web_store, open_store(ops) as ops_store:
        assert set(web_store.links()) == {"inc-1.a"}
        assert ops_store.links() == {}
        with pytest.raises(StateLockedError):
            open_store(web)


def test_the_heartbeat_keeps_the_last_success_and_the_last_error(
    state_target: StateTarget,
) -> None:
    assert read_heartbeat(state_target) is None
    with open_store(state_target) as store:
        assert store.heartbeat() is None
        store.record_heartbeat(now=NOW, ok=True, next_due=NOW + timedelta(minutes=15))
        later = NOW + timedelta(minutes=15)
        store.record_heartbeat(now=later, ok=False, next_due=later + timedelta(hours=1), error="x")
        beat = store.heartbeat()
        # Read beside a run holding the lock: a health probe never waits for a run.
        assert read_heartbeat(state_target) == beat
    assert beat is not None
    assert (beat.last_cycle, beat.last_success, beat.next_due) == (
        later,
        NOW,
        later + timedelta(hours=1),
    )
    assert (beat.last_error, beat.last_error_at) == ("x", later)
    write_heartbeat(state_target, now=later + timedelta(minutes=15), ok=True, next_due=None)
    beat = read_heartbeat(state_target)
    assert beat is not None
    assert (beat.last_success, beat.next_due, beat.last_error) == (
        later + timedelta(minutes=15),
        None,
        "x",
    )


def test_the_heartbeat_can_be_written_while_a_run_holds_the_lock(
    state_target: StateTarget,
) -> None:
    with open_store(state_target) as store:
        write_heartbeat(state_target, now=NOW, ok=False, next_due=None, error="tracker down")
        beat = store.heartbeat()
    assert beat is not None
    assert (beat.last_success, beat.last_error) == (None, "tracker down")


def test_runs_and_documents_round_trip(state_target: StateTarget) -> None:
    with open_store(state_target) as store:
        store.record_run(started=NOW, finished=NOW, command="sync", summary={"created": 2})
        store.record_run(started=NOW, finished=NOW, command="sync", summary={"created": 0})
        runs = store.runs()
        assert [r.summary["created"] for r in runs] == [0, 2]
        assert runs[0].id > runs[1].id
        assert store.cached_documents() == {}


def _v1_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    for statement in SQLITE_MIGRATIONS[0][1]:
        db.execute(statement)
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute(
        "INSERT INTO links (item_key, tracker, source, status, first_seen)"
        " VALUES ('inc-1.a', 'ops', 'inc-1.md', 'failed', ?)",
        (NOW.isoformat(),),
    )
    db.commit()
    db.close()


def test_a_version_1_sqlite_state_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    _v1_sqlite(tmp_path / "state.db")
    target = SqliteTarget(path=tmp_path / "state.db")
    with open_store(target) as store:
        assert set(store.links()) == {"inc-1.a"}
        store.record_heartbeat(now=NOW, ok=True, next_due=None)
    db = sqlite3.connect(tmp_path / "state.db")
    assert db.execute("SELECT value FROM meta").fetchone() == (str(SCHEMA_VERSION),)
    db.close()


def test_a_version_1_postgres_schema_is_migrated_keeping_its_rows(
    postgres_server: PostgresServer,
) -> None:
    target = PostgresTarget(url=postgres_server.url, shard="v1", password=SecretStr(PASSWORD))
    schema = schema_name("v1")
    with psycopg.connect(postgres_server.url, password=PASSWORD, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute(
            "CREATE TABLE links (item_key TEXT PRIMARY KEY, tracker TEXT NOT NULL,"
            " source TEXT NOT NULL, status TEXT NOT NULL, ticket TEXT, fields TEXT,"
            " first_seen TEXT NOT NULL, last_synced TEXT, last_error TEXT)"
        )
        conn.execute(
            "CREATE TABLE documents (source TEXT PRIMARY KEY, content_hash TEXT NOT NULL,"
            " parsed TEXT NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE runs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " started TEXT NOT NULL, finished TEXT NOT NULL, command TEXT NOT NULL,"
            " summary TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO links (item_key, tracker, source, status, first_seen)"
            " VALUES ('inc-1.a', 'ops', 'inc-1.md', 'failed', %s)",
            (NOW.isoformat(),),
        )
    assert read_heartbeat(target) is None  # a version-1 schema has no heartbeat yet
    with open_store(target, scratch_copy=True) as dry:
        assert set(dry.links()) == {"inc-1.a"}
    with open_store(target) as store:
        assert set(store.links()) == {"inc-1.a"}
        store.record_heartbeat(now=NOW, ok=True, next_due=None)
    with psycopg.connect(postgres_server.url, password=PASSWORD) as conn:
        row = conn.execute(f"SELECT value FROM {schema}.meta").fetchone()  # noqa: S608  # ours
    assert row == (str(SCHEMA_VERSION),)


def test_a_state_from_a_newer_syncer_is_refused(state_target: StateTarget) -> None:
    with open_store(state_target) as store:
        store._backend.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    with pytest.raises(StateError, match="newer than this syncer"):
        open_store(state_target)
    with pytest.raises(StateError, match="newer than this syncer"):
        open_store(state_target, scratch_copy=True)


def test_a_state_folder_that_cannot_be_written_is_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("")
    target = SqliteTarget(path=tmp_path / "a-file" / "state.db")
    with pytest.raises(StateError) as caught:
        open_store(target)
    message = str(caught.value)
    assert message.startswith("state.path: the state folder ")
    assert "SYNCER_STATE__PATH" in message
    assert "\n" not in message


def test_a_wrong_password_is_one_line_that_never_shows_a_password(
    postgres_server: PostgresServer,
) -> None:
    target = PostgresTarget(url=postgres_server.url, password=SecretStr("not-the-password"))
    with pytest.raises(StateError) as caught:
        open_store(target)
    message = str(caught.value)
    assert "state.url" in message
    assert "password authentication failed" in message
    assert "not-the-password" not in message
    assert PASSWORD not in message


def test_a_missing_password_names_the_variable_to_set(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libpq says only "fe_sendauth: no password supplied": the operator must learn the name of
    # the variable syncer reads from the message, not from the README.
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    target = PostgresTarget(url=postgres_server.url, password=None)
    with pytest.raises(StateError) as caught:
        open_store(target)
    message = str(caught.value)
    assert "no password supplied" in message
    assert message.endswith("(set SYNCER_STATE_PASSWORD, or PGPASSWORD)")


def test_printed_urls_carry_no_password() -> None:
    assert redact_url("postgresql://bot:s3cret@db.example:5433/syncer?sslmode=require") == (
        "postgresql://bot@db.example:5433/syncer"
    )


def test_a_url_in_the_environment_switches_an_existing_configuration(tmp_path: Path) -> None:
    config = parse_config({"state": {"path": "s.db"}}, base_dir=tmp_path, environ={})
    assert state_target(config, environ={}) == SqliteTarget(path=tmp_path / "s.db")
    config = parse_config(
        {"state": {"path": "s.db", "shards": {"web": ["web/**"], "rest": ["**"]}}},
        base_dir=tmp_path,
        environ={
            "SYNCER_STATE__URL": "postgresql://bot@db.example/syncer",
            "SYNCER_STATE__SHARD": "web",
        },
    )
    target = state_target(config, environ={"SYNCER_STATE_PASSWORD": "pw"})
    assert isinstance(target, PostgresTarget)
    assert (target.url, target.shard) == ("postgresql://bot@db.example/syncer", "web")
    assert target.password is not None
    assert target.password.get_secret_value() == "pw"
    assert "pw" not in repr(target)


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (
            {"url": "postgresql://bot:pw@db/syncer"},
            "state.url: must not contain a password",
        ),
        ({"url": "mysql://db/syncer"}, "state.url: must be a postgresql:// URL"),
        ({"shards": {"web": ["web/**"]}}, "shard: required when shards are configured"),
        ({"shards": {"web": ["web/**"]}, "shard": "ops"}, "shard: 'ops' is not one of web"),
        ({"shard": "Web Team"}, 'state.shard: "Web Team": a shard name is lower-case letters'),
    ],
)
def test_bad_state_settings_name_the_field(state: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"state": state}, base_dir=Path(), environ={})
    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert not any("pw@" in p for p in caught.value.problems)


def test_a_document_belongs_to_the_first_shard_that_matches_it(tmp_path: Path) -> None:
    config = parse_config(
        {"state": {"shard": "web", "shards": {"web": ["web/**", "mobile/*.md"], "rest": ["**"]}}},
        base_dir=tmp_path,
        environ={},
    )
    state = config.settings.state
    assert [state.shard_of(s) for s in ("web/a.md", "mobile/b.md", "ops/c.md")] == [
        "web",
        "web",
        "rest",
    ]
    assert (state.owns("web/a.md"), state.owns("ops/c.md")) == (True, False)
    assert SqliteTarget(path=tmp_path / "state.db", shard="web").file == tmp_path / "state.web.db"


def test_the_state_target_of_a_configuration_takes_its_shard(tmp_path: Path) -> None:
    config = parse_config(
        {"state": {"path": "data/state.db", "shard": "web", "shards": {"web": ["**"]}}},
        base_dir=tmp_path,
        environ={},
    )
    target = state_target(config, environ={})
    with open_store(target) as store:
        store.record_heartbeat(now=NOW, ok=True, next_due=None)
    assert (tmp_path / "data" / "state.web.db").is_file()
    assert not (tmp_path / "data" / "state.db").exists()
    beat = read_heartbeat(target)
    assert beat is not None
    assert beat.last_success == NOW
