"""The JQL subset, in memory: which issues each query selects, and which queries are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from syncer.sandbox.jql import JqlError, parse_jql
from syncer.sandbox.store import JiraIssue, State, seed_state

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def issue(number: int, **changes: object) -> JiraIssue:
    base = NOW - timedelta(hours=10 - number)
    values: dict[str, object] = {
        "id": 10000 + number,
        "key": f"OPS-{number}",
        "project": "OPS",
        "issue_type": "Task",
        "summary": f"issue {number}",
        "reporter": "syncer",
        "created": base,
        "updated": base,
        "status_changed": base,
    }
    values.update(changes)
    return JiraIssue.model_validate(values)


@pytest.fixture
def state() -> State:
    seeded = seed_state(
        flavor="server",
        jira_projects=("OPS", "SEC"),
        github_repos=(),
        jira_email="syncer@sandbox.local",
        github_login="bot",
        now=NOW,
    )
    seeded.jira_issues = [
        issue(1, labels=["pm-1", "x"], assignee="alice"),
        issue(2, labels=["pm-1"], status="Done", priority="Highest"),
        issue(3, labels=["pm-2"], status="In Progress", duedate=date(2026, 12, 1)),
        issue(4, project="SEC", key="SEC-1", custom={"customfield_10050": "INC-9"}),
    ]
    return seeded


def select(state: State, jql: str) -> list[str]:
    query = parse_jql(jql, state, now=NOW, current_user="alice")
    return [i.key for i in query.sort(i for i in state.jira_issues if query.matches(i))]


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ("project = OPS ORDER BY key ASC", ["OPS-1", "OPS-2", "OPS-3"]),
        ("project in (OPS, SEC) ORDER BY key ASC", ["OPS-1", "OPS-2", "OPS-3", "SEC-1"]),
        ('labels = "pm-1" ORDER BY key ASC', ["OPS-1", "OPS-2"]),
        ("labels in (pm-2, x) ORDER BY key ASC", ["OPS-1", "OPS-3"]),
        ("project = OPS AND labels not in (pm-1)", ["OPS-3"]),
        ("project = SEC AND labels is EMPTY", ["SEC-1"]),
        ("key in (OPS-1, OPS-3) ORDER BY key DESC", ["OPS-3", "OPS-1"]),
        ("statusCategory = Done", ["OPS-2"]),
        ("statusCategory = done", ["OPS-2"]),
        ('statusCategory = "In Progress"', ["OPS-3"]),
        ("project = OPS AND statusCategory != Done ORDER BY key ASC", ["OPS-1", "OPS-3"]),
        ('updated >= "2026-11-27 05:00" ORDER BY updated DESC', ["SEC-1", "OPS-3"]),
        ('updated < "2026/11/27 04:00"', ["OPS-1"]),
        ("updated >= -7h ORDER BY key ASC", ["OPS-3", "SEC-1"]),
        ("assignee = currentUser()", ["OPS-1"]),
        ("project = OPS AND assignee is EMPTY ORDER BY key ASC", ["OPS-2", "OPS-3"]),
        ("priority = Highest", ["OPS-2"]),
        ("duedate <= 2026-12-01", ["OPS-3"]),
        ('"Incident ID" ~ "inc-9"', ["SEC-1"]),
        ("cf[10050] = INC-9", ["SEC-1"]),
        (
            "(labels = x OR labels = pm-2) AND NOT status = Done ORDER BY key ASC",
            ["OPS-1", "OPS-3"],
        ),
        ("project = OPS ORDER BY priority DESC, key DESC", ["OPS-2", "OPS-3", "OPS-1"]),
        ("project = OPS ORDER BY priority ASC, key ASC", ["OPS-1", "OPS-3", "OPS-2"]),
        ("project = OPS", ["OPS-3", "OPS-2", "OPS-1"]),
        ("", ["SEC-1", "OPS-3", "OPS-2", "OPS-1"]),
    ],
)
def test_queries_select(state: State, jql: str, keys: list[str]) -> None:
    assert select(state, jql) == keys


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = ", "Expecting either a value, list or function but reached the end"),
        ("project == OPS", "Expecting either a value, list or function but got '='."),
        ("labels ~ x", "The operator '~' is not supported by the 'labels' field."),
        ("project = OPS ORDER BY nonsense", "Field 'nonsense' does not exist"),
        ("project = OPS ORDER BY labels", "Not able to sort using field 'labels'."),
        ("statusCategory = Sleeping", "The value 'Sleeping' does not exist"),
        ("assignee = nobody", "The value 'nobody' does not exist for the field 'assignee'."),
        ("key = banana", "The issue key 'banana' for field 'key' is invalid."),
        ("labels in (a, b", "Expecting ')'"),
        ("updated >= endOfTime()", "Unable to find JQL function 'endOfTime()'."),
        ("project = OPS AND (labels = x", "Expecting ')'"),
        ("project = OPS $", "reserved JQL character"),
    ],
)
def test_refused_queries(state: State, jql: str, message: str) -> None:
    with pytest.raises(JqlError) as caught:
        select(state, jql)
    assert message in str(caught.value)
