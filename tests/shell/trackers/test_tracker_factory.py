"""Opening trackers from configuration, and the transport policy the adapters share."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import stamina
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from syncer.config import parse_config
from syncer.errors import ConfigError
from syncer.shell.trackers import open_tracker, open_trackers
from syncer.shell.trackers.base import Tracker
from syncer.shell.trackers.github import GitHubTracker
from syncer.shell.trackers.jira import JiraTracker
from syncer.shell.trackers.transport import (
    READ_ATTEMPTS,
    describe_transport_failure,
    retry_after_backoff,
    retry_read,
    scrub,
)
from tests.support.tracker_payloads import SECRETS, SERVER_SECRETS, github_config, jira_config

CONFIG = {
    "default_tracker": "ops-jira",
    "trackers": {
        "ops-jira": {"type": "jira", "url": "https://jira.example.test", "project": "OPS"},
        "web-gh": {"type": "github", "repository": "acme/web"},
    },
}
ENVIRON = {
    "SYNCER_OPS_JIRA_TOKEN": "t1",
    "SYNCER_OPS_JIRA_EMAIL": "bot@example.test",
    "SYNCER_WEB_GH_TOKEN": "t2",
}


def test_open_trackers_opens_each_configured_tracker_without_a_request() -> None:
    config = parse_config(CONFIG, base_dir=Path("."), environ=ENVIRON)

    trackers = open_trackers(config)

    assert {name: type(t) for name, t in trackers.items()} == {
        "ops-jira": JiraTracker,
        "web-gh": GitHubTracker,
    }
    assert [(t.name, t.system) for t in trackers.values()] == [
        ("ops-jira", "jira"),
        ("web-gh", "github"),
    ]


def test_open_trackers_refuses_a_tracker_without_secrets() -> None:
    config = parse_config(CONFIG, base_dir=Path("."), environ={}, require_secrets=False)

    with pytest.raises(ConfigError, match=r"trackers\.ops-jira: no credentials"):
        open_trackers(config)


def test_both_adapters_satisfy_the_protocol() -> None:
    trackers: list[Tracker] = [
        open_tracker("a", jira_config("cloud"), SECRETS),
        open_tracker("b", jira_config("server"), SERVER_SECRETS),
        open_tracker("c", github_config(), SERVER_SECRETS),
    ]
    assert [t.system for t in trackers] == ["jira", "jira", "github"]


def refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "[Errno 111] Connection refused")  # type: ignore[arg-type]  # no connection object in a test
    return requests.ConnectionError(MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]  # same


@pytest.mark.parametrize(
    ("exc", "ambiguous", "unreachable"),
    [
        (refused(), False, True),
        (requests.ConnectTimeout(MaxRetryError(None, "/x", ConnectTimeoutError())), False, True),  # type: ignore[arg-type]  # same
        (requests.ReadTimeout("read timed out"), True, False),
        (requests.ConnectionError("Connection aborted."), True, False),
        (requests.exceptions.ChunkedEncodingError("cut"), True, False),
        (requests.exceptions.InvalidURL("bad"), False, False),
    ],
)
def test_transport_failures_are_classified(
    exc: requests.RequestException, ambiguous: bool, unreachable: bool
) -> None:
    failure = describe_transport_failure(exc, url="https://x.test", timeout=30)
    assert (failure.ambiguous, failure.unreachable) == (ambiguous, unreachable)
    assert "https://x.test" in failure.message


@pytest.mark.parametrize(
    ("header", "backoff"), [(None, True), ("5", 5.0), ("soon", True), ("3600", False)]
)
def test_retry_after_backoff(header: str | None, backoff: object) -> None:
    assert retry_after_backoff(header) == backoff


def test_retry_read_stops_at_the_first_permanent_failure() -> None:
    outcomes: list[Exception] = [TimeoutError("1"), TimeoutError("2"), KeyError("permanent")]

    def call() -> str:
        raise outcomes.pop(0)

    with stamina.set_testing(True, attempts=10), pytest.raises(KeyError):
        retry_read(call, transient=lambda e: isinstance(e, TimeoutError))
    assert outcomes == []


def test_retry_read_gives_up_after_the_attempts() -> None:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise TimeoutError

    # cap: stamina's test mode keeps syncer's own bound, only the pauses go.
    with stamina.set_testing(True, attempts=100, cap=True), pytest.raises(TimeoutError):
        retry_read(call, transient=lambda e: True)
    assert len(calls) == READ_ATTEMPTS


def test_scrub_masks_secret_values_and_keeps_one_line() -> None:
    assert scrub("a tok-0123456 b\ntok-0123456", ["tok-0123456", ""]) == "a *** b ***"
    # A short secret is not hunted through words; where it stands as a value it is masked.
    assert scrub("syncer tried s again; token=s", ["s"]) == "syncer tried s again; token=***"
