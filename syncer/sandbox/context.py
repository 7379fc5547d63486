"""What the API modules need from the sandbox: the state, the credentials, the clock.

A ``Protocol`` so ``jira_api`` and ``github_api`` do not import ``Sandbox`` (which imports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncer.sandbox.store import State

DEFAULT_JIRA_EMAIL = "syncer@sandbox.local"
DEFAULT_JIRA_TOKEN = "sandbox-jira-token"  # noqa: S105 - a loopback toy's fixed credential
DEFAULT_GITHUB_TOKEN = "sandbox-github-token"  # noqa: S105 - same
DEFAULT_GITHUB_LOGIN = "syncer-bot"


@dataclass(frozen=True)
class Credentials:
    """What the stand-ins accept: Cloud basic auth (email, token), a Server PAT, a GitHub token."""

    jira_email: str = DEFAULT_JIRA_EMAIL
    jira_token: str = DEFAULT_JIRA_TOKEN
    github_token: str = DEFAULT_GITHUB_TOKEN
    github_login: str = DEFAULT_GITHUB_LOGIN

    @property
    def jira_user_name(self) -> str:
        """The bot's Jira user name (Server) / the part of its email before the ``@``."""
        return self.jira_email.split("@", 1)[0]


class ApiContext(Protocol):
    @property
    def state(self) -> State: ...

    @property
    def credentials(self) -> Credentials: ...

    @property
    def generation(self) -> int:
        """A number that changes whenever the state is written: listings may be cached per
        generation."""
        ...

    def now(self) -> datetime:
        """The current time, UTC, millisecond precision."""
        ...
