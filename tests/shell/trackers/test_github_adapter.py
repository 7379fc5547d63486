"""The GitHub adapter against recorded-shape answers: the exact requests, and what comes back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from http.client import RemoteDisconnected
from typing import Any, cast

import pytest
import requests
import responses
import stamina
from responses import matchers
from urllib3.exceptions import ProtocolError

from syncer.errors import (
    TicketGoneError,
    TrackerAssigneeError,
    TrackerError,
    TrackerUnavailableError,
)
from syncer.model import Ticket, TicketFields, TicketRef, Written
from syncer.shell.trackers.base import body_marker
from syncer.shell.trackers.github import GitHubTracker, split_body_marker, ticket_from_github
from syncer.shell.trackers.payloads import GithubIssueJson
from tests.support.tracker_payloads import (
    GITHUB_API,
    REPO,
    SERVER_SECRETS,
    TOKEN,
    github_config,
    github_issue,
    query,
    sent,
)

# PyGithub writes the port into every URL it requests.
AT = "https://api.github.com:443"
ISSUES = f"{AT}/repos/{REPO}/issues"
KEY = "inc-7.ai-1"
MARKER = f"<!-- syncer:key={KEY} -->"
LISTING = {"state": "all", "labels": "syncer", "per_page": "100"}


def tracker(**overrides: Any) -> GitHubTracker:
    return GitHubTracker("ops-gh", github_config(**overrides), SERVER_SECRETS)


def expected_ticket(number: int = 1, **changes: Any) -> Ticket:
    ticket = Ticket(
        ref=TicketRef(
            system="github",
            key=f"{REPO}#{number}",
            url=f"https://github.com/{REPO}/issues/{number}",
        ),
        title="Add a canary stage",
        body="Roll out to 1% first.",
        labels=("postmortem",),
        status="open",
        updated=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
        item_key=KEY,
        status_category="todo",
        created=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    if changes.get("done"):  # as github_issue() closes an issue: completed, at its update
        changes = {
            "status_category": "done",
            "resolution": "done",
            "resolved": datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
            **changes,
        }
    return ticket.model_copy(update=changes)


def fields(**changes: Any) -> TicketFields:
    base = TicketFields(
        title="  Add a canary stage ",
        body="Roll out to **1%** first.\r\n",
        labels=("sev2", "postmortem", "sev2", "syncer"),
        due=date(2026, 12, 15),
        priority="High",
    )
    return base.model_copy(update=changes)


def rendered(**changes: Any) -> TicketFields:
    """The fields as the engine hands them to create/update: through ``render`` first."""
    return tracker().render(fields(**changes))


def assert_clean(exc: BaseException) -> None:
    assert "\n" not in str(exc)
    assert TOKEN not in str(exc)


# -- reads --------------------------------------------------------------------------------------


def test_list_managed_follows_link_pages_and_skips_pull_requests(
    rsps: responses.RequestsMock,
) -> None:
    page2 = f"{GITHUB_API}/repositories/42/issues?state=all&labels=syncer&per_page=100&page=2"
    rsps.get(
        ISSUES,
        match=[matchers.query_param_matcher(LISTING)],
        json=[github_issue(1), github_issue(2, pull=True)],
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
    )
    rsps.get(
        f"{AT}/repositories/42/issues",
        match=[matchers.query_param_matcher({**LISTING, "page": "2"})],
        json=[github_issue(3, state="closed", assignee="octocat")],
    )

    tickets = tracker().list_managed()

    assert sent(rsps) == ["GET /repos/acme/web/issues", "GET /repositories/42/issues"]
    assert rsps.calls[0].request.headers["Authorization"] == f"token {TOKEN}"
    assert tickets == [
        expected_ticket(1),
        expected_ticket(3, done=True, status="closed", assignee="octocat"),
    ]


def test_find_lists_newest_first_and_filters_by_marker(rsps: responses.RequestsMock) -> None:
    other = github_issue(5, body="Other.\n\n<!-- syncer:key=inc-7.ai-2 -->")
    rsps.get(
        ISSUES,
        match=[matchers.query_param_matcher({**LISTING, "sort": "created", "direction": "desc"})],
        json=[other, github_issue(4), github_issue(6, body="no marker at all")],
    )

    assert tracker().find(KEY) == [expected_ticket(4)]


def test_fetch_gets_each_issue_and_drops_gone_moved_and_pulls(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{ISSUES}/1", json=github_issue(1))
    rsps.get(f"{ISSUES}/2", status=404, json={"message": "Not Found"})
    rsps.get(f"{ISSUES}/3", status=410, json={"message": "This issue was deleted"})
    rsps.get(
        f"{ISSUES}/4",
        status=301,
        headers={"Location": f"{GITHUB_API}/repositories/77/issues/9"},
        json={"message": "Moved Permanently"},
    )
    rsps.get(f"{AT}/repositories/77/issues/9", json=github_issue(9, repo="acme/other"))
    rsps.get(f"{ISSUES}/5", json=github_issue(5, pull=True))
    refs = [
        TicketRef(system="github", key="#1"),
        TicketRef(system="github", key="acme/web#1"),
        TicketRef(system="github", key="acme/web#2"),
        TicketRef(system="other", key="x", url="https://github.com/acme/web/issues/3"),
        TicketRef(system="github", key="#4"),
        TicketRef(system="github", key="#5"),
        TicketRef(system="github", key="acme/other#1"),
        TicketRef(system="jira", key="OPS-1"),
    ]

    assert tracker().fetch(refs) == [expected_ticket(1)]
    assert sent(rsps) == [
        "GET /repos/acme/web/issues/1",
        "GET /repos/acme/web/issues/2",
        "GET /repos/acme/web/issues/3",
        "GET /repos/acme/web/issues/4",
        "GET /repositories/77/issues/9",
        "GET /repos/acme/web/issues/5",
    ]


def test_reads_are_retried_on_5xx_but_writes_are_not(rsps: responses.RequestsMock) -> None:
    rsps.get(ISSUES, status=502, json={"message": "Server Error"})
    rsps.get(ISSUES, json=[github_issue(1)])
    rsps.post(ISSUES, status=502, json={"message": "Server Error"})

    with stamina.set_testing(True, attempts=3):
        assert tracker().list_managed() == [expected_ticket(1)]
        with pytest.raises(TrackerError) as caught:
            tracker().create(KEY, rendered())

    assert caught.value.ambiguous
    assert sent(rsps) == [
        "GET /repos/acme/web/issues",
        "GET /repos/acme/web/issues",
        "POST /repos/acme/web/issues",
    ]


# -- check --------------------------------------------------------------------------------------

REPO_JSON = {
    "id": 42,
    "full_name": REPO,
    "has_issues": True,
    "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
}


def test_check_reads_the_repository(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{AT}/repos/{REPO}", json=REPO_JSON)

    tracker().check()

    assert sent(rsps) == ["GET /repos/acme/web"]


@pytest.mark.parametrize(
    ("status", "answer", "message"),
    [
        (
            401,
            {"message": "Bad credentials"},
            "GitHub refused the token (check SYNCER_OPS_GH_TOKEN)",
        ),
        (
            404,
            {"message": "Not Found"},
            "repository acme/web not found or not visible to the token "
            "(check trackers.ops-gh.repository)",
        ),
        (
            200,
            {**REPO_JSON, "permissions": {"push": False, "pull": True}},
            "the token cannot write to acme/web: GitHub silently drops labels set on new issues "
            "without push access, so syncer could not find its issues",
        ),
        (200, {**REPO_JSON, "has_issues": False}, "issues are disabled in repository acme/web"),
        (
            503,
            {"message": "unavailable"},
            "reading repository acme/web: GitHub answered HTTP 503: unavailable",
        ),
    ],
)
def test_check_says_why_the_repository_cannot_be_used(
    rsps: responses.RequestsMock, status: int, answer: dict[str, Any], message: str
) -> None:
    rsps.get(f"{AT}/repos/{REPO}", status=status, json=answer)

    with pytest.raises(TrackerUnavailableError) as caught:
        tracker().check()

    assert str(caught.value) == f"ops-gh: {message}"


# -- writes -------------------------------------------------------------------------------------


def test_create_posts_title_body_with_marker_labels_assignee_and_milestone(
    rsps: responses.RequestsMock,
) -> None:
    written = Written.of(rendered(assignee="octocat"))
    carried = body_marker(KEY, written)
    rsps.post(
        ISSUES,
        match=[
            matchers.json_params_matcher(
                {
                    "title": "Add a canary stage",
                    "body": f"Roll out to **1%** first.\n\n{carried}",
                    "labels": ["postmortem", "sev2", "syncer"],
                    "assignees": ["octocat"],
                    "milestone": 3,
                }
            )
        ],
        status=201,
        json=github_issue(
            12,
            body=f"Roll out to **1%** first.\n\n{carried}",
            labels=("postmortem", "sev2", "syncer"),
            assignee="octocat",
        ),
    )

    ticket = tracker(milestone=3).create(KEY, rendered(assignee="octocat"))

    assert sent(rsps) == ["POST /repos/acme/web/issues"]
    assert ticket == expected_ticket(
        12,
        body="Roll out to **1%** first.",
        labels=("postmortem", "sev2"),
        assignee="octocat",
        written=written,
    )


def test_create_without_assignee_or_milestone_sends_neither(rsps: responses.RequestsMock) -> None:
    rsps.post(ISSUES, status=201, json=github_issue(13))

    tracker().create(KEY, rendered())

    assert set(json.loads(rsps.calls[0].request.body or "")) == {"title", "body", "labels"}


@pytest.mark.parametrize(
    ("done", "state"),
    [
        (True, {"state": "closed", "state_reason": "completed"}),
        (False, {"state": "open", "state_reason": "reopened"}),
    ],
)
def test_close_and_reopen_patch_state_only(
    rsps: responses.RequestsMock, done: bool, state: dict[str, str]
) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7, state="open" if done else "closed"))
    rsps.patch(
        f"{ISSUES}/7",
        match=[matchers.json_params_matcher(state)],
        json=github_issue(7, state=state["state"]),
    )

    ticket = tracker().update(
        TicketRef(system="github", key="#7"), rendered(done=done), changed=["done"]
    )

    assert sent(rsps) == ["GET /repos/acme/web/issues/7", "PATCH /repos/acme/web/issues/7"]
    assert ticket.done is done


@pytest.mark.parametrize("done", [True, False])
def test_an_issue_already_closed_or_open_is_not_transitioned_again(
    rsps: responses.RequestsMock, done: bool
) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7, state="closed" if done else "open"))

    ticket = tracker().update(
        TicketRef(system="github", key="#7"), rendered(done=done), changed=["done"]
    )

    assert sent(rsps) == ["GET /repos/acme/web/issues/7"]
    assert ticket.done is done


def test_the_baseline_travels_in_the_body_marker(rsps: responses.RequestsMock) -> None:
    written = Written.of(rendered(assignee="octocat"))
    body = f"Roll out to 1% first.\n\n{body_marker(KEY, written)}"
    rsps.get(f"{ISSUES}/7", json=github_issue(7, body=f"Roll out to 1% first.\n\n{MARKER}"))
    rsps.patch(
        f"{ISSUES}/7",
        match=[matchers.json_params_matcher({"body": body})],
        json=github_issue(7, body=body),
    )

    tracker().remember(TicketRef(system="github", key="#7"), written)

    ticket = ticket_from_github(
        cast(GithubIssueJson, github_issue(7, body=body)), repository=REPO, web="https://github.com"
    )
    assert ticket.written == written
    assert ticket.body == "Roll out to 1% first."
    assert ticket.item_key == KEY


def test_body_and_label_updates_keep_marker_and_managed_label(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7, labels=("syncer", "old")))
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {
                    "body": f"Roll out to **1%** first.\n\n{MARKER}",
                    "labels": ["postmortem", "sev2", "syncer"],
                    "title": "Add a canary stage",
                    "assignees": [],
                }
            )
        ],
        json=github_issue(7, body=f"Roll out to **1%** first.\n\n{MARKER}"),
    )

    ticket = tracker().update(
        TicketRef(system="github", key="acme/web#7"),
        rendered(),
        changed=["body", "labels", "title", "assignee", "due", "priority"],
    )

    assert sent(rsps) == ["GET /repos/acme/web/issues/7", "PATCH /repos/acme/web/issues/7"]
    assert ticket.body == "Roll out to **1%** first."


def test_label_update_of_an_unmanaged_linked_issue_adds_no_marker(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{ISSUES}/8", json=github_issue(8, body="Written by a person.", labels=("bug",)))
    rsps.patch(
        f"{ISSUES}/8",
        match=[matchers.json_params_matcher({"labels": ["postmortem", "sev2"]})],
        json=github_issue(8, body="Written by a person.", labels=("postmortem", "sev2")),
    )

    ticket = tracker().update(TicketRef(system="github", key="#8"), rendered(), changed=["labels"])

    assert ticket.item_key is None


def test_update_of_fields_github_lacks_only_reads(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7))

    tracker().update(TicketRef(system="github", key="#7"), rendered(), changed=["due", "priority"])

    assert sent(rsps) == ["GET /repos/acme/web/issues/7"]


# -- errors -------------------------------------------------------------------------------------


def test_an_unknown_assignee_names_the_owner_map(rsps: responses.RequestsMock) -> None:
    rsps.post(
        ISSUES,
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [
                {"value": "bob", "resource": "Issue", "field": "assignees", "code": "invalid"}
            ],
        },
    )

    with pytest.raises(TrackerAssigneeError) as caught:
        tracker().create(KEY, rendered(assignee="bob"))

    assert caught.value.account == "bob"  # the engine writes the ticket unassigned instead
    assert str(caught.value) == (
        f"ops-gh: creating the issue of item {KEY}: owner map trackers.ops-gh.owners gives "
        "'bob' which GitHub does not know or who cannot be assigned in acme/web"
    )
    assert not caught.value.ambiguous


def test_a_missing_milestone_names_the_setting(rsps: responses.RequestsMock) -> None:
    rsps.post(
        ISSUES,
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [{"value": 99, "resource": "Issue", "field": "milestone", "code": "invalid"}],
        },
    )

    with pytest.raises(TrackerError, match=r"milestone 99 does not exist in acme/web"):
        tracker(milestone=99).create(KEY, rendered())


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            403,
            "You have exceeded a secondary rate limit. "
            "Please wait a few minutes before you try again.",
        ),
        (429, "Too many requests"),
    ],
)
def test_rate_limits_are_not_ambiguous_and_say_when(
    rsps: responses.RequestsMock, status: int, message: str
) -> None:
    rsps.post(ISSUES, status=status, json={"message": message}, headers={"Retry-After": "60"})

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, rendered())

    assert not caught.value.ambiguous
    assert str(caught.value).endswith("GitHub rate limit hit; retry after 60s")


def test_a_primary_rate_limit_is_not_retried(rsps: responses.RequestsMock) -> None:
    rsps.get(
        ISSUES,
        status=403,
        json={"message": "API rate limit exceeded for user ID 1."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
    )

    with stamina.set_testing(True, attempts=3), pytest.raises(TrackerError, match="retry after"):
        tracker().list_managed()

    assert len(rsps.calls) == 1


def test_a_server_error_on_a_write_is_ambiguous(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7))
    rsps.patch(f"{ISSUES}/7", status=500, json={"message": "Server Error"})

    with pytest.raises(TrackerError) as caught:
        tracker().update(
            TicketRef(system="github", key="#7"), rendered(done=True), changed=["done"]
        )

    assert caught.value.ambiguous
    assert str(caught.value) == (
        "ops-gh: updating acme/web#7: GitHub answered HTTP 500: Server Error"
    )


def test_a_dropped_connection_on_a_write_is_ambiguous(rsps: responses.RequestsMock) -> None:
    dropped = ProtocolError("Connection aborted.", RemoteDisconnected("closed without response"))
    rsps.post(ISSUES, body=requests.ConnectionError(dropped))

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, rendered())

    assert caught.value.ambiguous
    assert str(caught.value) == (
        f"ops-gh: creating the issue of item {KEY}: the connection to {GITHUB_API} dropped "
        "before an answer"
    )


def test_secrets_never_reach_a_message(rsps: responses.RequestsMock) -> None:
    rsps.post(ISSUES, status=400, json={"message": f"Problems parsing token {TOKEN}"})
    rsps.get(f"{AT}/repos/{REPO}", status=401, json={"message": f"Bad token {TOKEN}"})

    with pytest.raises(TrackerError) as created:
        tracker().create(KEY, rendered())
    with pytest.raises(TrackerUnavailableError) as checked:
        tracker().check()

    assert "***" in str(created.value)
    assert_clean(created.value)
    assert_clean(checked.value)


# -- identity and rendering ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "owned"),
    [
        (TicketRef(system="github", key="#3"), True),
        (TicketRef(system="github", key="acme/web#3"), True),
        (TicketRef(system="github", key="ACME/Web#3"), True),
        (TicketRef(system="github", key="acme/other#3"), False),
        (TicketRef(system="jira", key="#3"), False),
        (TicketRef(system="other", key="x", url="https://github.com/acme/web/issues/3"), True),
        (TicketRef(system="other", key="x", url="https://github.com/acme/web/pull/3"), False),
        (TicketRef(system="other", key="x", url="https://github.com/acme/other/issues/3"), False),
        (TicketRef(system="other", key="x", url="https://gitlab.com/acme/web/issues/3"), False),
    ],
)
def test_owns(ref: TicketRef, owned: bool) -> None:
    assert tracker().owns(ref) is owned


def test_resolve_gives_the_full_key_and_html_url() -> None:
    assert tracker().resolve(TicketRef(system="github", key="#3")) == TicketRef(
        system="github", key="acme/web#3", url="https://github.com/acme/web/issues/3"
    )
    with pytest.raises(TrackerError, match="not an issue of acme/web"):
        tracker().resolve(TicketRef(system="github", key="acme/other#3"))


def test_enterprise_hosts_serve_api_and_pages_apart(rsps: responses.RequestsMock) -> None:
    ghe = tracker(url="https://ghe.example.test/api/v3")
    rsps.get(
        "https://ghe.example.test:443/api/v3/repos/acme/web/issues/3",
        json=github_issue(3) | {"repository_url": "https://ghe.example.test/api/v3/repos/acme/web"},
    )
    ref = TicketRef(system="other", key="x", url="https://ghe.example.test/acme/web/issues/3")

    assert ghe.owns(ref)
    assert not ghe.owns(
        TicketRef(system="other", key="x", url="https://github.com/acme/web/issues/3")
    )
    assert [t.ref.key for t in ghe.fetch([ref])] == ["acme/web#3"]
    assert ghe.resolve(ref).url == "https://ghe.example.test/acme/web/issues/3"


def test_render_drops_what_github_lacks_and_tidies_labels() -> None:
    assert tracker().render(fields()) == TicketFields(
        title="Add a canary stage",
        body="Roll out to **1%** first.",
        labels=("postmortem", "sev2"),
    )


def test_render_is_idempotent_so_rendered_fields_can_be_written() -> None:
    github = tracker()
    once = github.render(fields(body="a\r\n\n- b  \n", assignee="octocat"))
    assert github.render(once) == once


def test_render_round_trips_through_create_and_read_back(rsps: responses.RequestsMock) -> None:
    desired = fields(body="## Why\n\n- a `canary` stage\n", assignee="octocat", done=False)
    github = tracker()
    rsps.post(ISSUES, status=201, json=github_issue(20))
    github.create(KEY, github.render(desired))
    stored = json.loads(rsps.calls[0].request.body or "")
    rsps.get(
        ISSUES,
        json=[
            github_issue(
                20,
                title=stored["title"],
                body=stored["body"].replace("\n", "\r\n"),
                labels=tuple(stored["labels"]),
                assignee=stored["assignees"][0],
            )
        ],
    )

    [read_back] = github.list_managed()

    assert read_back.item_key == KEY
    assert TicketFields(
        title=read_back.title,
        body=read_back.body,
        labels=read_back.labels,
        assignee=read_back.assignee,
        due=read_back.due,
        priority=read_back.priority,
        done=read_back.done,
    ) == github.render(desired)


@pytest.mark.parametrize(
    ("body", "key", "rest"),
    [
        (f"text\n\n{MARKER}", KEY, "text"),
        (f"text\r\n\r\n{MARKER}\r\n", KEY, "text"),
        (MARKER, KEY, ""),
        ("text only", None, "text only"),
        (f"{MARKER}\n\nthen more text", None, f"{MARKER}\n\nthen more text"),
    ],
)
def test_split_body_marker(body: str, key: str | None, rest: str) -> None:
    assert split_body_marker(body) == (key, rest)


def test_query_helper_reads_repeated_parameters(rsps: responses.RequestsMock) -> None:
    rsps.get(ISSUES, json=[])
    tracker().list_managed()
    assert query(rsps, 0) == {"state": ["all"], "labels": ["syncer"], "per_page": ["100"]}


def test_comment_posts_one_comment(rsps: responses.RequestsMock) -> None:
    text = "syncer closed this issue: the post-mortem `inc-7.md` marks it done."
    rsps.post(
        f"{ISSUES}/7/comments",
        match=[matchers.json_params_matcher({"body": text})],
        status=201,
        json={"id": 1, "body": text},
    )

    tracker().comment(TicketRef(system="github", key="#7"), text)

    assert sent(rsps) == ["POST /repos/acme/web/issues/7/comments"]


def test_comment_texts_reads_every_comment_oldest_first(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{ISSUES}/7/comments",
        json=[{"id": 1, "body": "first"}, {"id": 2, "body": "syncer closed this issue: x"}],
    )

    texts = tracker().comment_texts(TicketRef(system="github", key="#7"))

    assert texts == ["first", "syncer closed this issue: x"]
    assert sent(rsps) == ["GET /repos/acme/web/issues/7/comments"]


def test_an_update_puts_back_a_marker_and_label_a_person_removed(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7, body="Edited by hand.", labels=("postmortem",)))
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {
                    "body": f"Roll out to **1%** first.\n\n{MARKER}",
                    "labels": ["postmortem", "sev2", "syncer"],
                }
            )
        ],
        json=github_issue(7, body=f"Roll out to **1%** first.\n\n{MARKER}"),
    )

    ticket = tracker().update(
        TicketRef(system="github", key="acme/web#7"),
        rendered(),
        changed=["body", "labels"],
        key=KEY,
    )

    assert ticket.item_key == KEY


# -- options: priority labels, due-date milestones, close reason -------------------------------

PRIORITY_MAP = {"P1": "priority: high", "SEV1": "priority: high", "P2": "priority: medium"}
MILESTONES = f"{AT}/repos/{REPO}/milestones"


def test_a_priority_label_is_created_read_back_as_the_priority_and_not_as_a_label(
    rsps: responses.RequestsMock,
) -> None:
    gh = tracker(priorities=PRIORITY_MAP)
    wanted = gh.render(fields(priority="priority: high", labels=("priority: medium", "sev2")))
    assert (wanted.priority, wanted.labels) == ("priority: high", ("postmortem", "sev2"))
    answer = github_issue(5, labels=("postmortem", "sev2", "Priority: High", "syncer"))
    rsps.post(
        ISSUES,
        match=[
            matchers.json_params_matcher(
                {"labels": ["postmortem", "sev2", "priority: high", "syncer"]}, strict_match=False
            )
        ],
        status=201,
        json=answer,
    )

    ticket = gh.create(KEY, wanted)

    # GitHub keeps an existing label's spelling: read back as the configured name.
    assert (ticket.priority, ticket.labels) == ("priority: high", ("postmortem", "sev2"))


def test_a_priority_change_swaps_only_the_priority_label(rsps: responses.RequestsMock) -> None:
    gh = tracker(priorities=PRIORITY_MAP)
    current = github_issue(7, labels=("postmortem", "team-x", "priority: high", "syncer"))
    rsps.get(f"{ISSUES}/7", json=current)
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {"labels": ["postmortem", "team-x", "syncer", "priority: medium"]}
            )
        ],
        json=github_issue(7, labels=("postmortem", "team-x", "priority: medium", "syncer")),
    )

    ticket = gh.update(
        TicketRef(system="github", key="#7"),
        gh.render(fields(priority="priority: medium")),
        changed=["priority"],
    )

    assert (ticket.priority, ticket.labels) == ("priority: medium", ("postmortem", "team-x"))


def test_a_labels_change_keeps_the_priority_label(rsps: responses.RequestsMock) -> None:
    gh = tracker(priorities=PRIORITY_MAP)
    rsps.get(f"{ISSUES}/7", json=github_issue(7, labels=("old", "priority: high", "syncer")))
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {"labels": ["postmortem", "sev2", "syncer", "priority: high"]}
            )
        ],
        json=github_issue(7, labels=("postmortem", "sev2", "priority: high")),
    )

    gh.update(TicketRef(system="github", key="#7"), gh.render(fields()), changed=["labels"])


def test_the_due_date_milestone_is_listed_once_and_created_when_missing(
    rsps: responses.RequestsMock,
) -> None:
    gh = tracker(due_as_milestone=True, milestone_title="Due {due} (post-mortems)")
    rsps.get(
        MILESTONES,
        match=[matchers.query_param_matcher({"state": "all", "per_page": "100"})],
        json=[{"number": 3, "title": "Due 2026-12-01 (post-mortems)"}],
    )
    rsps.post(
        MILESTONES,
        match=[
            matchers.json_params_matcher(
                {"title": "Due 2026-12-15 (post-mortems)", "due_on": "2026-12-15T00:00:00Z"}
            )
        ],
        status=201,
        json={"number": 4, "title": "Due 2026-12-15 (post-mortems)"},
    )
    made = github_issue(5) | {"milestone": {"number": 4, "title": "Due 2026-12-15 (post-mortems)"}}
    rsps.post(
        ISSUES,
        match=[matchers.json_params_matcher({"milestone": 4}, strict_match=False)],
        json=made,
    )
    moved = github_issue(5) | {"milestone": {"number": 3, "title": "Due 2026-12-01 (post-mortems)"}}
    rsps.patch(f"{ISSUES}/5", match=[matchers.json_params_matcher({"milestone": 3})], json=moved)
    rsps.patch(f"{ISSUES}/6", match=[matchers.json_params_matcher({"milestone": 4})], json=made)

    wanted = gh.render(fields())
    assert wanted.due == date(2026, 12, 15)
    assert gh.create(KEY, wanted).due == date(2026, 12, 15)
    ref = TicketRef(system="github", key="#5")
    assert gh.update(ref, gh.render(fields(due=date(2026, 12, 1))), changed=["due"]).due == date(
        2026, 12, 1
    )
    gh.update(TicketRef(system="github", key="#6"), wanted, changed=["due"])  # known by now

    assert sent(rsps) == [
        f"GET /repos/{REPO}/milestones",
        f"POST /repos/{REPO}/milestones",
        f"POST /repos/{REPO}/issues",
        f"PATCH /repos/{REPO}/issues/5",
        f"PATCH /repos/{REPO}/issues/6",
    ]


def test_a_milestone_not_titled_after_the_template_gives_no_due_date() -> None:
    raw = github_issue(1) | {"milestone": {"number": 1, "title": "v1.0"}}
    ticket = ticket_from_github(
        cast(GithubIssueJson, raw),
        repository=REPO,
        web="https://github.com",
        due_milestone="Due {due}",
    )
    assert ticket.due is None
    raw = github_issue(1) | {"milestone": {"number": 2, "title": "Due 2026-13-01"}}
    assert (
        ticket_from_github(
            cast(GithubIssueJson, raw),
            repository=REPO,
            web="https://github.com",
            due_milestone="Due {due}",
        ).due
        is None
    )


@pytest.mark.parametrize("reason", ["completed", "not_planned"])
def test_a_done_item_is_closed_with_the_configured_reason(
    rsps: responses.RequestsMock, reason: str
) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7))
    closed = github_issue(7, state="closed") | {"state_reason": reason}
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {"state": "closed", "state_reason": reason}, strict_match=False
            )
        ],
        json=closed,
    )

    ticket = tracker(close_reason=reason).update(
        TicketRef(system="github", key="#7"), fields(done=True), changed=["done"]
    )

    assert ticket.done
    assert ticket.resolution == ("done" if reason == "completed" else "wont_do")


def test_an_item_marked_wont_do_is_closed_as_not_planned(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{ISSUES}/7", json=github_issue(7))
    closed = github_issue(7, state="closed") | {"state_reason": "not_planned"}
    rsps.patch(
        f"{ISSUES}/7",
        match=[
            matchers.json_params_matcher(
                {"state": "closed", "state_reason": "not_planned"}, strict_match=False
            )
        ],
        json=closed,
    )

    ticket = tracker(close_reason="completed").update(
        TicketRef(system="github", key="#7"), fields(done=True, wont_do=True), changed=["done"]
    )

    assert ticket.resolution == "wont_do"


@pytest.mark.parametrize("changed", [["done"], ["title"]])
def test_an_issue_transferred_to_another_repository_is_gone_and_written_to_never(
    rsps: responses.RequestsMock, changed: list[str]
) -> None:
    # PyGithub follows the 301 of a transferred issue. Written on, the other repository's issue
    # was read back as this repository's issue of the same number: the close comment and the
    # baseline marker then went to an unrelated issue of ours.
    rsps.get(
        f"{ISSUES}/4",
        status=301,
        headers={"Location": f"{GITHUB_API}/repositories/77/issues/9"},
        json={"message": "Moved Permanently"},
    )
    rsps.get(f"{AT}/repositories/77/issues/9", json=github_issue(9, repo="acme/other"))
    written = Written.of(rendered(done=True))

    with pytest.raises(TicketGoneError, match="transferred to another repository"):
        tracker().update(
            TicketRef(system="github", key="#4"),
            rendered(done=True),
            changed=changed,
            written=written,
        )

    assert sent(rsps) == ["GET /repos/acme/web/issues/4", "GET /repositories/77/issues/9"]
