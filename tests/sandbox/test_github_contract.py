"""Unmodified PyGithub against the GitHub stand-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from github import Github, GithubException
from github.GithubException import BadCredentialsException, UnknownObjectException

from syncer.sandbox import Sandbox
from tests.support.openapi import GITHUB, validate
from tests.support.sandbox_clients import FakeClock, GithubFactory

GITHUB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_user_rate_limit_and_repo_match_the_spec(github: Github, gh_sandbox: Sandbox) -> None:
    user = github.get_user()
    assert user.login == "syncer-bot"
    validate(GITHUB, "#/components/schemas/private-user", user.raw_data)
    limits = github.get_rate_limit()
    assert limits.resources.core.limit == 5000
    repo = github.get_repo("acme/platform")
    validate(GITHUB, "#/components/schemas/full-repository", repo.raw_data)
    assert repo.full_name == "acme/platform"
    assert github.rate_limiting[1] == 5000
    assert github.rate_limiting[0] < 5000
    validate(GITHUB, "#/components/schemas/rate-limit-overview", limits.raw_data)


def test_create_get_edit_close_with_reason(
    github: Github, gh_sandbox: Sandbox, clock: FakeClock
) -> None:
    repo = github.get_repo("acme/platform")
    created = repo.create_issue(
        title="Rotate the keys",
        body="From PM-7",
        labels=["bug", "postmortem"],
        assignees=["alice"],
        milestone=repo.get_milestone(1),
    )
    validate(GITHUB, "#/components/schemas/issue", created.raw_data)
    assert created.number == 1
    assert created.raw_data["created_at"] == "2026-11-27T10:00:00Z"
    assert [label.name for label in created.labels] == ["bug", "postmortem"]
    assert [user.login for user in created.assignees] == ["alice"]
    assert created.user.login == "syncer-bot"
    assert created.milestone.title == "v1.0"
    clock.advance(minutes=3)
    created.edit(
        title="Rotate all keys", body="Updated", assignees=["bob", "carol"], labels=["postmortem"]
    )
    fetched = repo.get_issue(1)
    assert (fetched.title, fetched.body) == ("Rotate all keys", "Updated")
    assert [u.login for u in fetched.assignees] == ["bob", "carol"]
    assert [label.name for label in fetched.labels] == ["postmortem"]
    fetched.edit(milestone=None)
    assert repo.get_issue(1).milestone is None
    assert fetched.raw_data["updated_at"] == "2026-11-27T10:03:00Z"
    clock.advance(minutes=1)
    fetched.edit(state="closed", state_reason="not_planned")
    closed = repo.get_issue(1)
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert closed.closed_at == datetime(2026, 11, 27, 10, 4, tzinfo=UTC)
    assert closed.closed_by is not None
    assert closed.closed_by.login == "syncer-bot"
    validate(GITHUB, "#/components/schemas/issue", closed.raw_data)
    closed.edit(state="open")
    reopened = repo.get_issue(1)
    assert (reopened.state, reopened.state_reason) == ("open", "reopened")
    assert reopened.closed_at is None
    assert gh_sandbox.github_issue("acme/platform", 1).title == "Rotate all keys"


def test_comments_and_labels(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    issue = repo.create_issue(title="t")
    comment = issue.create_comment("Synced from PM-7")
    validate(GITHUB, "#/components/schemas/issue-comment", comment.raw_data)
    assert [c.body for c in issue.get_comments()] == ["Synced from PM-7"]
    assert repo.get_issue(issue.number).comments == 1
    issue.add_to_labels("bug", "new-label")
    assert [lab.name for lab in issue.get_labels()] == ["bug", "new-label"]
    issue.set_labels("enhancement")
    assert [lab.name for lab in repo.get_issue(issue.number).labels] == ["enhancement"]
    issue.remove_from_labels("enhancement")
    assert repo.get_issue(issue.number).labels == []
    label = repo.create_label("pm-7", "ff0000", "From post-mortem 7")
    validate(GITHUB, "#/components/schemas/label", label.raw_data)
    assert "pm-7" in [lab.name for lab in repo.get_labels()]
    assert "new-label" in [lab.name for lab in repo.get_labels()]
    with pytest.raises(GithubException) as caught:
        repo.create_label("pm-7", "ff0000")
    assert caught.value.status == 422
    assert caught.value.data["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]


def test_issue_list_pages_with_link_headers(
    make_github: GithubFactory, gh_sandbox: Sandbox, clock: FakeClock
) -> None:
    github = make_github(per_page=25)
    repo = github.get_repo("acme/platform")
    for number in range(1, 61):
        clock.advance(seconds=1)
        issue = repo.create_issue(
            title=f"item {number}", labels=["pm-7"] if number % 3 else ["other"]
        )
        if number % 2 == 0:
            issue.edit(state="closed")
    gh_sandbox.clear_requests()
    found = list(repo.get_issues(state="all", labels=["pm-7"], sort="created", direction="asc"))
    assert [i.title for i in found] == [f"item {n}" for n in range(1, 61) if n % 3]
    pages = [r for r in gh_sandbox.requests if r.path.endswith("/issues")]
    assert len(pages) == 2  # 40 issues, 25 per page
    assert "page=2" in pages[1].query
    open_only = list(repo.get_issues(state="open", labels=["pm-7"]))
    assert all(i.state == "open" for i in open_only)
    assert len(open_only) == 20
    assert open_only[0].title == "item 59"  # default: created, newest first


def test_link_header_shape(gh_sandbox: Sandbox, github: Github) -> None:
    import requests

    repo = github.get_repo("acme/platform")
    for number in range(5):
        repo.create_issue(title=f"i{number}")
    with requests.Session() as session:
        session.headers["Authorization"] = f"token {gh_sandbox.github_token}"
        response = session.get(
            f"{gh_sandbox.url}/repos/acme/platform/issues",
            params={"per_page": "2", "page": "2", "state": "all"},
        )
    assert response.status_code == 200
    links = {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    }
    assert set(links) == {"next", "last", "prev", "first"}
    assert "page=3" in links["next"]
    assert "page=3" in links["last"]
    assert "per_page=2" in links["next"]
    assert "state=all" in links["next"]
    assert int(response.headers["X-RateLimit-Remaining"]) < 5000
    assert response.headers["X-RateLimit-Limit"] == "5000"


def test_since_filters_by_updated_at(github: Github, clock: FakeClock) -> None:
    repo = github.get_repo("acme/platform")
    old = repo.create_issue(title="old")
    clock.advance(hours=2)
    repo.create_issue(title="new")
    since = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert [i.title for i in repo.get_issues(state="all", since=since)] == ["new"]
    old.create_comment("bump")  # a comment moves updated_at
    assert sorted(i.title for i in repo.get_issues(state="all", since=since)) == ["new", "old"]
    ordered = repo.get_issues(state="all", sort="updated", direction="desc")
    assert [i.title for i in ordered] == ["old", "new"]


def test_invalid_assignee_is_422_as_github_sends_it(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="x", assignees=["nobody"])
    assert caught.value.status == 422
    assert caught.value.data["message"] == "Validation Failed"
    assert caught.value.data["errors"] == [
        {"value": "nobody", "resource": "Issue", "field": "assignees", "code": "invalid"}
    ]
    validate(GITHUB, "#/components/schemas/validation-error", caught.value.data)
    assert gh_sandbox.github_issues("acme/platform") == []


def test_not_found_and_bad_credentials(make_github: GithubFactory) -> None:
    github = make_github()
    with pytest.raises(UnknownObjectException) as missing:
        github.get_repo("acme/nope")
    assert missing.value.data["message"] == "Not Found"
    validate(GITHUB, "#/components/schemas/basic-error", missing.value.data)
    with pytest.raises(UnknownObjectException):
        github.get_repo("acme/platform").get_issue(99)
    with pytest.raises(BadCredentialsException) as bad:
        make_github(token="wrong").get_user().login  # noqa: B018 - the property fetches
    assert bad.value.status == 401
    assert bad.value.data["message"] == "Bad credentials"
    assert "documentation_url" in bad.value.data


def test_issue_timestamps_are_github_format(github: Github) -> None:
    issue = github.get_repo("acme/platform").create_issue(title="t")
    for key in ("created_at", "updated_at"):
        assert GITHUB_TIME.match(issue.raw_data[key])
    assert issue.raw_data["closed_at"] is None


def test_token_schemes_and_anonymous_access(gh_sandbox: Sandbox) -> None:
    import requests

    base = gh_sandbox.url
    for scheme in ("token", "Bearer"):
        response = requests.get(
            f"{base}/user",
            headers={"Authorization": f"{scheme} {gh_sandbox.github_token}"},
            timeout=5,
        )
        assert response.status_code == 200
        assert response.json()["login"] == "syncer-bot"
    anonymous_user = requests.get(f"{base}/user", timeout=5)
    assert anonymous_user.status_code == 401
    assert anonymous_user.json()["message"] == "Requires authentication"
    anonymous_repo = requests.get(f"{base}/repos/acme/platform", timeout=5)
    assert anonymous_repo.status_code == 404  # private repositories hide from strangers
    assert requests.get(f"{base}/rate_limit", timeout=5).json()["rate"]["limit"] == 60


def test_a_listing_answered_from_its_index_sees_every_write(github: Github) -> None:
    repo = github.get_repo("acme/platform")
    for n in range(3):
        repo.create_issue(title=f"Issue {n}", labels=["syncer"])
    first = [i.number for i in repo.get_issues(state="open", labels=["syncer"])]
    repo.get_issue(first[0]).edit(state="closed")
    repo.create_issue(title="Issue 3", labels=["syncer"])
    again = [i.number for i in repo.get_issues(state="open", labels=["syncer"])]
    assert first == [3, 2, 1]
    assert again == [4, 2, 1]


def test_checking_an_assignee_answers_204_or_404(github: Github, gh_sandbox: Sandbox) -> None:
    repo = github.get_repo("acme/platform")
    assert repo.has_in_assignees("alice") is True
    assert repo.has_in_assignees("nobody-at-all") is False


def test_milestones_are_created_with_a_due_date_and_listed(github: Github) -> None:
    repo = github.get_repo("acme/platform")
    made = repo.create_milestone("Due 2026-12-01", due_on=datetime(2026, 12, 1, tzinfo=UTC))
    validate(GITHUB, "#/components/schemas/nullable-milestone", made.raw_data)
    assert (made.number, made.raw_data["due_on"]) == (2, "2026-12-01T00:00:00Z")
    assert [m.title for m in repo.get_milestones(state="all")] == ["v1.0", "Due 2026-12-01"]
    with pytest.raises(GithubException) as caught:
        repo.create_milestone("Due 2026-12-01")
    assert caught.value.status == 422
    issue = repo.create_issue(title="Due soon", milestone=made)
    validate(GITHUB, "#/components/schemas/issue", issue.raw_data)
    assert issue.milestone.title == "Due 2026-12-01"
    assert issue.milestone.due_on == datetime(2026, 12, 1, tzinfo=UTC)


def test_a_conditional_listing_is_304_and_free_until_the_listing_changes(
    github: Github, gh_sandbox: Sandbox
) -> None:
    repo = github.get_repo("acme/platform")
    issue = repo.create_issue(title="first", labels=["syncer"])
    requester = github.requester
    query = {"state": "all", "labels": "syncer", "since": "2026-01-01T00:00:00Z"}
    headers, page = requester.requestJsonAndCheck(
        "GET", "/repos/acme/platform/issues", parameters=dict(query)
    )
    etag = headers["etag"]
    assert etag.startswith('W/"')
    assert [i["title"] for i in page] == ["first"]
    used = int(headers["x-ratelimit-used"])
    again, nothing = requester.requestJsonAndCheck(
        "GET",
        "/repos/acme/platform/issues",
        parameters=dict(query),
        headers={"If-None-Match": etag},
    )
    assert nothing is None  # 304 Not Modified: no body
    assert again["etag"] == etag
    assert int(again["x-ratelimit-used"]) == used  # not counted against the rate limit
    issue.edit(title="first, retitled")
    changed, page = requester.requestJsonAndCheck(
        "GET",
        "/repos/acme/platform/issues",
        parameters=dict(query),
        headers={"If-None-Match": etag},
    )
    assert [i["title"] for i in page] == ["first, retitled"]
    assert changed["etag"] != etag
    assert int(changed["x-ratelimit-used"]) == used + 2  # the edit and this listing
