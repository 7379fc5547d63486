"""Builders of the JSON Jira and GitHub send, and of adapter configurations, for adapter tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from pydantic import SecretStr

from syncer.config import GitHubConfig, JiraConfig, Secrets

JIRA_URL = "https://jira.example.test"
GITHUB_API = "https://api.github.com"
REPO = "acme/web"
TOKEN = "tok-SECRET-5f3a9c"
EMAIL = "bot@example.test"
SECRETS = Secrets(token=SecretStr(TOKEN), email=EMAIL)
SERVER_SECRETS = Secrets(token=SecretStr(TOKEN))

FIELDS = [
    "summary",
    "description",
    "labels",
    "assignee",
    "priority",
    "status",
    "updated",
    "resolution",
    "created",
    "resolutiondate",
]
"""What every Jira read asks for, before the due field (and the key field)."""

JIRA_FIELDS = [
    {"id": "summary", "name": "Summary", "custom": False, "clauseNames": ["summary"]},
    {"id": "duedate", "name": "Due date", "custom": False, "clauseNames": ["due", "duedate"]},
    {"id": "labels", "name": "Labels", "custom": False, "clauseNames": ["labels"]},
    {
        "id": "customfield_10100",
        "name": "Target date",
        "custom": True,
        "clauseNames": ["cf[10100]", "Target date"],
    },
    {
        "id": "customfield_10200",
        "name": "Syncer key",
        "custom": True,
        "clauseNames": ["cf[10200]", "Syncer key"],
    },
    {
        "id": "customfield_10300",
        "name": "Incident",
        "custom": True,
        "clauseNames": ["cf[10300]", "Incident"],
    },
]

STATUSES = {
    "new": {"name": "To Do", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
    "indeterminate": {
        "name": "In Progress",
        "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
    },
    "done": {"name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
}


def jira_config(flavor: str = "cloud", **overrides: Any) -> JiraConfig:
    data: dict[str, Any] = {"type": "jira", "url": JIRA_URL, "flavor": flavor, "project": "OPS"}
    if flavor == "cloud":
        data["email"] = EMAIL
    data.update(overrides)
    return JiraConfig.model_validate(data)


def github_config(**overrides: Any) -> GitHubConfig:
    data: dict[str, Any] = {"type": "github", "repository": REPO}
    data.update(overrides)
    return GitHubConfig.model_validate(data)


def jira_issue(
    key: str = "OPS-1",
    *,
    issue_id: str = "10001",
    summary: str = "Add a canary stage",
    description: str | None = "Roll out to *1%* first.",
    labels: tuple[str, ...] = ("postmortem", "syncer", "syncer:inc-7.ai-1"),
    status: str = "new",
    assignee: dict[str, str] | None = None,
    due: str | None = "2026-12-15",
    priority: str | None = "High",
    updated: str = "2026-11-20T10:30:00.000+0000",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "labels": list(labels),
        "assignee": assignee,
        "priority": {"name": priority, "id": "2"} if priority else None,
        "status": STATUSES[status],
        "updated": updated,
        "created": "2026-11-19T09:00:00.000+0000",
        "resolution": {"id": "10000", "name": "Done"} if status == "done" else None,
        "resolutiondate": updated if status == "done" else None,
        "duedate": due,
    }
    fields.update(extra or {})
    return {
        "id": issue_id,
        "key": key,
        "self": f"{JIRA_URL}/rest/api/2/issue/{issue_id}",
        "fields": fields,
    }


def github_issue(
    number: int = 1,
    *,
    title: str = "Add a canary stage",
    body: str | None = "Roll out to 1% first.\n\n<!-- syncer:key=inc-7.ai-1 -->",
    labels: tuple[str, ...] = ("postmortem", "syncer"),
    state: str = "open",
    assignee: str | None = None,
    repo: str = REPO,
    pull: bool = False,
) -> dict[str, Any]:
    kind = "pull" if pull else "issues"
    user = {"login": assignee, "id": 7, "type": "User"} if assignee else None
    extra: dict[str, Any] = {}
    if pull:  # as GitHub marks a pull request in the issues listing
        extra["pull_request"] = {"url": f"{GITHUB_API}/repos/{repo}/pulls/{number}"}
    return extra | {
        "id": 900 + number,
        "number": number,
        "url": f"{GITHUB_API}/repos/{repo}/issues/{number}",
        "repository_url": f"{GITHUB_API}/repos/{repo}",
        "html_url": f"https://github.com/{repo}/{kind}/{number}",
        "title": title,
        "body": body,
        "state": state,
        "state_reason": "completed" if state == "closed" else None,
        "labels": [{"id": i, "name": name, "color": "ededed"} for i, name in enumerate(labels)],
        "assignee": user,
        "assignees": [user] if user else [],
        "milestone": None,
        "locked": False,
        "comments": 0,
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-21T08:00:00Z",
        "closed_at": "2026-11-21T08:00:00Z" if state == "closed" else None,
        "user": {"login": "syncer-bot", "id": 1, "type": "Bot"},
    }


def sent(rsps: responses.RequestsMock) -> list[str]:
    """Every request made, as ``METHOD /path``, in order."""
    return [f"{c.request.method} {urlsplit(str(c.request.url)).path}" for c in rsps.calls]


def query(rsps: responses.RequestsMock, index: int) -> dict[str, list[str]]:
    """The query string of the ``index``-th request, parsed."""
    return parse_qs(urlsplit(str(rsps.calls[index].request.url)).query)
