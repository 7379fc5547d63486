"""Fixtures every suite may use: a clean environment, state on both backends, the e2e world.

Every test starts without the caller's ``SYNCER_*`` variables, so neither the commands it runs
in-process nor the processes it starts inherit an operator's settings.

State fixtures run on both backends: SQLite in a temporary folder, and PostgreSQL on a real
throwaway server started once per test session (``tests/support/postgres_server.py``), each test
in its own shard (its own schema).

The end-to-end fixtures put two post-mortems and a configuration for one tracker of a running
sandbox in a temporary folder (``tests/support/e2e.py`` has the values and helpers around them);
a suite narrows ``kind`` or ``memory`` by defining its own.

Helpers that are not fixtures (builders, fakes, payloads) live in ``tests/support/``: test
modules import from there, never from each other or from a ``conftest.py``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import stamina
from pydantic import SecretStr

from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.shell.state import PostgresTarget, SqliteTarget, StateStore, StateTarget, open_store
from tests.support.e2e import FORGET, KINDS, sandbox_environment, scenario
from tests.support.postgres_server import PASSWORD, PostgresServer, start_server, stop_server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite the help snapshots in tests/snapshots/help/ from the current output",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the slow kill loops and the soak start first, beside the rest, not
    at the end.

    Each worker collects the same order, and the load scheduler hands tests out in that order:
    the long tests begin at once on one worker while the others take the short ones, instead of
    forming the tail of the run. A serial run keeps the files' order.
    """
    if hasattr(config, "workerinput"):  # set on xdist's workers only
        items.sort(
            key=lambda item: (
                item.get_closest_marker("soak") is None and item.get_closest_marker("slow") is None
            )
        )


def _clear_syncer_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("SYNCER_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session", autouse=True)
def _no_syncer_variables_for_the_session() -> Iterator[None]:
    """Session- and module-scoped fixtures (servers, sandboxes) start without them too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _clear_syncer_variables(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def _no_syncer_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's ``SYNCER_*`` settings reach no test, no command it runs, no process it starts.

    A test sets what it needs with ``monkeypatch.setenv``; cleared again for every test, so one
    that wrote ``os.environ`` directly leaks nothing into the next.
    """
    _clear_syncer_variables(monkeypatch)


@pytest.fixture(autouse=True)
def _no_retry_sleeps() -> Iterator[None]:
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


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


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(kind: str) -> Iterator[Sandbox]:
    flavor: Literal["cloud", "server"] = "server" if kind == "jira-server" else "cloud"
    with Sandbox(flavor, jira_projects=("OPS",), github_repos=("acme/platform",)) as running:
        yield running


@pytest.fixture(params=["state-kept", "state-lost"])
def memory(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def workspace(
    tmp_path: Path, sandbox: Sandbox, kind: str, memory: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A folder with two post-mortems and a configuration sending both to one tracker."""
    if memory == "state-lost":
        (tmp_path / FORGET).touch()
    tracker = demo.GITHUB_TRACKER if kind == "github" else demo.JIRA_TRACKER
    config = scenario(tmp_path, sandbox, tracker=tracker)
    config = config.replace('team = "web"', 'team = "no-such-team"')
    (tmp_path / "syncer.toml").write_text(config)
    env = sandbox_environment(sandbox)
    (tmp_path / "syncer.env").write_text(demo.env_file_text(env))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return tmp_path
