"""Translating a tracker's JSON into ``Ticket`` values: pure functions, on recorded answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from syncer.model import Ticket, TicketRef
from syncer.shell.trackers.base import body_marker
from syncer.shell.trackers.github import is_issue_of, ticket_from_github
from syncer.shell.trackers.jira import ticket_from_jira
from syncer.shell.trackers.payloads import GithubIssueJson, JiraIssueJson

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return loaded


def test_a_github_issue_becomes_a_ticket() -> None:
    raw = recorded("github_issue_example.json")
    ticket = ticket_from_github(
        cast(GithubIssueJson, raw), repository="octocat/Hello-World", web="https://github.com"
    )
    assert ticket == Ticket(
        ref=TicketRef(
            system="github",
            key="octocat/Hello-World#1347",
            url="https://github.com/octocat/Hello-World/issues/1347",
        ),
        title="Found a bug",
        body="I'm having a problem with this.",
        labels=("bug",),
        assignee="octocat",
        done=False,
        status="open",
        updated=datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC),
        item_key=None,
        status_category="todo",
        created=datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC),
    )


def test_a_managed_github_issue_gives_its_key_and_hides_its_marker() -> None:
    raw = recorded("github_issue_example.json")
    raw["body"] = "Fix it.\r\n\r\n" + body_marker("inc-7.ai-1") + "\n"
    raw["labels"] = [*raw["labels"], {"name": "syncer"}]
    raw["state"] = "closed"
    ticket = ticket_from_github(
        cast(GithubIssueJson, raw), repository="octocat/Hello-World", web="https://github.com"
    )
    assert (ticket.item_key, ticket.body, ticket.labels) == ("inc-7.ai-1", "Fix it.", ("bug",))
    assert (ticket.done, ticket.status) == (True, "closed")


def test_only_issues_of_the_repository_are_its_issues() -> None:
    pull = recorded("github_issue_example.json")  # GitHub's example is a pull request's issue
    assert not is_issue_of(cast(GithubIssueJson, pull), "octocat/Hello-World")
    issue = {k: v for k, v in pull.items() if k != "pull_request"}
    assert is_issue_of(cast(GithubIssueJson, issue), "octocat/hello-world")
    assert not is_issue_of(cast(GithubIssueJson, issue), "octocat/Spoon-Knife")  # transferred away


def test_a_jira_issue_becomes_a_ticket() -> None:
    raw = recorded("jira_issue_server.json")
    ticket = ticket_from_jira(
        cast(JiraIssueJson, raw), base="https://jira.example.test", cloud=False, due_field="duedate"
    )
    assert ticket.model_dump(exclude={"updated"}) == Ticket(
        ref=TicketRef(system="jira", key="OPS-1", url="https://jira.example.test/browse/OPS-1"),
        title="Add a canary stage",
        body="Roll out to *1%* first.",
        labels=("postmortem", "sev2"),
        assignee="alice",
        due=date(2026, 12, 15),
        priority="High",
        done=False,
        status="To Do",
        item_key="inc-7.ai-1",
        status_category="todo",
        created=datetime(2026, 11, 27, 16, 54, 37, 650000, tzinfo=UTC),
    ).model_dump(exclude={"updated"})
    assert ticket.updated is not None
    assert ticket.updated.tzinfo is not None


def test_a_jira_issue_in_a_done_status_is_done_and_a_key_field_stands_in_for_labels() -> None:
    raw = recorded("jira_issue_server.json")
    fields = raw["fields"]
    fields["status"]["statusCategory"]["key"] = "done"
    fields["labels"] = ["postmortem"]
    fields["customfield_10042"] = "inc-7.ai-9"
    ticket = ticket_from_jira(
        cast(JiraIssueJson, raw),
        base="https://jira.example.test",
        cloud=True,
        due_field="duedate",
        key_field="customfield_10042",
    )
    assert (ticket.done, ticket.item_key, ticket.labels) == (True, "inc-7.ai-9", ("postmortem",))
    assert ticket.assignee is None  # Cloud names people by accountId, which Server does not send


# -- what the follow-up report reads: status category, resolution, created and resolved times --


@pytest.mark.parametrize(
    ("reason", "resolution"),
    [("completed", "done"), ("not_planned", "wont_do"), ("duplicate", "wont_do"), (None, "done")],
)
def test_a_closed_github_issue_says_whether_it_was_done(
    reason: str | None, resolution: str
) -> None:
    raw = recorded("github_issue_example.json")
    raw |= {"state": "closed", "state_reason": reason, "closed_at": "2026-11-27T23:30:00Z"}
    ticket = ticket_from_github(
        cast(GithubIssueJson, raw), repository="octocat/Hello-World", web="https://github.com"
    )
    assert (ticket.status_category, ticket.resolution) == ("done", resolution)
    assert ticket.resolved == datetime(2026, 11, 27, 23, 30, tzinfo=UTC)


def test_a_reopened_github_issue_has_no_resolution() -> None:
    raw = recorded("github_issue_example.json")
    raw |= {"state": "open", "state_reason": "reopened", "closed_at": None}
    ticket = ticket_from_github(
        cast(GithubIssueJson, raw), repository="octocat/Hello-World", web="https://github.com"
    )
    assert (ticket.status_category, ticket.resolution, ticket.resolved) == ("todo", None, None)


@pytest.mark.parametrize(
    ("category", "expected"),
    [("new", "todo"), ("indeterminate", "in_progress"), ("done", "done"), ("undefined", None)],
)
def test_jira_status_categories(category: str, expected: str | None) -> None:
    raw = recorded("jira_issue_server.json")
    raw["fields"]["status"]["statusCategory"]["key"] = category
    ticket = ticket_from_jira(
        cast(JiraIssueJson, raw), base="https://jira.example.test", cloud=False, due_field="duedate"
    )
    assert ticket.status_category == expected
    assert ticket.done is (expected == "done")


@pytest.mark.parametrize(
    ("name", "resolution"),
    [("Done", "done"), ("Fixed", "done"), ("Won't Do", "wont_do"), ("Duplicate", "wont_do")],
)
def test_a_resolved_jira_issue_says_whether_it_was_done(name: str, resolution: str) -> None:
    raw = recorded("jira_issue_server.json")
    raw["fields"]["status"]["statusCategory"]["key"] = "done"
    raw["fields"]["resolution"] = {"id": "10001", "name": name}
    # Jira answers in the server's offset: 01:30 in Berlin is 00:30 UTC.
    raw["fields"]["resolutiondate"] = "2026-11-28T01:30:00.000+0100"
    ticket = ticket_from_jira(
        cast(JiraIssueJson, raw), base="https://jira.example.test", cloud=False, due_field="duedate"
    )
    assert ticket.resolution == resolution
    assert ticket.resolved == datetime(2026, 11, 28, 0, 30, tzinfo=UTC)
    assert ticket.resolved.tzinfo is UTC


def test_an_open_jira_issue_ignores_a_stale_resolution() -> None:
    raw = recorded("jira_issue_server.json")
    raw["fields"]["resolution"] = {"id": "10001", "name": "Won't Do"}
    raw["fields"]["resolutiondate"] = "2026-11-28T01:30:00.000+0000"
    ticket = ticket_from_jira(
        cast(JiraIssueJson, raw), base="https://jira.example.test", cloud=False, due_field="duedate"
    )
    assert (ticket.resolution, ticket.resolved) == (None, None)
