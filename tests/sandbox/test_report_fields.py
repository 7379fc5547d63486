"""What the follow-up report reads from the stand-ins, as Jira and GitHub answer it: status
category, resolution (done vs won't do), created and resolved times; and the test helpers that
close an issue as won't do and age it."""

from __future__ import annotations

from datetime import UTC, datetime

from github import Github
from jira import JIRA

from syncer.sandbox import Sandbox
from tests.support.openapi import GITHUB, validate
from tests.support.openapi import JIRA as JIRA_SPEC
from tests.support.sandbox_clients import FakeClock

FIELDS = "status,resolution,created,updated,resolutiondate"


def test_a_jira_transition_to_done_keeps_the_resolution_chosen(
    jira: JIRA, sandbox: Sandbox, clock: FakeClock
) -> None:
    issue = jira.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "Rotate"}
    )
    created = clock()
    clock.advance(days=2)
    jira.transition_issue(issue.key, "31", fields={"resolution": {"name": "Won't Do"}})
    raw = jira.issue(issue.key, fields=FIELDS).raw
    validate(JIRA_SPEC, "#/components/schemas/IssueBean", raw)
    fields = raw["fields"]
    assert fields["status"]["statusCategory"]["key"] == "done"
    assert fields["resolution"]["name"] == "Won't Do"
    # The fake clock ticks a millisecond per reading: compare to the minute.
    assert fields["created"].startswith(created.strftime("%Y-%m-%dT%H:%M"))
    assert fields["resolutiondate"].startswith(clock().strftime("%Y-%m-%dT%H:%M"))
    # Reopened: no resolution, no resolution date.
    jira.transition_issue(issue.key, "11")
    fields = jira.issue(issue.key, fields=FIELDS).raw["fields"]
    assert (fields["resolution"], fields["resolutiondate"]) == (None, None)
    # A plain transition to Done resolves as Done.
    jira.transition_issue(issue.key, "31")
    assert jira.issue(issue.key, fields=FIELDS).raw["fields"]["resolution"]["name"] == "Done"


def test_jira_helpers_close_as_wont_do_and_age(jira: JIRA, sandbox: Sandbox) -> None:
    issue = jira.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "Rotate"}
    )
    sandbox.close_jira_issue(issue.key, resolution="Won't Do")
    sandbox.age_jira_issue(
        issue.key,
        created=datetime(2026, 1, 5, 9, tzinfo=UTC),
        updated=datetime(2026, 2, 1, 9, tzinfo=UTC),
    )
    found = jira.search_issues(f"key = {issue.key}", fields=FIELDS, json_result=True)
    fields = found["issues"][0]["fields"]
    assert fields["resolution"]["name"] == "Won't Do"
    assert fields["created"] == "2026-01-05T09:00:00.000+0000"
    assert fields["updated"] == fields["resolutiondate"] == "2026-02-01T09:00:00.000+0000"


def test_github_closed_as_not_planned_and_aged(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    issue = repo.create_issue(title="Rotate")
    gh_sandbox.close_github_issue("acme/platform", issue.number, reason="not_planned")
    gh_sandbox.age_github_issue(
        "acme/platform",
        issue.number,
        created=datetime(2026, 1, 5, 9, tzinfo=UTC),
        updated=datetime(2026, 2, 1, 9, tzinfo=UTC),
    )
    raw = repo.get_issue(issue.number).raw_data
    validate(GITHUB, "#/components/schemas/issue", raw)
    assert (raw["state"], raw["state_reason"]) == ("closed", "not_planned")
    assert raw["created_at"] == "2026-01-05T09:00:00Z"
    assert raw["updated_at"] == raw["closed_at"] == "2026-02-01T09:00:00Z"
