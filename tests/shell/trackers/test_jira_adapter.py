"""The Jira adapter against recorded-shape answers: the exact requests, and what comes back."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from http.client import RemoteDisconnected
from typing import Any, cast

import pytest
import requests
import responses
import stamina
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from syncer.errors import (
    TicketGoneError,
    TrackerAssigneeError,
    TrackerError,
    TrackerUnavailableError,
)
from syncer.model import Ticket, TicketFields, TicketRef, Written
from syncer.shell.trackers.base import Marks
from syncer.shell.trackers.jira import JiraTracker, ticket_from_jira
from syncer.shell.trackers.payloads import JiraIssueJson
from tests.support.tracker_payloads import (
    EMAIL,
    FIELDS,
    JIRA_FIELDS,
    JIRA_URL,
    SECRETS,
    SERVER_SECRETS,
    STATUSES,
    TOKEN,
    jira_config,
    jira_issue,
    sent,
)

API = f"{JIRA_URL}/rest/api/2"
WANTED = [*FIELDS, "duedate"]
MANAGED_JQL = 'project = "OPS" AND labels = "syncer" ORDER BY key ASC'
KEY = "inc-7.ai-1"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()


def tracker(flavor: str = "cloud", **overrides: Any) -> JiraTracker:
    secrets = SECRETS if flavor == "cloud" else SERVER_SECRETS
    return JiraTracker("ops-jira", jira_config(flavor, **overrides), secrets)


def expected_ticket(key: str = "OPS-1", **changes: Any) -> Ticket:
    ticket = Ticket(
        ref=TicketRef(system="jira", key=key, url=f"{JIRA_URL}/browse/{key}"),
        title="Add a canary stage",
        body="Roll out to *1%* first.",
        labels=("postmortem",),
        due=date(2026, 12, 15),
        priority="High",
        status="To Do",
        updated=datetime(2026, 11, 20, 10, 30, tzinfo=UTC),
        item_key=KEY,
        status_category="todo",
        created=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
    )
    if changes.get("done"):  # as jira_issue() closes an issue: resolved Done, at its update
        changes = {
            "status_category": "done",
            "resolution": "done",
            "resolved": changes.get("updated", ticket.updated),
            **changes,
        }
    return ticket.model_copy(update=changes)


def assert_clean(exc: BaseException) -> None:
    """One line, and no credential in it."""
    text = str(exc)
    assert "\n" not in text
    assert TOKEN not in text
    assert BASIC.split()[1] not in text


# -- reads --------------------------------------------------------------------------------------


def test_cloud_list_managed_follows_next_page_tokens(rsps: responses.RequestsMock) -> None:
    first = {"jql": MANAGED_JQL, "fields": WANTED, "properties": "syncer", "maxResults": "100"}
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search/jql",
        match=[matchers.query_param_matcher(first)],
        json={"issues": [jira_issue("OPS-1"), jira_issue("OPS-2")], "nextPageToken": "p2"},
    )
    rsps.get(
        f"{API}/search/jql",
        match=[matchers.query_param_matcher({**first, "nextPageToken": "p2"})],
        json={"issues": [jira_issue("OPS-3", status="done")], "isLast": True},
    )

    tickets = tracker("cloud").list_managed()

    # The library fills its field-name cache once before its first search.
    assert sent(rsps) == [
        "GET /rest/api/2/field",
        "GET /rest/api/2/search/jql",
        "GET /rest/api/2/search/jql",
    ]
    assert rsps.calls[1].request.headers["Authorization"] == BASIC
    assert tickets == [
        expected_ticket("OPS-1"),
        expected_ticket("OPS-2"),
        expected_ticket("OPS-3", done=True, status="Done"),
    ]


def test_server_list_managed_pages_with_start_at(rsps: responses.RequestsMock) -> None:
    common = {"jql": MANAGED_JQL, "validateQuery": "True", "fields": WANTED, "properties": "syncer"}
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search",
        match=[matchers.query_param_matcher({**common, "startAt": "0", "maxResults": "100"})],
        # This server caps pages at 2: the next page starts after what came, asking for a
        # full page again (the server caps it again).
        json={
            "startAt": 0,
            "maxResults": 2,
            "total": 3,
            "issues": [jira_issue("OPS-1"), jira_issue("OPS-2")],
        },
    )
    rsps.get(
        f"{API}/search",
        match=[matchers.query_param_matcher({**common, "startAt": "2", "maxResults": "100"})],
        json={"startAt": 2, "maxResults": 2, "total": 3, "issues": [jira_issue("OPS-3")]},
    )

    tickets = tracker("server").list_managed()

    assert sent(rsps) == [
        "GET /rest/api/2/field",
        "GET /rest/api/2/search",
        "GET /rest/api/2/search",
    ]
    assert rsps.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [t.ref.key for t in tickets] == ["OPS-1", "OPS-2", "OPS-3"]


def test_server_reads_the_assignee_name_and_cloud_the_account_id(
    rsps: responses.RequestsMock,
) -> None:
    user = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "name": "jdoe", "displayName": "J. Doe"}
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(f"{API}/search/jql", json={"issues": [jira_issue(assignee=user)]})
    rsps.get(f"{API}/search", json={"total": 1, "issues": [jira_issue(assignee=user)]})

    assert tracker("cloud").list_managed()[0].assignee == "5b10ac8d82e05b22cc7d4ef5"
    assert tracker("server").list_managed()[0].assignee == "jdoe"


def test_find_searches_the_key_label_exactly(rsps: responses.RequestsMock) -> None:
    jql = f'project = "OPS" AND labels = "syncer:{KEY}" ORDER BY key ASC'
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search/jql",
        match=[
            matchers.query_param_matcher(
                {"jql": jql, "fields": WANTED, "properties": "syncer", "maxResults": "100"}
            )
        ],
        json={"issues": [jira_issue("OPS-4")]},
    )

    assert tracker().find(KEY) == [expected_ticket("OPS-4")]


def test_a_named_due_field_and_key_field_are_resolved_once_and_read(
    rsps: responses.RequestsMock,
) -> None:
    wanted = [*FIELDS, "customfield_10100", "customfield_10200"]
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search",
        match=[matchers.query_param_matcher({"fields": wanted}, strict_match=False)],
        json={
            "total": 1,
            "issues": [
                jira_issue(
                    labels=("postmortem",),
                    due=None,
                    extra={"customfield_10100": "2027-01-31", "customfield_10200": KEY},
                )
            ],
        },
    )
    jira = tracker("server", due_field="Target date", key_field="Syncer key")

    [ticket] = jira.list_managed()

    # One GET /field for syncer's names, one for the library's own cache.
    assert sent(rsps) == [
        "GET /rest/api/2/field",
        "GET /rest/api/2/field",
        "GET /rest/api/2/search",
    ]
    assert ticket.due == date(2027, 1, 31)
    assert ticket.item_key == KEY


def test_fetch_searches_keys_in_bulk(rsps: responses.RequestsMock) -> None:
    jql = "key in (OPS-1, OPS-2) ORDER BY key ASC"
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search/jql",
        match=[
            matchers.query_param_matcher(
                {"jql": jql, "fields": WANTED, "properties": "syncer", "maxResults": "100"}
            )
        ],
        json={"issues": [jira_issue("OPS-1"), jira_issue("OPS-2")]},
    )
    refs = [
        TicketRef(system="jira", key="OPS-1"),
        TicketRef(system="other", key="x", url=f"{JIRA_URL}/browse/ops-2"),
        TicketRef(system="jira", key="OPS-1"),
        TicketRef(system="github", key="acme/web#3"),
        TicketRef(system="jira", key="OTHER-9"),
    ]

    assert [t.ref.key for t in tracker().fetch(refs)] == ["OPS-1", "OPS-2"]


def test_fetch_falls_back_to_one_get_per_key_when_a_key_does_not_exist(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(
        f"{API}/search",
        status=400,
        json={"errorMessages": ["An issue with key 'OPS-9' does not exist for field 'key'."]},
    )
    only_wanted = matchers.query_param_matcher({"fields": ",".join(WANTED), "properties": "syncer"})
    rsps.get(f"{API}/issue/OPS-1", match=[only_wanted], json=jira_issue("OPS-1"))
    rsps.get(
        f"{API}/issue/OPS-9",
        match=[only_wanted],
        status=404,
        json={"errorMessages": ["Issue does not exist or you do not have permission to see it."]},
    )
    # OPS-5 was moved to another project: Jira answers under its new key.
    rsps.get(f"{API}/issue/OPS-5", json=jira_issue("NEW-1"))
    refs = [TicketRef(system="jira", key=k) for k in ("OPS-1", "OPS-9", "OPS-5")]

    assert [t.ref.key for t in tracker("server").fetch(refs)] == ["OPS-1"]
    assert sent(rsps)[2:] == [
        "GET /rest/api/2/issue/OPS-1",
        "GET /rest/api/2/issue/OPS-9",
        "GET /rest/api/2/issue/OPS-5",
    ]


def test_fetch_of_nothing_sends_nothing(rsps: responses.RequestsMock) -> None:
    assert tracker().fetch([TicketRef(system="github", key="#3")]) == []
    assert sent(rsps) == []


def test_reads_are_retried_on_5xx_but_not_on_4xx(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(f"{API}/search/jql", status=503, json={"message": "busy"})
    rsps.get(f"{API}/search/jql", json={"issues": [jira_issue()]})
    rsps.get(f"{API}/issue/OPS-1", status=403, json={"errorMessages": ["No permission."]})
    jira = tracker()

    with stamina.set_testing(True, attempts=3):
        assert len(jira.list_managed()) == 1
        with pytest.raises(TrackerError, match="Jira denied permission: No permission"):
            jira.update(TicketRef(system="jira", key="OPS-1"), fields(), changed=["title"])

    assert sent(rsps).count("GET /rest/api/2/issue/OPS-1") == 1


# -- check --------------------------------------------------------------------------------------


def test_check_reads_myself_and_the_project(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/myself", json={"accountId": "abc", "displayName": "syncer"})
    rsps.get(f"{API}/project/OPS", json={"id": "10000", "key": "OPS", "name": "Operations"})

    tracker().check()

    assert sent(rsps) == ["GET /rest/api/2/myself", "GET /rest/api/2/project/OPS"]


@pytest.mark.parametrize(
    ("flavor", "hint"),
    [("cloud", "SYNCER_OPS_JIRA_TOKEN / _EMAIL"), ("server", "SYNCER_OPS_JIRA_TOKEN")],
)
@pytest.mark.parametrize("status", [401, 403])
def test_check_names_the_credentials_when_refused(
    rsps: responses.RequestsMock, flavor: str, hint: str, status: int
) -> None:
    rsps.get(f"{API}/myself", status=status, body=f"bad token {TOKEN}")

    with pytest.raises(TrackerUnavailableError) as caught:
        tracker(flavor).check()

    assert str(caught.value) == f"ops-jira: Jira refused the credentials (check {hint})"


def test_check_names_a_missing_project(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/myself", json={"accountId": "abc"})
    rsps.get(
        f"{API}/project/OPS",
        status=404,
        json={"errorMessages": ["No project could be found with key 'OPS'."]},
    )

    with pytest.raises(TrackerUnavailableError, match="project OPS does not exist"):
        tracker().check()


def test_check_names_the_url_when_unreachable(rsps: responses.RequestsMock) -> None:
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")  # type: ignore[arg-type]  # no real connection object in a test
    rsps.get(
        f"{API}/myself",
        body=requests.ConnectionError(MaxRetryError(None, f"{API}/myself", refused)),  # type: ignore[arg-type]  # same
    )

    with pytest.raises(TrackerUnavailableError) as caught:
        tracker().check()

    assert str(caught.value) == (
        f"ops-jira: checking the credentials: cannot reach {JIRA_URL} "
        "(connection refused or unknown host)"
    )
    assert not caught.value.ambiguous


def test_check_turns_a_server_error_into_unavailable(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/myself", status=502, body="Bad gateway")

    with pytest.raises(TrackerUnavailableError, match="Jira answered HTTP 502"):
        tracker().check()


# -- create -------------------------------------------------------------------------------------


def fields(**changes: Any) -> TicketFields:
    base = TicketFields(
        title="Add a  canary\nstage",
        body="Roll out to **1%** first, see [runbook](https://wiki.example.test/rb).",
        labels=("sev2", "postmortem", "sev2"),
        due=date(2026, 12, 15),
        priority="High",
    )
    return base.model_copy(update=changes)


def test_cloud_create_sends_one_post_with_every_field(rsps: responses.RequestsMock) -> None:
    jira = tracker(components=["api"])
    rendered = jira.render(fields(assignee="5b10ac8d82e05b22cc7d4ef5"))
    written = Written.of(rendered).model_copy(update={"done": False})
    body = {
        "properties": [{"key": "syncer", "value": written.model_dump(mode="json")}],
        "fields": {
            "project": {"key": "OPS"},
            "summary": "Add a canary stage",
            "description": "Roll out to *1%* first, see [runbook|https://wiki.example.test/rb].",
            "issuetype": {"name": "Task"},
            "labels": ["postmortem", "sev2", "syncer", f"syncer:{KEY}"],
            "components": [{"name": "api"}],
            "assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5"},
            "priority": {"name": "High"},
            "duedate": "2026-12-15",
        },
    }
    rsps.post(
        f"{API}/issue",
        match=[matchers.json_params_matcher(body)],
        status=201,
        json={"id": "10005", "key": "OPS-5", "self": f"{API}/issue/10005"},
    )

    ticket = jira.create(KEY, rendered)

    assert sent(rsps) == ["POST /rest/api/2/issue"]
    assert ticket == Ticket(
        ref=TicketRef(system="jira", key="OPS-5", url=f"{JIRA_URL}/browse/OPS-5"),
        title="Add a canary stage",
        body="Roll out to *1%* first, see [runbook|https://wiki.example.test/rb].",
        labels=("postmortem", "sev2"),
        assignee="5b10ac8d82e05b22cc7d4ef5",
        due=date(2026, 12, 15),
        priority="High",
        item_key=KEY,
        written=written,
    )


def test_server_create_resolves_field_names_and_fills_templates(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.post(
        f"{API}/issue",
        match=[
            matchers.json_params_matcher(
                {
                    "fields": {
                        "assignee": {"name": "jdoe"},
                        "customfield_10100": "2026-12-15",
                        "customfield_10200": KEY,
                        "customfield_10300": "incident inc-7",
                    }
                },
                strict_match=False,
            )
        ],
        status=201,
        json={"id": "10006", "key": "OPS-6", "self": f"{API}/issue/10006"},
    )
    rsps.post(
        f"{API}/issue",
        status=201,
        json={"id": "10007", "key": "OPS-7", "self": f"{API}/issue/10007"},
    )
    jira = tracker(
        "server",
        due_field="Target date",
        key_field="Syncer key",
        custom_fields={"incident": "incident {incident_slug}"},
    )

    jira.create(KEY, fields(assignee="jdoe"))
    jira.create("inc-7.ai-2", fields(assignee="jdoe"))

    # The field list is read once per run, not once per create.
    assert sent(rsps) == [
        "GET /rest/api/2/field",
        "POST /rest/api/2/issue",
        "POST /rest/api/2/issue",
    ]
    payload = json.loads(rsps.calls[1].request.body or "")
    assert "duedate" not in payload["fields"]


def test_create_names_an_unknown_field(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/field", json=JIRA_FIELDS)

    with pytest.raises(TrackerError, match=r"no field named 'Deadline' .*due_field"):
        tracker(due_field="Deadline").create(KEY, fields())


def test_create_writes_a_rendered_body_as_given(rsps: responses.RequestsMock) -> None:
    jira = tracker()
    rendered = jira.render(fields(body="**bold** [x](https://x.test) `{code}`"))
    rsps.post(
        f"{API}/issue",
        match=[
            matchers.json_params_matcher(
                {"fields": {"description": "*bold* [x|https://x.test] {{\\{code\\}}}"}},
                strict_match=False,
            )
        ],
        status=201,
        json={"id": "10008", "key": "OPS-8", "self": f"{API}/issue/10008"},
    )

    ticket = jira.create(KEY, rendered)

    # The engine renders once and hands the result over; a second conversion would garble it.
    assert jira.render(rendered).body != rendered.body
    assert ticket.body == rendered.body


# -- update -------------------------------------------------------------------------------------


TRANSITIONS = {
    "transitions": [
        {"id": "11", "name": "Start", "to": STATUSES["indeterminate"]},
        {"id": "31", "name": "Close", "to": STATUSES["done"]},
    ]
}


def test_update_puts_only_changed_fields_keeps_markers_and_closes(
    rsps: responses.RequestsMock,
) -> None:
    jira = tracker()
    rendered = jira.render(fields(done=True))  # the engine hands over rendered fields
    written = Written.of(rendered)
    # The field write records the status the ticket still has; the transition the rest.
    still_open = written.model_copy(update={"done": False})
    wanted = matchers.query_param_matcher({"fields": ",".join(WANTED), "properties": "syncer"})
    rsps.get(f"{API}/issue/OPS-1", match=[wanted], json=jira_issue())
    rsps.put(
        f"{API}/issue/OPS-1",
        match=[
            matchers.json_params_matcher(
                {
                    "fields": {
                        "summary": "Add a canary stage",
                        "labels": ["postmortem", "sev2", "syncer", f"syncer:{KEY}"],
                    },
                    "properties": [{"key": "syncer", "value": still_open.model_dump(mode="json")}],
                }
            )
        ],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1/transitions", json=TRANSITIONS)
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        match=[
            matchers.json_params_matcher(
                {
                    "transition": {"id": "31"},
                    "properties": [{"key": "syncer", "value": written.model_dump(mode="json")}],
                }
            )
        ],
        status=204,
    )
    closed = jira_issue(status="done", labels=("postmortem", "sev2", "syncer", f"syncer:{KEY}"))
    rsps.get(f"{API}/issue/OPS-1", match=[wanted], json=closed)

    ticket = jira.update(
        TicketRef(system="jira", key="ops-1"),
        rendered,
        changed=["title", "labels", "done"],
        written=written,
    )

    # The baseline travels with each write it records: no separate property request that a
    # lost answer could leave one write behind (issue 17).
    assert sent(rsps) == [
        "GET /rest/api/2/issue/OPS-1",
        "PUT /rest/api/2/issue/OPS-1",
        "GET /rest/api/2/issue/OPS-1/transitions",
        "POST /rest/api/2/issue/OPS-1/transitions",
        "GET /rest/api/2/issue/OPS-1",
    ]
    assert ticket == expected_ticket(
        labels=("postmortem", "sev2"), done=True, status="Done"
    ).model_copy(update={"written": written})


def test_server_update_clears_assignee_and_due(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(assignee={"name": "jdoe"}))
    rsps.put(
        f"{API}/issue/OPS-1",
        match=[
            matchers.json_params_matcher(
                {"fields": {"assignee": None, "duedate": None, "priority": {"name": "Low"}}},
                strict_match=False,
            )
        ],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(due=None, priority="Low"))

    ticket = tracker("server").update(
        TicketRef(system="jira", key="OPS-1"),
        fields(due=None, priority="Low"),
        changed=("assignee", "due", "priority"),
    )

    assert (ticket.assignee, ticket.due, ticket.priority) == (None, None, "Low")


def test_server_update_sets_assignee_by_name(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.put(
        f"{API}/issue/OPS-1",
        match=[matchers.json_params_matcher({"fields": {"assignee": {"name": "jdoe"}}})],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(assignee={"name": "jdoe"}))

    ticket = tracker("server").update(
        TicketRef(system="jira", key="OPS-1"), fields(assignee="jdoe"), changed=["assignee"]
    )

    assert ticket.assignee == "jdoe"


@pytest.mark.parametrize(
    ("targets", "chosen"),
    [(["new", "indeterminate", "done"], 21), (["indeterminate", "done"], 11)],
)
def test_reopen_prefers_a_to_do_status(
    rsps: responses.RequestsMock, targets: list[str], chosen: int
) -> None:
    ids = {"new": "21", "indeterminate": "11", "done": "31"}
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="done"))
    rsps.get(
        f"{API}/issue/OPS-1/transitions",
        json={"transitions": [{"id": ids[t], "name": t, "to": STATUSES[t]} for t in targets]},
    )
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        match=[matchers.json_params_matcher({"transition": {"id": str(chosen)}})],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="new"))

    ticket = tracker().update(
        TicketRef(system="jira", key="OPS-1"), fields(done=False), changed=["done"]
    )

    assert not ticket.done


def test_close_without_a_done_transition_says_so(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.get(
        f"{API}/issue/OPS-1/transitions",
        json={"transitions": [{"id": "11", "name": "Start", "to": STATUSES["indeterminate"]}]},
    )

    with pytest.raises(TrackerError) as caught:
        tracker().update(TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=["done"])

    assert str(caught.value) == (
        "ops-jira: updating OPS-1: no workflow transition leads to a Done status "
        "(available: 'Start'); move it by hand or adjust the workflow of project OPS"
    )


def test_update_of_done_when_already_done_sends_no_transition(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="done"))

    ticket = tracker().update(
        TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=["done"]
    )

    assert ticket.done
    assert sent(rsps) == ["GET /rest/api/2/issue/OPS-1"]


# -- errors -------------------------------------------------------------------------------------


def test_a_field_missing_from_the_screen_names_the_fix(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{API}/issue",
        status=400,
        json={
            "errorMessages": [],
            "errors": {
                "duedate": "Field 'duedate' cannot be set. It is not on the appropriate screen, "
                "or unknown."
            },
        },
    )

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, fields())

    assert str(caught.value) == (
        f"ops-jira: creating the ticket of item {KEY}: Jira cannot set field 'duedate': add "
        "'duedate' to the Create/Edit screen of project OPS or change "
        "trackers.ops-jira.due_field"
    )
    assert not caught.value.ambiguous


def test_an_unknown_user_names_the_owner_map(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{API}/issue", status=400, json={"errors": {"assignee": "User 'bob' does not exist."}}
    )

    with pytest.raises(TrackerAssigneeError) as caught:
        tracker("server").create(KEY, fields(assignee="bob"))

    assert caught.value.account == "bob"  # the engine writes the ticket unassigned instead
    assert "owner map trackers.ops-jira.owners gives 'bob' which Jira does not know" in str(
        caught.value
    )
    assert not caught.value.ambiguous
    assert_clean(caught.value)


def test_an_unknown_priority_names_the_priority_map(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{API}/issue",
        status=400,
        json={"errors": {"priority": "Specify the Priority (name) in the string format"}},
    )

    with pytest.raises(
        TrackerError, match=r"priority map trackers\.ops-jira\.priorities gives 'High'"
    ):
        tracker().create(KEY, fields())


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_on_a_write_is_ambiguous(rsps: responses.RequestsMock, status: int) -> None:
    rsps.post(f"{API}/issue", status=status, json={"message": "oops"})

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, fields())

    assert caught.value.ambiguous
    assert f"Jira answered HTTP {status}" in str(caught.value)


def test_writes_are_never_retried(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/issue", status=503, json={"message": "busy"})

    with stamina.set_testing(True, attempts=3), pytest.raises(TrackerError):
        tracker().create(KEY, fields())

    assert sent(rsps) == ["POST /rest/api/2/issue"]


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError(
            ProtocolError("Connection aborted.", RemoteDisconnected("closed without response"))
        ),
        requests.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("incomplete read"),
    ],
)
def test_a_lost_answer_to_a_write_is_ambiguous(
    rsps: responses.RequestsMock, failure: Exception
) -> None:
    rsps.post(f"{API}/issue", body=failure)

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, fields())

    assert caught.value.ambiguous
    assert not isinstance(caught.value, TrackerUnavailableError)
    assert_clean(caught.value)


def test_rate_limiting_is_not_ambiguous_and_says_when(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{API}/issue", status=429, headers={"Retry-After": "30"}, body="")

    with pytest.raises(TrackerError) as caught:
        tracker().create(KEY, fields())

    assert not caught.value.ambiguous
    assert str(caught.value).endswith("Jira is rate limiting requests; retry after 30s")


def test_secrets_never_reach_a_message(rsps: responses.RequestsMock) -> None:
    echo = f"Bad request from {EMAIL}:{TOKEN} with header {BASIC}"
    rsps.post(f"{API}/issue", status=400, json={"errorMessages": [echo]})
    rsps.get(f"{API}/myself", status=401, json={"errorMessages": [echo]})

    with pytest.raises(TrackerError) as created:
        tracker().create(KEY, fields())
    with pytest.raises(TrackerUnavailableError) as checked:
        tracker().check()

    assert "***" in str(created.value)
    for exc in (created.value, checked.value):
        assert_clean(exc)
        assert TOKEN not in repr(exc.args)


def test_a_401_during_a_run_makes_the_tracker_unavailable(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    rsps.get(f"{API}/search/jql", status=401, body="")

    with pytest.raises(TrackerUnavailableError, match="refused the credentials"):
        tracker().list_managed()


# -- identity and rendering ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "owned"),
    [
        (TicketRef(system="jira", key="OPS-12"), True),
        (TicketRef(system="jira", key="ops-12"), True),
        (TicketRef(system="jira", key="OPSX-12"), False),
        (TicketRef(system="jira", key="OTHER-1"), False),
        (TicketRef(system="github", key="OPS-12"), False),
        (TicketRef(system="other", key="x", url=f"{JIRA_URL}/browse/OPS-3"), True),
        # another project on the same site belongs to that project's tracker
        (TicketRef(system="other", key="x", url=f"{JIRA_URL}/browse/OTHER-3"), False),
        (TicketRef(system="other", key="x", url="https://elsewhere.test/browse/OPS-3"), False),
        (TicketRef(system="other", key="x", url=f"{JIRA_URL}/wiki/page"), False),
    ],
)
def test_owns(ref: TicketRef, owned: bool) -> None:
    assert tracker().owns(ref) is owned


def test_resolve_gives_the_canonical_key_and_browse_url() -> None:
    jira = tracker(url=f"{JIRA_URL}/")
    assert jira.resolve(TicketRef(system="jira", key=" ops-12")) == TicketRef(
        system="jira", key="OPS-12", url=f"{JIRA_URL}/browse/OPS-12"
    )
    assert jira.resolve(
        TicketRef(system="other", key="see", url=f"{JIRA_URL}/browse/OPS-7/")
    ) == TicketRef(system="jira", key="OPS-7", url=f"{JIRA_URL}/browse/OPS-7")


def test_render_converts_the_body_and_tidies_labels() -> None:
    rendered = tracker().render(fields(labels=("sev2", "syncer", "sev1", "sev2")))

    assert rendered == TicketFields(
        title="Add a canary stage",
        body="Roll out to *1%* first, see [runbook|https://wiki.example.test/rb].",
        labels=("postmortem", "sev1", "sev2"),
        due=date(2026, 12, 15),
        priority="High",
    )


MARKDOWN = """## Why

The rollout hit **every** region at once; see [the timeline](https://wiki.example.test/t).

- add a `canary` stage
  - 1% for 30 minutes
- page on error budget burn

1. write the runbook
2. drill it

```yaml
stages: [canary, full]
```
"""


@pytest.mark.parametrize("flavor", ["cloud", "server"])
def test_render_round_trips_through_create_and_read_back(
    rsps: responses.RequestsMock, flavor: str
) -> None:
    user = "5b10ac8d82e05b22cc7d4ef5" if flavor == "cloud" else "jdoe"
    desired = fields(body=MARKDOWN, assignee=user)
    jira = tracker(flavor)
    rsps.post(
        f"{API}/issue",
        status=201,
        json={"id": "10009", "key": "OPS-9", "self": f"{API}/issue/10009"},
    )
    created = jira.create(KEY, jira.render(desired))
    stored = json.loads(rsps.calls[0].request.body or "")["fields"]
    # Jira reads back what it stored, in its own shapes.
    issue = {
        "id": "10009",
        "key": "OPS-9",
        "fields": {
            **stored,
            "description": stored["description"] + "\r\n",
            "assignee": {"accountId": user} if flavor == "cloud" else {"name": user},
            "status": STATUSES["new"],
            "updated": "2026-11-27T11:00:00.000+0000",
        },
    }
    rsps.get(f"{API}/field", json=JIRA_FIELDS)
    search = "search/jql" if flavor == "cloud" else "search"
    rsps.get(f"{API}/{search}", json={"total": 1, "issues": [issue]})
    [read_back] = jira.list_managed()

    rendered = jira.render(desired)
    for ticket in (created, read_back):
        assert (
            TicketFields(
                title=ticket.title,
                body=ticket.body,
                labels=ticket.labels,
                assignee=ticket.assignee,
                due=ticket.due,
                priority=ticket.priority,
                done=ticket.done,
            )
            == rendered
        )
    assert read_back.item_key == KEY


def test_comment_posts_wiki_markup(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{API}/issue/OPS-1/comment",
        match=[
            matchers.json_params_matcher({"body": "syncer closed this: {{inc-7.md}} says *done*."})
        ],
        status=201,
        json={"id": "10", "body": "x"},
    )

    tracker().comment(
        TicketRef(system="jira", key="OPS-1"), "syncer closed this: `inc-7.md` says **done**."
    )

    assert sent(rsps) == ["POST /rest/api/2/issue/OPS-1/comment"]


def test_comment_texts_reads_the_wiki_markup_back(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/issue/OPS-1/comment",
        json={
            "startAt": 0,
            "maxResults": 2,
            "total": 2,
            "comments": [
                {"id": "1", "body": "a person's note"},
                {"id": "2", "body": "syncer closed this issue: {{inc-7.md}} marks it done."},
            ],
        },
    )

    texts = tracker().comment_texts(TicketRef(system="jira", key="OPS-1"))

    assert texts == ["a person's note", "syncer closed this issue: {{inc-7.md}} marks it done."]
    assert sent(rsps) == ["GET /rest/api/2/issue/OPS-1/comment"]


def test_an_update_puts_back_the_marker_labels_a_person_removed(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(labels=("postmortem", "triaged")))
    rsps.put(
        f"{API}/issue/OPS-1",
        match=[
            matchers.json_params_matcher(
                {
                    "fields": {
                        "summary": "Add a canary stage",
                        "labels": ["postmortem", "triaged", "syncer", f"syncer:{KEY}"],
                    },
                }
            )
        ],
        status=204,
    )
    rsps.get(
        f"{API}/issue/OPS-1",
        json=jira_issue(labels=("postmortem", "triaged", "syncer", f"syncer:{KEY}")),
    )
    jira = tracker()

    ticket = jira.update(
        TicketRef(system="jira", key="OPS-1"), jira.render(fields()), changed=["title"], key=KEY
    )

    assert ticket.item_key == KEY


def test_a_reworded_items_ticket_takes_its_new_marker(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())  # carries syncer:inc-7.ai-1
    rsps.put(
        f"{API}/issue/OPS-1",
        match=[
            matchers.json_params_matcher(
                {
                    "fields": {
                        "summary": "Add a canary stage",
                        "labels": ["postmortem", "syncer", "syncer:inc-7.reworded"],
                    },
                }
            )
        ],
        status=204,
    )
    rsps.get(
        f"{API}/issue/OPS-1",
        json=jira_issue(labels=("postmortem", "syncer", "syncer:inc-7.reworded")),
    )
    jira = tracker()

    ticket = jira.update(
        TicketRef(system="jira", key="OPS-1"),
        jira.render(fields()),
        changed=["title"],
        key="inc-7.reworded",
    )

    assert ticket.item_key == "inc-7.reworded"  # found by its new key, state or no state


def test_another_installations_marks_are_not_this_ones() -> None:
    theirs = jira_issue(labels=("postmortem", "syncer", "syncer:inc-7.ai-1"))
    mine = jira_issue(labels=("postmortem", "team-b", "team-b:inc-7.ai-1"))
    marks = Marks("team-b")
    common: dict[str, Any] = {"base": JIRA_URL, "cloud": True, "due_field": "duedate"}
    assert ticket_from_jira(cast(JiraIssueJson, theirs), **common, marks=marks).item_key is None
    assert ticket_from_jira(cast(JiraIssueJson, theirs), **common, marks=marks).labels == (
        "postmortem",
        "syncer",
        "syncer:inc-7.ai-1",
    )
    assert ticket_from_jira(cast(JiraIssueJson, mine), **common, marks=marks).item_key == KEY
    assert ticket_from_jira(cast(JiraIssueJson, mine), **common, marks=marks).labels == (
        "postmortem",
    )
    assert (
        ticket_from_jira(cast(JiraIssueJson, mine), **common).item_key is None
    )  # the default installation's view


# -- configured transitions, resolution, issue type ----------------------------------------------


CUSTOM_WORKFLOW = {
    "transitions": [
        {"id": "31", "name": "Done", "to": STATUSES["done"]},
        {"id": "41", "name": "Resolve", "to": STATUSES["done"]},
        {"id": "11", "name": "Back to work", "to": STATUSES["indeterminate"]},
        {"id": "21", "name": "Reopen", "to": STATUSES["new"]},
    ]
}


def test_close_uses_the_named_transition_and_sets_the_resolution(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.get(f"{API}/issue/OPS-1/transitions", json=CUSTOM_WORKFLOW)
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        match=[
            matchers.json_params_matcher(
                {"transition": {"id": "41"}, "fields": {"resolution": {"name": "Fixed"}}}
            )
        ],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="done"))
    jira = tracker(close_transition="resolve", close_resolution="Fixed")

    ticket = jira.update(TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=["done"])

    assert ticket.done


def test_reopen_uses_the_named_transition_by_id_without_a_resolution(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="done"))
    rsps.get(f"{API}/issue/OPS-1/transitions", json=CUSTOM_WORKFLOW)
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        match=[matchers.json_params_matcher({"transition": {"id": "11"}})],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="indeterminate"))
    jira = tracker(reopen_transition="11", close_resolution="Fixed")

    ticket = jira.update(
        TicketRef(system="jira", key="OPS-1"), fields(done=False), changed=["done"]
    )

    assert not ticket.done


def test_a_named_transition_that_is_not_available_names_the_setting(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.get(f"{API}/issue/OPS-1/transitions", json=TRANSITIONS)

    with pytest.raises(TrackerError) as caught:
        tracker(close_transition="Resolve").update(
            TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=["done"]
        )

    assert str(caught.value) == (
        "ops-jira: updating OPS-1: the transition 'Resolve' (trackers.ops-jira.close_transition) "
        "is not available (available: 'Start', 'Close'); move it by hand or change "
        "trackers.ops-jira.close_transition"
    )


def test_create_takes_the_issue_type_its_route_names(rsps: responses.RequestsMock) -> None:
    jira = tracker(issue_type="Task")
    rendered = jira.render(fields(issue_type="Bug"))
    assert rendered.issue_type == "Bug"
    rsps.post(
        f"{API}/issue",
        match=[
            matchers.json_params_matcher(
                {"fields": {"issuetype": {"name": "Bug"}}}, strict_match=False
            )
        ],
        status=201,
        json={"id": "10005", "key": "OPS-5", "self": f"{API}/issue/10005"},
    )

    assert jira.create(KEY, rendered).ref.key == "OPS-5"


def test_a_resolution_the_transition_cannot_set_names_the_setting(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.get(f"{API}/issue/OPS-1/transitions", json=TRANSITIONS)
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        status=400,
        json={
            "errorMessages": [],
            "errors": {
                "resolution": "Field 'resolution' cannot be set. It is not on the appropriate "
                "screen, or unknown."
            },
        },
    )

    with pytest.raises(TrackerError) as caught:
        tracker(close_resolution="Fixed").update(
            TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=["done"]
        )

    assert "check trackers.ops-jira.close_resolution" in str(caught.value)
    assert "'Fixed'" in str(caught.value)


@pytest.mark.parametrize(
    ("configured", "sent"), [({}, "Won't Do"), ({"wont_do_resolution": "Won't Fix"}, "Won't Fix")]
)
def test_an_item_marked_wont_do_is_closed_with_the_wont_do_resolution(
    rsps: responses.RequestsMock, configured: dict[str, str], sent: str
) -> None:
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue())
    rsps.get(f"{API}/issue/OPS-1/transitions", json=CUSTOM_WORKFLOW)
    rsps.post(
        f"{API}/issue/OPS-1/transitions",
        match=[
            matchers.json_params_matcher(
                {"transition": {"id": "41"}, "fields": {"resolution": {"name": sent}}}
            )
        ],
        status=204,
    )
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue(status="done"))
    jira = tracker(close_transition="resolve", close_resolution="Fixed", **configured)

    ticket = jira.update(
        TicketRef(system="jira", key="OPS-1"), fields(done=True, wont_do=True), changed=["done"]
    )

    assert ticket.done


@pytest.mark.parametrize("changed", [["done"], ["title"]])
def test_an_issue_moved_to_another_project_is_gone_and_written_to_never(
    rsps: responses.RequestsMock, changed: list[str]
) -> None:
    # Jira answers a moved issue's old key with the issue under its new key. Written on through
    # the old key, it was closed (and its baseline put) again every run, and reported as OPS-1.
    rsps.get(f"{API}/issue/OPS-1", json=jira_issue("SIDE-9"))

    with pytest.raises(TicketGoneError, match="moved to SIDE-9"):
        tracker().update(TicketRef(system="jira", key="OPS-1"), fields(done=True), changed=changed)

    assert sent(rsps) == ["GET /rest/api/2/issue/OPS-1"]
