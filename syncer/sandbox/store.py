"""The sandbox's state: Jira projects and issues, GitHub repositories and issues, id counters.

Owns the data model (mutable pydantic models, so the whole state round-trips through JSON),
the seed data a fresh sandbox starts with, and persistence: load from a JSON file and save to it
atomically (temporary file in the same directory, then ``os.replace``). It knows nothing about
HTTP; ``jira_api`` and ``github_api`` turn requests into changes here.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Flavor = Literal["cloud", "server"]

STATE_VERSION = 1

JIRA_STATUSES: dict[str, tuple[str, str]] = {
    # status name -> (status id, statusCategory key)
    "To Do": ("10000", "new"),
    "In Progress": ("3", "indeterminate"),
    "Done": ("10001", "done"),
}
STATUS_CATEGORIES: dict[str, tuple[int, str, str]] = {
    # key -> (id, name, colorName), as Jira ships them
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}
TRANSITIONS: dict[str, str] = {
    # transition id -> target status; global transitions, as in a simplified workflow
    "11": "To Do",
    "21": "In Progress",
    "31": "Done",
}
RESOLUTIONS: dict[str, tuple[str, str]] = {
    # name -> (id, description), as Jira Cloud ships them
    "Done": ("10000", "Work has been completed on this issue."),
    "Won't Do": ("10001", "This issue won't be actioned."),
    "Duplicate": ("10002", "The problem is a duplicate of an existing issue."),
    "Cannot Reproduce": ("10003", "This issue could not be reproduced."),
}
PRIORITIES: dict[str, str] = {"1": "Highest", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
ISSUE_TYPES: dict[str, str] = {"10001": "Task", "10004": "Bug"}
CUSTOM_FIELDS: dict[str, tuple[str, str]] = {
    # field id -> (name, JSON type)
    "customfield_10050": ("Incident ID", "string"),
    "customfield_10016": ("Story Points", "number"),
}
PROJECT_NAMES = {"OPS": "Operations"}
DEFAULT_COMPONENTS = ("Backend", "Frontend", "Infrastructure")
SEED_USERS: tuple[tuple[str, str], ...] = (
    ("alice", "Alice Example"),
    ("bob", "Bob Example"),
    ("carol", "Carol Example"),
)
GITHUB_DEFAULT_LABELS: tuple[tuple[str, str, str], ...] = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class JiraUser(_Model):
    """A Jira account: Cloud knows it by ``account_id``, Server/DC by ``name`` (and ``key``)."""

    account_id: str
    name: str
    key: str
    display_name: str
    email: str


class JiraComment(_Model):
    id: int
    author: str
    """The author's ``name``."""
    body: str
    body_adf: dict[str, Any] | None = None
    created: datetime
    updated: datetime


class JiraProject(_Model):
    id: int
    key: str
    name: str
    lead: str
    components: list[str] = Field(default_factory=list)
    next_number: int = 1


class JiraIssue(_Model):
    """One Jira issue as the sandbox stores it; user references are user ``name``s."""

    id: int
    key: str
    project: str
    issue_type: str
    summary: str
    description: str | None = None
    description_adf: dict[str, Any] | None = None
    status: str = "To Do"
    priority: str = "Medium"
    assignee: str | None = None
    reporter: str
    labels: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    duedate: date | None = None
    custom: dict[str, Any] = Field(default_factory=dict)
    created: datetime
    updated: datetime
    status_changed: datetime
    resolution_date: datetime | None = None
    resolution: str | None = None
    """The resolution's name while the issue is done (``None``: "Done")."""
    comments: list[JiraComment] = Field(default_factory=list)
    former_keys: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)
    """Issue entity properties: key -> JSON value (each at most 32 KB, as in Jira)."""

    @property
    def status_category(self) -> str:
        """The statusCategory key: ``new``, ``indeterminate`` or ``done``."""
        return JIRA_STATUSES[self.status][1]

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


class GithubUser(_Model):
    id: int
    login: str
    name: str


class GithubLabel(_Model):
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


class GithubMilestone(_Model):
    id: int
    number: int
    title: str
    state: Literal["open", "closed"] = "open"
    description: str | None = None
    due_on: datetime | None = None
    created_at: datetime
    updated_at: datetime


class GithubComment(_Model):
    id: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime


class GithubIssue(_Model):
    """One GitHub issue; labels by name, users by login, milestone by number."""

    id: int
    number: int
    repo: str
    title: str
    body: str | None = None
    state: Literal["open", "closed"] = "open"
    state_reason: str | None = None
    labels: list[str] = Field(default_factory=list)
    assignees: list[str] = Field(default_factory=list)
    milestone: int | None = None
    author: str
    comments: list[GithubComment] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    locked: bool = False


class GithubCommit(_Model):
    """A commit of a repository's files: a whole snapshot (path -> base64 bytes), as git keeps."""

    sha: str
    parent: str | None = None
    message: str
    files: dict[str, str] = Field(default_factory=dict)
    created_at: datetime


class GithubPull(_Model):
    id: int
    number: int
    title: str
    body: str | None = None
    head: str
    """The branch proposed (in the same repository)."""
    base: str
    state: Literal["open", "closed"] = "open"
    user: str
    created_at: datetime
    updated_at: datetime


class GithubRepo(_Model):
    id: int
    owner: str
    name: str
    default_branch: str = "main"
    branches: dict[str, str] = Field(default_factory=dict)
    """Branch name -> the sha of its commit; ``main`` gets an empty first commit on first use."""
    commits: list[GithubCommit] = Field(default_factory=list)
    pulls: list[GithubPull] = Field(default_factory=list)
    labels: list[GithubLabel] = Field(default_factory=list)
    milestones: list[GithubMilestone] = Field(default_factory=list)
    next_number: int = 1
    created_at: datetime
    deleted_numbers: list[int] = Field(default_factory=list)
    moved: dict[int, str] = Field(default_factory=dict)
    """Issue number -> ``owner/repo#number`` it was transferred to."""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label(self, name: str) -> GithubLabel | None:
        """Find a label by name, case-insensitively, as GitHub does."""
        wanted = name.casefold()
        return next((lab for lab in self.labels if lab.name.casefold() == wanted), None)


class State(_Model):
    """Everything the sandbox remembers; this is what the data file holds."""

    version: int = STATE_VERSION
    flavor: Flavor
    counters: dict[str, int] = Field(default_factory=dict)
    jira_users: list[JiraUser] = Field(default_factory=list)
    jira_projects: list[JiraProject] = Field(default_factory=list)
    jira_issues: list[JiraIssue] = Field(default_factory=list)
    jira_deleted_keys: list[str] = Field(default_factory=list)
    github_users: list[GithubUser] = Field(default_factory=list)
    github_repos: list[GithubRepo] = Field(default_factory=list)
    github_issues: list[GithubIssue] = Field(default_factory=list)

    def next_id(self, counter: str) -> int:
        """Hand out the next id of a counter; ids only grow, also across restarts."""
        value = self.counters.get(counter, _COUNTER_STARTS.get(counter, 1))
        self.counters[counter] = value + 1
        return value

    # Jira look-ups

    def jira_user(self, ident: str) -> JiraUser | None:
        """Find a Jira user by accountId, name or key."""
        return next(
            (u for u in self.jira_users if ident in (u.account_id, u.name, u.key)),
            None,
        )

    def jira_project(self, ident: str) -> JiraProject | None:
        """Find a project by key (case-insensitively) or numeric id."""
        return next(
            (p for p in self.jira_projects if ident.upper() == p.key or ident == str(p.id)),
            None,
        )

    def jira_issue(self, ident: str) -> JiraIssue | None:
        """Find an issue by id, key, or a key it had before a move."""
        wanted = ident.upper()
        for issue in self.jira_issues:
            if wanted in (issue.key, str(issue.id)) or wanted in issue.former_keys:
                return issue
        return None

    # GitHub look-ups

    def github_repo(self, owner: str, name: str) -> GithubRepo | None:
        full = f"{owner}/{name}".casefold()
        return next((r for r in self.github_repos if r.full_name.casefold() == full), None)

    def github_user(self, login: str) -> GithubUser | None:
        wanted = login.casefold()
        return next((u for u in self.github_users if u.login.casefold() == wanted), None)

    def github_issue(self, repo: str, number: int) -> GithubIssue | None:
        return next(
            (i for i in self.github_issues if i.repo == repo and i.number == number),
            None,
        )


_COUNTER_STARTS = {
    "jira_project": 10000,
    "jira_issue": 10001,
    "jira_comment": 10100,
    "github_user": 583231,
    "github_repo": 1296269,
    "github_issue": 1347000001,
    "github_comment": 1570000001,
    "github_label": 208045946,
    "github_milestone": 1002604,
}


def jira_account_id(name: str) -> str:
    """A stable, Cloud-looking accountId for a user name."""
    return "712020:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-jira-user:{name}"))


def seed_state(
    *,
    flavor: Flavor,
    jira_projects: tuple[str, ...],
    github_repos: tuple[str, ...],
    jira_email: str,
    github_login: str,
    now: datetime,
) -> State:
    """A fresh sandbox: the bot accounts, alice/bob/carol, the projects and repositories."""
    state = State(flavor=flavor)
    bot_name = jira_email.split("@", 1)[0]
    people = ((bot_name, "Syncer Bot"), *SEED_USERS)
    for index, (name, display) in enumerate(people):
        email = jira_email if name == bot_name else f"{name}@example.com"
        state.jira_users.append(
            JiraUser(
                account_id=jira_account_id(name),
                name=name,
                key=f"JIRAUSER{10100 + index}",
                display_name=display,
                email=email,
            )
        )
    for key in jira_projects:
        state.jira_projects.append(
            JiraProject(
                id=state.next_id("jira_project"),
                key=key.upper(),
                name=PROJECT_NAMES.get(key.upper(), f"{key.upper()} Project"),
                lead=bot_name,
                components=list(DEFAULT_COMPONENTS),
            )
        )
    for login, display in ((github_login, "Syncer Bot"), *SEED_USERS):
        state.github_users.append(
            GithubUser(id=state.next_id("github_user"), login=login, name=display)
        )
    for full_name in github_repos:
        owner, name = full_name.split("/", 1)
        repo = GithubRepo(id=state.next_id("github_repo"), owner=owner, name=name, created_at=now)
        for label_name, color, description in GITHUB_DEFAULT_LABELS:
            repo.labels.append(
                GithubLabel(
                    id=state.next_id("github_label"),
                    name=label_name,
                    color=color,
                    description=description,
                    default=True,
                )
            )
        repo.milestones.append(
            GithubMilestone(
                id=state.next_id("github_milestone"),
                number=1,
                title="v1.0",
                created_at=now,
                updated_at=now,
            )
        )
        state.github_repos.append(repo)
    return state


def load_state(path: Path) -> State | None:
    """Read a saved state, or ``None`` if the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    state = State.model_validate_json(text)
    if state.version != STATE_VERSION:
        msg = f"{path}: unsupported sandbox state version {state.version}"
        raise ValueError(msg)
    return state


def save_state(state: State, path: Path) -> None:
    """Write the state atomically: a temporary file beside the target, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(state.model_dump_json(indent=2))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
