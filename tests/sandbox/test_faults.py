"""Injected faults and changes behind the client's back, seen through the real clients."""

from __future__ import annotations

import time

import pytest
import requests
from github import Github, GithubException
from github.GithubException import RateLimitExceededException, UnknownObjectException
from jira import JIRA, JIRAError

from syncer.sandbox import Fault, FaultKind, Sandbox
from tests.support.openapi import GITHUB, validate
from tests.support.sandbox_clients import close_jira, error_headers, error_json


def new_issue(jira: JIRA, summary: str = "s") -> str:
    created = jira.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary},
        prefetch=False,
    )
    return str(created.key)


def test_latency_applies_to_matching_requests_only(jira: JIRA, sandbox: Sandbox) -> None:
    key = new_issue(jira)
    fault = sandbox.inject_latency(150, method="GET", path=r"/issue/", times=2)
    started = time.monotonic()
    jira.issue(key)
    jira.issue(key)
    slow = time.monotonic() - started
    started = time.monotonic()
    jira.issue(key)
    fast = time.monotonic() - started
    assert slow >= 0.3
    assert fast < 0.15
    assert fault.hits == 2


def test_jira_429_carries_retry_after(jira: JIRA, sandbox: Sandbox) -> None:
    sandbox.inject_rate_limit(retry_after=7, method="POST", path=r"/issue$")
    with pytest.raises(JIRAError) as caught:
        new_issue(jira)
    assert caught.value.status_code == 429
    assert error_headers(caught.value)["Retry-After"] == "7"
    assert error_json(caught.value) == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert sandbox.jira_issues("OPS") == []
    assert new_issue(jira) == "OPS-1"  # the fault applied once


@pytest.mark.parametrize("status", [500, 502, 503])
def test_jira_server_errors_do_nothing(jira: JIRA, sandbox: Sandbox, status: int) -> None:
    sandbox.inject_error(status, method="POST", path=r"/issue$")
    with pytest.raises(JIRAError) as caught:
        new_issue(jira)
    assert caught.value.status_code == status
    assert sandbox.jira_issues("OPS") == []
    assert sandbox.requests[-1].fault == "status"


def test_jira_response_lost_after_write(jira: JIRA, sandbox: Sandbox) -> None:
    sandbox.inject_lost_response(method="POST", path=r"/issue$")
    with pytest.raises(requests.ConnectionError):
        new_issue(jira, "lost")
    # The client saw an error, but the issue exists: a naive retry would duplicate it.
    assert [(i.key, i.summary) for i in sandbox.jira_issues("OPS")] == [("OPS-1", "lost")]
    assert new_issue(jira, "retry") == "OPS-2"
    assert [r.status for r in sandbox.requests if r.method == "POST"] == [None, 201]


def test_jira_issue_deleted_behind_the_back(jira: JIRA, sandbox: Sandbox) -> None:
    key = new_issue(jira)
    sandbox.delete_jira_issue(key)
    with pytest.raises(JIRAError) as caught:
        jira.issue(key)
    assert caught.value.status_code == 404
    with pytest.raises(JIRAError) as caught:
        jira.search_issues(f"key in ({key})")
    assert caught.value.status_code == 400


def test_jira_issue_moved_behind_the_back(flavor: str) -> None:
    box = Sandbox("cloud" if flavor == "cloud" else "server", jira_projects=("OPS", "SEC"))
    with box:
        if box.flavor == "cloud":
            jira = JIRA(server=box.url, basic_auth=(box.jira_email, box.jira_token), max_retries=0)
        else:
            jira = JIRA(server=box.url, token_auth=box.jira_token, max_retries=0)
        try:
            key = new_issue(jira)
            new_key = box.move_jira_issue(key, to_project="SEC")
            assert new_key == "SEC-1"
            assert jira.issue(key).key == "SEC-1"  # the old key redirects, as in Jira
            assert jira.search_issues("project = OPS").total in (0, None)
            assert [i.key for i in jira.search_issues("project = SEC", maxResults=False)] == [
                "SEC-1"
            ]
        finally:
            close_jira(jira)


def test_fault_probability_is_seeded(jira: JIRA, sandbox: Sandbox) -> None:
    key = new_issue(jira)

    def failures() -> int:
        sandbox.clear_faults()
        sandbox.inject_error(500, method="GET", path="/issue/", probability=0.5, seed=42)
        failed = 0
        for _ in range(20):
            try:
                jira.issue(key)
            except JIRAError:
                failed += 1
        return failed

    first = failures()
    assert 0 < first < 20
    assert failures() == first


def test_github_secondary_rate_limit(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    gh_sandbox.inject_rate_limit(retry_after=30, method="POST", path=r"/issues$")
    with pytest.raises(RateLimitExceededException) as caught:
        repo.create_issue(title="x")
    assert caught.value.status == 403
    assert caught.value.headers is not None
    assert caught.value.headers["retry-after"] == "30"
    assert caught.value.data["message"].startswith("You have exceeded a secondary rate limit")
    validate(GITHUB, "#/components/schemas/basic-error", caught.value.data)
    assert gh_sandbox.github_issues("acme/platform") == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_github_server_errors(github: Github, gh_sandbox: Sandbox, status: int) -> None:
    repo = github.get_repo("acme/platform")
    gh_sandbox.add_fault(Fault(FaultKind.STATUS, "POST", r"/issues$", status=status))
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="x")
    assert caught.value.status == status
    assert gh_sandbox.github_issues("acme/platform") == []


def test_github_response_lost_after_write(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    gh_sandbox.inject_lost_response(method="POST", path=r"/issues$")
    with pytest.raises(requests.ConnectionError):
        repo.create_issue(title="lost")
    assert [i.title for i in gh_sandbox.github_issues("acme/platform")] == ["lost"]
    # PyGithub with retry=None does not resend the POST by itself.
    assert len([r for r in gh_sandbox.requests if r.method == "POST"]) == 1


def test_github_issue_deleted_is_410(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    issue = repo.create_issue(title="gone soon")
    gh_sandbox.delete_github_issue("acme/platform", issue.number)
    with pytest.raises(GithubException) as caught:
        repo.get_issue(issue.number)
    assert caught.value.status == 410
    assert caught.value.data["message"] == "This issue was deleted"
    with pytest.raises(GithubException) as caught:
        issue.edit(title="x")
    assert caught.value.status == 410


def test_github_issue_transferred_redirects(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    repo.create_issue(title="first")
    issue = repo.create_issue(title="moving")
    new_number = gh_sandbox.transfer_github_issue(
        "acme/platform", issue.number, to_repo="acme/other"
    )
    assert new_number == 1
    followed = repo.get_issue(issue.number)  # 301, which PyGithub follows
    assert followed.number == 1
    assert followed.repository.full_name == "acme/other"
    assert [i.title for i in repo.get_issues(state="all")] == ["first"]
    with pytest.raises(UnknownObjectException):
        repo.get_issue(99)


def test_request_log_counts_requests(jira: JIRA, sandbox: Sandbox) -> None:
    sandbox.clear_requests()
    new_issue(jira, "logged")
    posts = [r for r in sandbox.requests if r.method == "POST"]
    assert len(posts) == 1
    assert posts[0].status == 201
    assert posts[0].api == "jira"
    assert '"summary": "logged"' in posts[0].body
    sandbox.clear_requests()
    assert sandbox.requests == []
