"""The raw JSON the trackers answer with, typed where it turns into ``Ticket`` values.

Only ``syncer/shell/trackers/`` sees these: the translation functions (``ticket_from_jira``,
``ticket_from_github``) take them, and nothing past the adapters holds tracker JSON. Keys are
optional (``total=False``) because the trackers leave out what is empty; Jira's ``fields`` stay
a mapping, since the due date, the key copy and custom fields live under ids only the
configuration knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class GithubLabelJson(TypedDict):
    name: str


class GithubUserJson(TypedDict):
    login: str


class GithubMilestoneJson(TypedDict, total=False):
    number: int
    title: str
    due_on: str | None


class GithubIssueJson(TypedDict, total=False):
    """REST ``issue``, as far as syncer reads it."""

    number: int
    title: str
    body: str | None
    state: str
    state_reason: str | None
    labels: list[GithubLabelJson]
    assignees: list[GithubUserJson]
    milestone: GithubMilestoneJson | None
    created_at: str
    updated_at: str
    closed_at: str | None
    html_url: str
    repository_url: str
    pull_request: Mapping[str, Any]


class JiraIssueJson(TypedDict, total=False):
    """REST v2 ``IssueBean``, as far as syncer reads it."""

    key: str
    fields: Mapping[str, Any]
    """Field id -> value; which ids matter (the due date's, custom fields) is configured."""
    properties: Mapping[str, object]
    """Issue property key -> value, asked for by the search's ``properties`` parameter."""
