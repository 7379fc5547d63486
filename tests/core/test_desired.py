"""Routing, desired fields and the pure steps of reading before a plan; values in, values out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncer.core.desired import desire_items
from syncer.core.plan import tickets_to_fetch, where_tickets_live
from syncer.model import (
    ActionItem,
    Assessment,
    Document,
    Incident,
    Link,
    PossibleItem,
    Ticket,
    TicketRef,
)
from syncer.policy import DeadlinePolicy, Route, RoutingPolicy, SyncPolicy, TrackerPolicy
from tests.support.builders import desired

INCIDENT = Incident(id="INC-9", date=date(2026, 11, 1), severity="SEV1", team="payments")
POLICY = SyncPolicy(
    trackers={
        "jira": TrackerPolicy(labels=("postmortem",), owners={"@Alice": "acc-1"}, create_cap=200),
        "gh": TrackerPolicy(priorities={"SEV1": "P1"}, create_cap=100),
    },
    routing=RoutingPolicy(routes=(Route(tracker="gh", team="payments"),), default="jira"),
    deadlines=DeadlinePolicy(days={"sev1": 14}),
    document_base_url="https://docs.example.test/pm",
)


def item(title: str, **changes: object) -> ActionItem:
    base = ActionItem(key=f"inc-9.{title}", title=title, source="inc-9.md", line=3, end_line=3)
    return base.model_copy(update=changes)


def document(*items: ActionItem, incident: Incident = INCIDENT) -> Document:
    return Document(source="inc-9.md", content_hash="h", incident=incident, items=items)


def claim_jira_keys(name: str, ref: TicketRef) -> TicketRef | None:
    return ref if name == "jira" and ref.key.startswith("OPS-") else None


def test_items_follow_routes_ownership_and_due_policy() -> None:
    wanted, findings = desire_items(
        POLICY,
        [document(item("a", owner="alice"), item("b", owner="zed", tickets=()))],
        claim=claim_jira_keys,
    )
    assert [(d.item.key, d.tracker) for d in wanted] == [("inc-9.a", "gh"), ("inc-9.b", "gh")]
    first = wanted[0].fields
    assert (first.due, first.priority, first.assignee) == (date(2026, 11, 15), "P1", None)
    assert "[inc-9.md](https://docs.example.test/pm/inc-9.md)" in first.body
    assert sorted((f.kind, f.item_key, f.tracker) for f in findings) == [
        ("unknown_owner", "inc-9.a", "gh"),
        ("unknown_owner", "inc-9.b", "gh"),
    ]


def test_the_placement_table_in_order() -> None:
    other_site = TicketRef(system="other", key="Bug #5")
    named = TicketRef(system="jira", key="OPS-4")
    wanted, findings = desire_items(
        POLICY,
        [
            document(item("elsewhere", tickets=(other_site,)), item("named", tickets=(named,))),
            document(
                item("placed"), item("lost"), incident=INCIDENT.model_copy(update={"team": None})
            ),
        ],
        claim=claim_jira_keys,
        placed={"inc-9.placed": "gh"},
    )
    assert [(d.item.key, d.tracker, d.refs) for d in wanted] == [
        ("inc-9.named", "jira", (named,)),
        ("inc-9.placed", "gh", ()),
        ("inc-9.lost", "jira", ()),
    ]
    assert [(f.kind, f.item_key) for f in findings] == [
        ("tracked_elsewhere", "inc-9.elsewhere"),
        ("rerouted", "inc-9.placed"),
    ]
    no_default = POLICY.model_copy(update={"routing": RoutingPolicy()})
    _, lost = desire_items(no_default, [document(item("x"))], claim=claim_jira_keys)
    assert [(f.kind, f.item_key) for f in lost] == [("unroutable", "inc-9.x")]


def test_where_tickets_live_prefers_markers_then_state() -> None:
    ref = TicketRef(system="jira", key="OPS-1")
    marked = Ticket(ref=ref, title="t", item_key="inc-9.a")
    now = datetime(2026, 11, 27, tzinfo=UTC)
    links = {
        "inc-9.a": Link(
            item_key="inc-9.a", tracker="gh", source="s", status="managed", first_seen=now
        ),
        "inc-9.b": Link(
            item_key="inc-9.b", tracker="gh", source="s", status="linked", first_seen=now
        ),
        "inc-9.c": Link(
            item_key="inc-9.c", tracker="gh", source="s", status="pending", first_seen=now
        ),
        "inc-9.d": Link(
            item_key="inc-9.d", tracker="gone", source="s", status="managed", first_seen=now
        ),
    }
    placed = where_tickets_live({"jira": [marked]}, links, trackers={"jira", "gh"})
    assert placed == {"inc-9.a": "jira", "inc-9.b": "gh"}


def test_only_named_tickets_the_listing_missed_are_fetched() -> None:
    listed = TicketRef(system="jira", key="OPS-1")
    missing = TicketRef(system="jira", key="OPS-7")
    known = TicketRef(system="jira", key="OPS-9")
    now = datetime(2026, 11, 27, tzinfo=UTC)
    items = [
        desired("one", refs=(listed,)),
        desired("two", refs=(missing,)),
        desired("three", refs=(known,)),
        desired("four"),
    ]
    links = {
        items[2].item.key: Link(
            item_key=items[2].item.key,
            tracker="fake",
            source="s",
            status="linked",
            ref=known,
            first_seen=now,
        )
    }
    tickets = {"fake": [Ticket(ref=listed, title="t")], "other": []}
    assert tickets_to_fetch(items, tickets, links) == {"fake": [missing]}


def test_an_item_repeated_word_for_word_is_a_finding() -> None:
    # A copy-paste makes two tickets; the plan says so, so that a person can delete the copy.
    first = item("Fix the proxy", key="inc-9.abc", line=3)
    copy = item("Fix the proxy.", key="inc-9.abc-2", line=7)
    same_words_own_ids = [item("Fix it", key="inc-9.ai-1"), item("Fix it", key="inc-9.ai-2")]
    wanted, findings = desire_items(
        POLICY.model_copy(update={"routing": RoutingPolicy(default="jira")}),
        [document(first, copy), document(*same_words_own_ids)],
        claim=claim_jira_keys,
    )
    assert len(wanted) == 4  # still one ticket each: the document may mean it
    assert [(f.kind, f.item_key, f.message) for f in findings] == [
        (
            "repeated",
            "inc-9.abc-2",
            "line 7 repeats line 3 word for word and gets a ticket of its own "
            "(delete one if it was copied by mistake)",
        )
    ]


def test_the_route_issue_type_goes_only_to_items_the_route_places() -> None:
    routing = RoutingPolicy(
        routes=(Route(tracker="jira", team="payments", issue_type="Bug"),), default="gh"
    )
    policy = POLICY.model_copy(update={"routing": routing})
    named = TicketRef(system="jira", key="OPS-4")
    wanted, _ = desire_items(
        policy,
        [
            document(item("routed"), item("placed"), item("named", tickets=(named,))),
            document(item("other"), incident=INCIDENT.model_copy(update={"team": "web"})),
        ],
        claim=claim_jira_keys,
        placed={"inc-9.placed": "gh"},
    )
    assert [(d.item.key, d.tracker, d.fields.issue_type) for d in wanted] == [
        ("inc-9.routed", "jira", "Bug"),
        ("inc-9.placed", "gh", None),
        ("inc-9.named", "jira", "Bug"),
        ("inc-9.other", "gh", None),
    ]


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        # Seen on the sandbox page: "Incident: Post-Mortem: Incident INC-2041".
        ("Post-Mortem: Incident INC-2041", "INC-2041"),
        ("Postmortem - INC-2041", "INC-2041"),
        (
            "Incident report: INC-2041 checkout proxy pool exhausted",
            "INC-2041 checkout proxy pool exhausted",
        ),
        ("Checkout proxy pool exhausted", "INC-2041: Checkout proxy pool exhausted"),
        (None, "INC-2041"),
    ],
)
def test_the_incident_heading_drops_the_templates_boilerplate(
    title: str | None, heading: str
) -> None:
    from syncer.core.desired import incident_heading, ticket_body
    from syncer.model import ActionItem, Incident

    incident = Incident(id="INC-2041", title=title)
    assert incident_heading(incident) == heading
    item = ActionItem(key="inc-2041.a", title="Fix it", source="pm.md", line=3, end_line=3)
    body = ticket_body(item, incident, due=None, document_url=None)
    assert f"**Incident:** {heading}\n" in body
    assert "Incident: Post-Mortem" not in body


def test_an_unreadable_due_date_and_an_unmapped_priority_are_findings_naming_the_line() -> None:
    # Seen before: "due next Friday" and a priority P2 missing from the map gave no warning;
    # the ticket silently got the policy's date and the severity's priority.
    odd = item("Rotate keys", unread_due="next Friday", priority="P2", line=7, end_line=7)
    wanted, findings = desire_items(POLICY, [document(odd)], claim=claim_jira_keys)
    (one,) = wanted
    assert one.fields.due == date(2026, 11, 15)  # SEV1: 14 days after 2026-11-01
    assert one.fields.priority == "P1"  # gh maps the severity SEV1; P2 is not in its map
    kinds = {f.kind: f.message for f in findings}
    assert kinds["unreadable_due"] == (
        "inc-9.md:7: due date 'next Friday' is not a date syncer can read (write it as "
        "YYYY-MM-DD); the policy's 2026-11-15 applies"
    )
    assert kinds["unknown_priority"] == (
        "inc-9.md:7: priority 'P2' is not in trackers.gh.priorities; the ticket gets the "
        "severity's 'P1'"
    )
    plain = item("Rotate keys", due=date(2026, 12, 1), priority="SEV1")
    _, none = desire_items(POLICY, [document(plain)], claim=claim_jira_keys)
    assert {f.kind for f in none} <= {"unknown_owner"}


def test_possible_follow_ups_are_one_finding_and_no_ticket() -> None:
    unsure = [
        PossibleItem(item=item(t, line=n), assessment=Assessment(confidence=0.3))
        for n, t in ((5, "Request coalescing"), (6, "Jittered expiry"))
    ]
    doc = document(item("Fix the proxy")).model_copy(update={"possible": tuple(unsure)})
    wanted, findings = desire_items(
        POLICY.model_copy(update={"routing": RoutingPolicy(default="jira")}),
        [doc],
        claim=claim_jira_keys,
    )
    assert [w.item.title for w in wanted] == ["Fix the proxy"]
    assert [(f.kind, f.source, f.message) for f in findings] == [
        (
            "possible_items",
            "inc-9.md",
            "2 possible follow-ups in inc-9.md not ticketed (lines 5, 6): confirm them by a "
            "task-list box (- [ ] ...), an action-item heading, or an <!-- syncer: items --> "
            "line above the list; or lower [sources] confidence",
        )
    ]
