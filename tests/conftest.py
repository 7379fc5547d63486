"""Shared fixtures: a policy value with one fake tracker, desired-item builders, and state.

State fixtures run on both backends: SQLite in a temporary folder, and PostgreSQL on a real
throwaway server started once per test session (``tests/postgres_server.py``), each test in
its own shard (its own schema).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import stamina
from pydantic import SecretStr

from syncer.core.desired import Desired
from syncer.model import ActionItem, Incident, TicketFields, TicketRef, make_item_key
from syncer.policy import RoutingPolicy, SyncPolicy, TrackerPolicy
from syncer.shell.state import PostgresTarget, SqliteTarget, StateStore, StateTarget, open_store
from tests.postgres_server import PASSWORD, PostgresServer, start_server, stop_server


@pytest.fixture(autouse=True)
def _no_retry_sleeps() -> Iterator[None]:
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def make_policy(*, max_creates: int = 100, overwrite: tuple[str, ...] = ()) -> SyncPolicy:
    """One fake tracker taking every document; built from values, never from the environment."""
    tracker = TrackerPolicy(
        labels=("postmortem",), overwrite=frozenset(overwrite), create_cap=max_creates
    )
    return SyncPolicy(trackers={"fake": tracker}, routing=RoutingPolicy(default="fake"))


INCIDENT = Incident(id="INC-7", title="Checkout outage", date=date(2026, 11, 2), severity="SEV2")


def desired(
    title: str,
    *,
    incident: Incident = INCIDENT,
    done: bool = False,
    wont_do: bool = False,
    assignee: str | None = None,
    refs: tuple[TicketRef, ...] = (),
    explicit_id: str | None = None,
    line: int = 10,
    source: str = "inc-7.md",
) -> Desired:
    key = make_item_key(incident.id, title, explicit_id=explicit_id)
    item = ActionItem(
        key=key,
        title=title,
        done=done,
        wont_do=wont_do,
        source=source,
        line=line,
        end_line=line,
        tickets=refs,
    )
    fields = TicketFields(
        title=title,
        body=f"{title}\n\nfrom {incident.id}",
        labels=("postmortem",),
        assignee=assignee,
        done=done or wont_do,
        wont_do=wont_do,
    )
    return Desired(item=item, incident=incident, tracker="fake", fields=fields, refs=refs)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


_shards = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgres"])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> StateTarget:
    """Where a test's state lives: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return SqliteTarget(path=tmp_path / "state.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return PostgresTarget(
        url=server.url, shard=f"t{os.getpid()}_{next(_shards)}", password=SecretStr(PASSWORD)
    )


@pytest.fixture
def store(state_target: StateTarget) -> Iterator[StateStore]:
    with open_store(state_target) as opened:
        yield opened


def fixed_now() -> datetime:
    return datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
