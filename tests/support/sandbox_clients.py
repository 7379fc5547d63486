"""For the sandbox suite: a clock moved by hand, client factory types, reading a JIRAError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from github import Github
from jira import JIRA, JIRAError


class FakeClock:
    """A clock tests move by hand, so timestamps and ``since``/``updated`` filters are exact."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


JiraFactory = Callable[..., JIRA]


def close_jira(client: JIRA) -> None:
    client.close()  # type: ignore[no-untyped-call]  # the library leaves close() unannotated


def error_json(error: JIRAError) -> Any:
    """The body of the response a ``JIRAError`` came from."""
    assert error.response is not None
    return error.response.json()


def error_headers(error: JIRAError) -> Any:
    assert error.response is not None
    return error.response.headers


GithubFactory = Callable[..., Github]
