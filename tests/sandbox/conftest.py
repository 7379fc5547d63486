"""Fixtures for the sandbox suite: running sandboxes, real clients pointed at them, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from github import Auth, Github
from jira import JIRA

from syncer.sandbox import Sandbox
from tests.support.sandbox_clients import FakeClock, GithubFactory, JiraFactory, close_jira


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))


@pytest.fixture(params=["cloud", "server"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(flavor: str, clock: FakeClock) -> Iterator[Sandbox]:
    box = Sandbox("cloud" if flavor == "cloud" else "server", clock=clock)
    with box:
        yield box


@pytest.fixture
def make_jira(sandbox: Sandbox) -> Iterator[JiraFactory]:
    """Build ``jira`` clients the way syncer will: per flavour, no retries; closed afterwards."""
    clients: list[JIRA] = []

    def build(*, version: str = "2", token: str | None = None) -> JIRA:
        options: dict[str, Any] = {"rest_api_version": version}
        secret = token or sandbox.jira_token
        if sandbox.flavor == "cloud":
            client = JIRA(
                server=sandbox.url,
                options=options,
                basic_auth=(sandbox.jira_email, secret),
                get_server_info=True,
                max_retries=0,
            )
        else:
            client = JIRA(server=sandbox.url, options=options, token_auth=secret, max_retries=0)
        clients.append(client)
        return client

    yield build
    for client in clients:
        close_jira(client)


@pytest.fixture
def jira(make_jira: JiraFactory) -> JIRA:
    return make_jira()


@pytest.fixture
def gh_sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(github_repos=("acme/platform", "acme/other"), clock=clock) as box:
        yield box


@pytest.fixture
def make_github(gh_sandbox: Sandbox) -> Iterator[GithubFactory]:
    clients: list[Github] = []

    def build(*, token: str | None = None, per_page: int = 30) -> Github:
        client = Github(
            auth=Auth.Token(token or gh_sandbox.github_token),
            base_url=gh_sandbox.url,
            per_page=per_page,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def github(make_github: GithubFactory) -> Github:
    return make_github()
