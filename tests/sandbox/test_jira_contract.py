"""The unmodified ``jira`` client against the Jira stand-in, Cloud and Server flavours."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jira import JIRA, JIRAError

from syncer.sandbox import Sandbox
from tests.support.openapi import JIRA as JIRA_SPEC
from tests.support.openapi import validate
from tests.support.sandbox_clients import FakeClock, JiraFactory, error_headers, error_json

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def user_ref(sandbox: Sandbox, name: str) -> dict[str, str]:
    """How syncer names a user: accountId on Cloud, name on Server."""
    if sandbox.flavor == "cloud":
        return {"accountId": sandbox.state.jira_user(name).account_id}  # type: ignore[union-attr]
    return {"name": name}


def create(jira: JIRA, summary: str = "Rotate the keys", **fields: Any) -> Any:
    return jira.create_issue(
        fields={"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary}
        | fields
    )


def test_server_info_tells_the_library_which_flavour_it_talks_to(
    jira: JIRA, sandbox: Sandbox
) -> None:
    info = jira.server_info()
    assert info["deploymentType"] == ("Cloud" if sandbox.flavor == "cloud" else "Server")
    assert jira._is_cloud is (sandbox.flavor == "cloud")
    validate(JIRA_SPEC, "#/components/schemas/ServerInformation", info)
    me = jira.myself()
    assert me["emailAddress"] == sandbox.jira_email
    assert ("accountId" in me) is (sandbox.flavor == "cloud")
    assert ("name" in me) is (sandbox.flavor == "server")


def test_field_list_has_the_custom_fields(jira: JIRA) -> None:
    fields = {f["name"]: f for f in jira.fields()}
    assert fields["Incident ID"]["id"] == "customfield_10050"
    assert fields["Story Points"]["schema"]["type"] == "number"
    for field in fields.values():
        validate(JIRA_SPEC, "#/components/schemas/FieldDetails", field)


def test_create_then_get_returns_every_field_set(
    jira: JIRA, sandbox: Sandbox, clock: FakeClock
) -> None:
    issue = create(
        jira,
        description="Keys expire on Friday.",
        priority={"name": "High"},
        labels=["postmortem", "pm-2026-11"],
        duedate="2026-12-01",
        components=[{"name": "Backend"}],
        assignee=user_ref(sandbox, "alice"),
        customfield_10050="INC-42",
        customfield_10016=3,
    )
    assert issue.key == "OPS-1"
    fetched = jira.issue("OPS-1")
    f = fetched.fields
    assert (f.summary, f.description, f.priority.name) == (
        "Rotate the keys",
        "Keys expire on Friday.",
        "High",
    )
    assert f.labels == ["postmortem", "pm-2026-11"]
    assert f.duedate == "2026-12-01"
    assert [c.name for c in f.components] == ["Backend"]
    assert f.assignee is not None
    assert f.assignee.displayName == "Alice Example"
    assert (f.customfield_10050, f.customfield_10016) == ("INC-42", 3)
    assert (f.status.name, f.status.statusCategory.key) == ("To Do", "new")
    assert JIRA_TIME.match(f.created)
    assert f.created.startswith("2026-11-27T10:00:00.")  # the test clock, in Jira's format
    assert f.updated == f.created
    validate(JIRA_SPEC, "#/components/schemas/IssueBean", fetched.raw)
    assert create(jira, "second").key == "OPS-2"


def test_created_issue_body_matches_the_spec(sandbox: Sandbox) -> None:
    import requests

    with requests.Session() as session:
        if sandbox.flavor == "cloud":
            session.auth = (sandbox.jira_email, sandbox.jira_token)
        else:
            session.headers["Authorization"] = f"Bearer {sandbox.jira_token}"
        response = session.post(
            f"{sandbox.url}/rest/api/2/issue",
            json={
                "fields": {"project": {"key": "OPS"}, "issuetype": {"id": "10001"}, "summary": "x"}
            },
        )
    assert response.status_code == 201
    validate(JIRA_SPEC, "#/components/schemas/CreatedIssue", response.json())


def test_update_changes_fields_and_moves_updated(jira: JIRA, clock: FakeClock) -> None:
    issue = create(jira, labels=["a"])
    before = issue.fields.updated
    clock.advance(minutes=5)
    issue.update(fields={"summary": "Rotate all keys", "labels": ["a", "b"], "duedate": None})
    assert issue.fields.summary == "Rotate all keys"
    assert issue.fields.labels == ["a", "b"]
    assert issue.fields.updated > before
    assert issue.fields.updated.startswith("2026-11-27T10:05:00")
    issue.update(update={"labels": [{"remove": "a"}, {"add": "c"}]})
    assert jira.issue(issue.key).fields.labels == ["b", "c"]


def test_priority_and_assignee_change(jira: JIRA, sandbox: Sandbox) -> None:
    issue = create(jira)
    issue.update(fields={"priority": {"name": "Lowest"}, "assignee": user_ref(sandbox, "bob")})
    assert issue.fields.priority.name == "Lowest"
    assert issue.fields.assignee.displayName == "Bob Example"
    assignee = sandbox.state.jira_user("carol")
    assert assignee is not None
    jira.assign_issue(issue.key, assignee.account_id if sandbox.flavor == "cloud" else "carol")
    carol = jira.issue(issue.key).fields.assignee
    assert carol is not None
    assert carol.displayName == "Carol Example"
    issue.update(fields={"assignee": None})
    assert jira.issue(issue.key).fields.assignee is None


def test_unknown_assignee_is_refused_as_jira_does(jira: JIRA, sandbox: Sandbox) -> None:
    ref = {"accountId": "712020:nobody"} if sandbox.flavor == "cloud" else {"name": "nobody"}
    with pytest.raises(JIRAError) as caught:
        create(jira, assignee=ref)
    assert caught.value.status_code == 400
    expected = (
        "Specified user does not exist or you do not have required permissions"
        if sandbox.flavor == "cloud"
        else "User 'nobody' does not exist."
    )
    assert error_json(caught.value) == {"errorMessages": [], "errors": {"assignee": expected}}
    assert sandbox.jira_issues("OPS") == []


def test_unknown_field_is_refused_with_jiras_message(jira: JIRA, sandbox: Sandbox) -> None:
    with pytest.raises(JIRAError) as caught:
        create(jira, customfield_99999="x")
    assert caught.value.status_code == 400
    assert error_json(caught.value)["errors"] == {
        "customfield_99999": "Field 'customfield_99999' cannot be set. It is not on the "
        "appropriate screen, or unknown."
    }
    validate(JIRA_SPEC, "#/components/schemas/ErrorCollection", error_json(caught.value))
    # A refused create consumes no key.
    assert create(jira).key == "OPS-1"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"issuetype": {"name": "Task"}, "summary": "x"},
            {"project": "Specify a valid project ID or key"},
        ),
        (
            {"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "x"},
            {"project": "valid project is required"},
        ),
        ({"project": {"key": "OPS"}, "summary": "x"}, {"issuetype": "Specify an issue type"}),
        (
            {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}},
            {"summary": "You must specify a summary of the issue."},
        ),
        (
            {
                "project": {"key": "OPS"},
                "issuetype": {"name": "Task"},
                "summary": "x",
                "priority": {"name": "Urgent"},
            },
            {"priority": "Priority name 'Urgent' is not valid"},
        ),
        (
            {
                "project": {"key": "OPS"},
                "issuetype": {"name": "Task"},
                "summary": "x",
                "duedate": "tomorrow",
            },
            {"duedate": "Error parsing date string: tomorrow"},
        ),
    ],
)
def test_create_validation_errors(
    jira: JIRA, fields: dict[str, Any], errors: dict[str, str]
) -> None:
    # The library reads fields["project"] and ["issuetype"] itself, so post the body directly.
    with pytest.raises(JIRAError) as caught:
        jira._session.post(jira._get_url("issue"), data=json.dumps({"fields": fields}))
    assert caught.value.status_code == 400
    assert error_json(caught.value)["errors"] == errors


def test_unknown_project_and_issue_are_404(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as caught:
        jira.project("NOPE")
    assert caught.value.status_code == 404
    assert caught.value.text == "No project could be found with key 'NOPE'."
    with pytest.raises(JIRAError) as caught:
        jira.issue("OPS-999")
    assert caught.value.status_code == 404
    assert caught.value.text == "Issue does not exist or you do not have permission to see it."


def test_transitions_walk_the_workflow_and_back(jira: JIRA, clock: FakeClock) -> None:
    issue = create(jira)
    names = {t["name"] for t in jira.transitions(issue)}
    assert names == {"In Progress", "Done"}
    for transition in jira.transitions(issue):
        validate(JIRA_SPEC, "#/components/schemas/IssueTransition", transition)
    for target, category in (("In Progress", "indeterminate"), ("Done", "done"), ("To Do", "new")):
        clock.advance(minutes=1)
        jira.transition_issue(issue, target)
        fetched = jira.issue(issue.key)
        assert fetched.fields.status.name == target
        assert fetched.fields.status.statusCategory.key == category
        assert (fetched.fields.resolution is not None) is (category == "done")
    with pytest.raises(JIRAError) as caught:
        jira.transition_issue(issue, "11")  # already To Do
    assert caught.value.status_code == 400
    assert "is not valid for this issue" in str(caught.value.text)


def test_comments_plain_on_v2_and_adf_on_v3(make_jira: JiraFactory, sandbox: Sandbox) -> None:
    v2 = make_jira()
    v3 = make_jira(version="3")
    issue = create(v2)
    v2.add_comment(issue.key, "First line\nsecond line")
    # The library's hint says ``body: str``; on v3 Jira takes an ADF document.
    adf: Any = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "From v3"}]}],
    }
    v3.add_comment(issue.key, adf)
    assert [c.body for c in v2.comments(issue.key)] == ["First line\nsecond line", "From v3"]
    bodies = [c.raw["body"] for c in v3.comments(issue.key)]
    assert bodies[0]["type"] == "doc"
    assert bodies[1]["content"][0]["content"][0]["text"] == "From v3"
    raw = v3._get_json(f"issue/{issue.key}/comment")
    validate(JIRA_SPEC, "#/components/schemas/PageOfComments", raw)
    description = v3.issue(issue.key).raw["fields"]["description"]
    assert description is None
    v3.issue(issue.key).update(fields={"description": "Plain text, given to v3"})
    assert v3.issue(issue.key).raw["fields"]["description"]["type"] == "doc"
    assert v2.issue(issue.key).fields.description == "Plain text, given to v3"
    assert len(sandbox.jira_issue(issue.key).comments) == 2


def test_search_pages_through_120_issues(jira: JIRA, sandbox: Sandbox) -> None:
    for number in range(120):
        jira.create_issue(
            fields={
                "project": {"key": "OPS"},
                "issuetype": {"name": "Task"},
                "summary": f"item {number}",
                "labels": ["pm-7"],
            },
            prefetch=False,
        )
    jql = 'project = OPS AND labels = "pm-7" ORDER BY key ASC'
    keys: list[str] = []
    if sandbox.flavor == "cloud":
        token: str | None = None
        pages = 0
        while True:
            raw = jira.enhanced_search_issues(
                jql, nextPageToken=token, maxResults=50, json_result=True
            )
            validate(JIRA_SPEC, "#/components/schemas/SearchAndReconcileResults", raw)
            keys += [issue["key"] for issue in raw["issues"]]
            pages += 1
            token = raw.get("nextPageToken")
            if raw["isLast"]:
                assert token is None
                break
        assert pages == 3
        assert sandbox.requests[-1].path == "/rest/api/2/search/jql"
    else:
        for start in (0, 50, 100):
            page = jira.search_issues(jql, startAt=start, maxResults=50)
            assert page.total == 120
            keys += [issue.key for issue in page]
        assert sandbox.requests[-1].path == "/rest/api/2/search"
    assert keys == [f"OPS-{n}" for n in range(1, 121)]
    everything = jira.search_issues(jql, maxResults=False)
    assert [i.key for i in everything] == keys


def test_cloud_refuses_the_removed_search_and_server_lacks_search_jql(
    jira: JIRA, sandbox: Sandbox
) -> None:
    other = "search" if sandbox.flavor == "cloud" else "search/jql"
    with pytest.raises(JIRAError) as caught:
        jira._get_json(other, params={"jql": "project = OPS"})
    assert caught.value.status_code == (410 if sandbox.flavor == "cloud" else 404)


def test_jql_subset_filters(jira: JIRA, sandbox: Sandbox, clock: FakeClock) -> None:
    first = create(jira, "one", labels=["x"])
    clock.advance(hours=1)
    second = create(jira, "two", labels=["y"])
    clock.advance(hours=1)
    third = create(jira, "three", labels=["x", "z"])
    jira.transition_issue(third, "Done")

    def keys(jql: str) -> list[str]:
        return [i.key for i in jira.search_issues(jql, maxResults=False)]

    assert keys('project = OPS AND labels = "x" ORDER BY key ASC') == ["OPS-1", "OPS-3"]
    assert keys("project = OPS AND labels in (y, z) ORDER BY key ASC") == ["OPS-2", "OPS-3"]
    assert keys(f"key in ({first.key}, {second.key}) ORDER BY key DESC") == ["OPS-2", "OPS-1"]
    assert keys("project = OPS AND statusCategory = Done") == ["OPS-3"]
    assert keys("project = OPS AND statusCategory != Done ORDER BY key ASC") == ["OPS-1", "OPS-2"]
    assert keys('project = OPS AND updated >= "2026-11-27 11:00" ORDER BY updated DESC') == [
        "OPS-3",
        "OPS-2",
    ]
    assert keys(
        "project = OPS AND (labels = x OR labels = y) AND NOT statusCategory = done "
        "ORDER BY key ASC"
    ) == ["OPS-1", "OPS-2"]


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = OPS AND", "Error in the JQL Query: Expecting a field name but reached"),
        ("bogus = 1", "Field 'bogus' does not exist or you do not have permission to view it."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("project = OPS AND updated >= yesterday", "Date value 'yesterday' for field 'updated'"),
        ('labels = "unterminated', "Error in the JQL Query: The quoted string"),
        (
            "project = OPS labels = x",
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'labels'.",
        ),
        ("key in (OPS-404)", "An issue with key 'OPS-404' does not exist for field 'key'."),
    ],
)
def test_bad_jql_is_a_400_with_jiras_error_body(jira: JIRA, jql: str, message: str) -> None:
    with pytest.raises(JIRAError) as caught:
        jira.search_issues(jql)
    assert caught.value.status_code == 400
    body = error_json(caught.value)
    assert body["errors"] == {}
    assert body["errorMessages"][0].startswith(message)


def test_cloud_refuses_unbounded_queries(make_jira: JiraFactory, sandbox: Sandbox) -> None:
    if sandbox.flavor != "cloud":
        assert make_jira().search_issues("ORDER BY key ASC").total == 0
        return
    with pytest.raises(JIRAError) as caught:
        make_jira().search_issues("ORDER BY key ASC")
    assert caught.value.status_code == 400
    assert "Unbounded JQL queries are not allowed here" in str(caught.value.text)


def test_wrong_credentials_get_401(make_jira: JiraFactory, sandbox: Sandbox) -> None:
    with pytest.raises(JIRAError) as caught:
        make_jira(token="wrong")
    assert caught.value.status_code == 401
    if sandbox.flavor == "cloud":
        assert caught.value.text == "Client must be authenticated to access this resource."
    else:
        assert error_headers(caught.value)["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
        assert error_json(caught.value)["errorMessages"] == [
            "You are not authenticated. Authentication required to perform this operation."
        ]


def test_post_search_matches_get_search(jira: JIRA) -> None:
    for summary in ("a", "b", "c"):
        create(jira, summary, labels=["both"])
    jql = "project = OPS AND labels = both ORDER BY key ASC"
    by_get = [i.key for i in jira.search_issues(jql, maxResults=False)]
    by_post = [i.key for i in jira.search_issues(jql, maxResults=False, use_post=True)]
    assert by_get == by_post == ["OPS-1", "OPS-2", "OPS-3"]


def test_each_flavour_takes_only_its_own_auth_scheme(sandbox: Sandbox) -> None:
    import requests

    url = f"{sandbox.url}/rest/api/2/myself"
    basic = requests.get(url, auth=(sandbox.jira_email, sandbox.jira_token), timeout=5)
    bearer = requests.get(url, headers={"Authorization": f"Bearer {sandbox.jira_token}"}, timeout=5)
    anonymous = requests.get(url, timeout=5)
    anonymous_info = requests.get(f"{sandbox.url}/rest/api/2/serverInfo", timeout=5)
    if sandbox.flavor == "cloud":
        assert (basic.status_code, bearer.status_code) == (200, 401)
    else:
        assert (basic.status_code, bearer.status_code) == (401, 200)
    assert anonymous.status_code == 401
    assert anonymous_info.status_code == 200


def test_assignee_by_user_id_shapes(jira: JIRA, sandbox: Sandbox) -> None:
    alice = sandbox.state.jira_user("alice")
    assert alice is not None
    ref = {"id": alice.account_id} if sandbox.flavor == "cloud" else {"key": alice.key}
    issue = create(jira, assignee=ref)
    assert sandbox.jira_issue(issue.key).assignee == "alice"
    if sandbox.flavor == "cloud":
        # Cloud does not know users by name any more.
        with pytest.raises(JIRAError) as caught:
            create(jira, assignee={"name": "alice"})
        assert caught.value.status_code == 400


def test_issue_properties_are_kept_listed_and_returned_by_search(
    jira: JIRA, sandbox: Sandbox
) -> None:
    issue = create(jira)
    plain = create(jira, "No property here")
    value = {"title": "Rotate the keys", "done": False, "labels": ["postmortem"]}
    answer = jira.add_issue_property(issue.key, "syncer", value)
    assert answer.status_code == 201  # created; 200 when replacing, as in Jira
    assert jira.add_issue_property(issue.key, "syncer", value).status_code == 200
    stored = jira._get_json(f"issue/{issue.key}/properties/syncer")
    validate(JIRA_SPEC, "#/components/schemas/EntityProperty", stored)
    assert stored == {"key": "syncer", "value": value}
    keys = jira._get_json(f"issue/{issue.key}/properties")
    validate(JIRA_SPEC, "#/components/schemas/PropertyKeys", keys)
    assert [k["key"] for k in keys["keys"]] == ["syncer"]
    # The search hands properties back when asked, so no further read is needed.
    jql = "project = OPS ORDER BY key ASC"
    if sandbox.flavor == "cloud":
        raw = jira.enhanced_search_issues(
            jql, fields=["summary"], properties="syncer", json_result=True
        )
        validate(JIRA_SPEC, "#/components/schemas/SearchAndReconcileResults", raw)
    else:
        raw = jira.search_issues(jql, fields=["summary"], properties="syncer", json_result=True)
    found = {i["key"]: i.get("properties") for i in raw["issues"]}
    assert found == {issue.key: {"syncer": value}, plain.key: {}}
    got = jira.issue(issue.key, fields="summary", properties="syncer").raw
    validate(JIRA_SPEC, "#/components/schemas/IssueBean", got)
    assert got["properties"] == {"syncer": value}
    # Not asked for: not sent.
    assert "properties" not in jira.issue(issue.key, fields="summary").raw


def test_a_create_can_set_properties_and_a_missing_property_is_404(jira: JIRA) -> None:
    created = jira._session.post(
        jira._get_url("issue"),
        data=json.dumps(
            {
                "fields": {
                    "project": {"key": "OPS"},
                    "issuetype": {"name": "Task"},
                    "summary": "With a property",
                },
                "properties": [{"key": "syncer", "value": {"done": False}}],
            }
        ),
    ).json()
    validate(JIRA_SPEC, "#/components/schemas/CreatedIssue", created)
    stored = jira._get_json(f"issue/{created['key']}/properties/syncer")
    assert stored["value"] == {"done": False}
    jira._session.delete(jira._get_url(f"issue/{created['key']}/properties/syncer"))
    with pytest.raises(JIRAError) as caught:
        jira._get_json(f"issue/{created['key']}/properties/syncer")
    assert caught.value.status_code == 404


def test_an_edit_and_a_transition_set_properties_in_the_same_request(
    jira: JIRA, clock: FakeClock
) -> None:
    # IssueUpdateDetails.properties: what syncer wrote travels with the write it records.
    issue = create(jira)
    edit = {
        "fields": {"summary": "Reworded"},
        "properties": [{"key": "syncer", "value": {"title": "Reworded", "done": False}}],
    }
    validate(JIRA_SPEC, "#/components/schemas/IssueUpdateDetails", edit)
    answer = jira._session.put(jira._get_url(f"issue/{issue.key}"), data=json.dumps(edit))
    assert answer.status_code == 204
    got = jira.issue(issue.key, fields="summary", properties="syncer").raw
    assert got["fields"]["summary"] == "Reworded"
    assert got["properties"] == {"syncer": {"title": "Reworded", "done": False}}
    clock.advance(minutes=1)
    done = next(t["id"] for t in jira.transitions(issue) if t["to"]["name"] == "Done")
    transition = {
        "transition": {"id": done},
        "properties": [{"key": "syncer", "value": {"title": "Reworded", "done": True}}],
    }
    validate(JIRA_SPEC, "#/components/schemas/IssueUpdateDetails", transition)
    answer = jira._session.post(
        jira._get_url(f"issue/{issue.key}/transitions"), data=json.dumps(transition)
    )
    assert answer.status_code == 204
    got = jira.issue(issue.key, fields="status", properties="syncer").raw
    assert got["fields"]["status"]["name"] == "Done"
    assert got["properties"] == {"syncer": {"title": "Reworded", "done": True}}
    # A property that is not an EntityProperty is refused, and nothing of the edit is kept.
    with pytest.raises(JIRAError) as caught:
        jira._session.put(
            jira._get_url(f"issue/{issue.key}"),
            data=json.dumps({"fields": {"summary": "Not kept"}, "properties": [{"value": 1}]}),
        )
    assert caught.value.status_code == 400
    assert jira.issue(issue.key, fields="summary").fields.summary == "Reworded"


def test_user_bulk_on_cloud_and_assignable_search_on_both(jira: JIRA, sandbox: Sandbox) -> None:
    alice = sandbox.state.jira_user("alice")
    assert alice is not None
    if sandbox.flavor == "cloud":
        page = jira._get_json(
            "user/bulk", params={"accountId": [alice.account_id, "712020:nobody"]}
        )
        validate(JIRA_SPEC, "#/components/schemas/PageBeanUser", page)
        assert [u["accountId"] for u in page["values"]] == [alice.account_id]
        found = jira._get_json(
            "user/assignable/search", params={"project": "OPS", "accountId": alice.account_id}
        )
    else:
        with pytest.raises(JIRAError) as caught:
            jira._get_json("user/bulk", params={"accountId": ["x"]})
        assert caught.value.status_code == 404  # Server/DC has no bulk user look-up
        found = jira._get_json(
            "user/assignable/search", params={"project": "OPS", "username": "alice"}
        )
    for user in found:
        validate(JIRA_SPEC, "#/components/schemas/User", user)
    assert [u["displayName"] for u in found] == [alice.display_name]
    with pytest.raises(JIRAError) as missing:
        jira._get_json("user/assignable/search", params={"username": "alice"})
    assert missing.value.status_code == 400


def test_bulk_create_makes_each_valid_issue_and_names_each_refused_one(
    jira: JIRA, sandbox: Sandbox
) -> None:
    def fields(summary: str) -> dict[str, Any]:
        return {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary}

    refused = fields("")  # a summary is required
    body = {
        "issueUpdates": [
            {
                "fields": fields("first") | {"labels": ["syncer", "syncer:a.1"]},
                "properties": [{"key": "syncer", "value": {"title": "first"}}],
            },
            {"fields": refused},
            {"fields": fields("third")},
        ]
    }
    answer = jira._session.post(jira._get_url("issue/bulk"), data=json.dumps(body))
    assert answer.status_code == 201
    created = answer.json()
    validate(JIRA_SPEC, "#/components/schemas/CreatedIssues", created)
    assert [issue["key"] for issue in created["issues"]] == ["OPS-1", "OPS-2"]
    assert [e["failedElementNumber"] for e in created["errors"]] == [1]
    assert created["errors"][0]["status"] == 400
    assert "summary" in created["errors"][0]["elementErrors"]["errors"]
    first = jira.issue("OPS-1", properties="syncer")
    assert first.fields.labels == ["syncer", "syncer:a.1"]
    assert first.raw["properties"]["syncer"] == {"title": "first"}
    assert jira.issue("OPS-2").fields.summary == "third"
    # The library's own bulk call reads the same answer: one result per input, in order.
    results = jira.create_issues([fields("fourth"), refused], prefetch=False)
    assert [r["status"] for r in results] == ["Success", "Error"]
    assert results[0]["issue"].key == "OPS-3"


def test_bulk_create_where_every_issue_is_refused_is_400_with_each_reason(jira: JIRA) -> None:
    body = {"issueUpdates": [{"fields": {"project": {"key": "NOPE"}}}, {"fields": {}}]}
    with pytest.raises(JIRAError) as caught:
        jira._session.post(jira._get_url("issue/bulk"), data=json.dumps(body))
    assert caught.value.status_code == 400
    answer = error_json(caught.value)
    validate(JIRA_SPEC, "#/components/schemas/CreatedIssues", answer)
    assert answer["issues"] == []
    assert [e["failedElementNumber"] for e in answer["errors"]] == [0, 1]


def test_bulk_create_takes_at_most_fifty_issues(jira: JIRA, sandbox: Sandbox) -> None:
    one = {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x"}}
    with pytest.raises(JIRAError) as caught:
        jira._session.post(
            jira._get_url("issue/bulk"), data=json.dumps({"issueUpdates": [one] * 51})
        )
    assert caught.value.status_code == 400
    assert sandbox.state.jira_issues == []


def test_updated_relative_to_now_finds_what_changed_lately(jira: JIRA, clock: FakeClock) -> None:
    create(jira, "old")
    clock.advance(hours=1)
    create(jira, "new")
    found = jira.search_issues('project = OPS AND updated >= "-30m"', json_result=True)
    assert [i["fields"]["summary"] for i in found["issues"]] == ["new"]
    clock.advance(minutes=10)
    jira.issue("OPS-1").update(summary="old, retitled")
    found = jira.search_issues(
        'project = OPS AND updated >= "-5m" ORDER BY key ASC', json_result=True
    )
    assert [i["key"] for i in found["issues"]] == ["OPS-1"]
