"""The planner, tested with the in-memory tracker: identity, field ownership, findings."""

from __future__ import annotations

import difflib
import random
from datetime import date

import pytest

from syncer.core.desired import Desired
from syncer.core.plan import REWORD_SIMILARITY, compare_fields, plan_changes
from syncer.model import (
    Change,
    CloseChange,
    CommentChange,
    CreateChange,
    Incident,
    Plan,
    ReopenChange,
    Ticket,
    TicketFields,
    TicketRef,
    UpdateChange,
    WriteChange,
    normalise_title,
)
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.state import StateStore
from tests.support.builders import desired, fixed_now, make_policy
from tests.support.fakes import FakeTracker
from tests.support.plans import plan, sync


def writes(made: Plan) -> list[WriteChange]:
    """The plan's changes but comments, each checked to write fields to an existing ticket."""
    found = []
    for change in made.changes:
        if isinstance(change, CommentChange):
            continue
        assert isinstance(change, UpdateChange | CloseChange | ReopenChange), change
        found.append(change)
    return found


def ref_of(change: Change) -> TicketRef | None:
    return None if isinstance(change, CreateChange) else change.ref


def ref_key(change: Change) -> str | None:
    ref = ref_of(change)
    return ref.key if ref else None


ITEMS = [
    desired("Add alerting on checkout queue depth", assignee="acc-alice"),
    desired("Make the payment client retry idempotently"),
    desired("Document the failover runbook", done=True),
]


def test_first_plan_creates_one_ticket_per_item(store: StateStore) -> None:
    made = plan(ITEMS, FakeTracker(), store)
    assert [c.kind for c in made.changes] == ["create"] * 3
    assert {c.item_key for c in made.changes} == {d.item.key for d in ITEMS}
    assert all(c.reason == "new action item" for c in made.changes)


def test_a_plan_is_empty_once_applied(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    again = plan(ITEMS, tracker, store)
    assert again.is_empty
    assert len(again.matches) == 3
    assert len(tracker.tickets) == 3


def test_a_plan_does_not_depend_on_input_order(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS[:2], tracker, store)
    edited = [
        ITEMS[0].model_copy(
            update={"fields": ITEMS[0].fields.model_copy(update={"due": None, "priority": "High"})}
        ),
        *ITEMS[1:],
    ]
    expected = plan(edited, tracker, store)
    for seed in range(5):
        shuffled = list(edited)
        random.Random(seed).shuffle(shuffled)
        assert plan(shuffled, tracker, store) == expected


def test_losing_state_creates_nothing(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    again = plan(ITEMS, tracker, None)
    assert again.is_empty
    assert len(again.matches) == 3


def test_a_reworded_item_updates_its_ticket_even_without_state(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    reworded = [
        desired("Add alerting on the checkout queue's depth", assignee="acc-alice"),
        *ITEMS[1:],
    ]
    for links in (store, None):
        made = plan(reworded, tracker, links)
        assert [(c.kind, c.changed) for c in writes(made)] == [("update", ("title", "body"))]
        assert writes(made)[0].ref == tracker.tickets["OPS-1"].ref
    sync(reworded, tracker, store)
    assert plan(reworded, tracker, store).is_empty
    assert len(tracker.tickets) == 3


def test_a_new_item_unlike_any_ticket_is_created_not_matched(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    made = plan([*ITEMS, desired("Rotate the leaked staging credentials")], tracker, store)
    assert [c.kind for c in made.changes] == ["create"]


def test_a_persons_assignee_is_kept_and_the_documents_change_wins(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    ticket = tracker.tickets["OPS-1"]
    tracker.add(ticket.model_copy(update={"assignee": "acc-bob"}))
    assert plan(ITEMS, tracker, store).is_empty  # kept: the document did not change it
    overwrite = plan(ITEMS, tracker, store, make_policy(overwrite=("assignee",)))
    assert [c.changed for c in writes(overwrite)] == [("assignee",)]
    moved = [desired("Add alerting on checkout queue depth", assignee="acc-carol"), *ITEMS[1:]]
    made = plan(moved, tracker, store)
    assert [(c.kind, c.changed) for c in writes(made)] == [("update", ("assignee",))]
    assert writes(made)[0].fields.assignee == "acc-carol"


def test_done_in_the_document_closes_and_unchecking_reopens(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    checked = [desired("Make the payment client retry idempotently", done=True)]
    made = sync([ITEMS[0], checked[0], ITEMS[2]], tracker, store)
    assert [(c.kind, c.reason) for c in made.changes] == [
        ("close", "marked done in the document (with a comment saying so)")
    ]
    assert tracker.tickets["OPS-2"].done
    made = sync(ITEMS, tracker, store)
    assert [c.kind for c in made.changes] == ["reopen"]
    assert not tracker.tickets["OPS-2"].done
    assert tracker.comments["OPS-2"] == [
        "syncer closed this issue: the post-mortem `inc-7.md` marks it done.",
        "syncer reopened this issue: the post-mortem `inc-7.md` no longer marks it done.",
    ]


def test_a_ticket_a_person_closed_or_reopened_is_left_alone(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.add(tracker.tickets["OPS-1"].model_copy(update={"done": True}))
    tracker.add(tracker.tickets["OPS-3"].model_copy(update={"done": False}))
    assert plan(ITEMS, tracker, store).is_empty


def test_labels_are_added_never_removed_and_a_persons_removal_is_kept(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.add(tracker.tickets["OPS-1"].model_copy(update={"labels": ("triaged",)}))
    assert plan(ITEMS, tracker, store).is_empty  # a person took "postmortem" off: kept off
    relabelled = [
        d.model_copy(
            update={"fields": d.fields.model_copy(update={"labels": ("postmortem", "sev2")})}
        )
        for d in ITEMS
    ]
    made = plan(relabelled, tracker, store)
    assert [(c.ref.key, c.changed) for c in writes(made)] == [
        ("OPS-1", ("labels",)),
        ("OPS-2", ("labels",)),
        ("OPS-3", ("labels",)),
    ]
    assert writes(made)[0].fields.labels == ("sev2", "triaged")  # added; nothing taken off


def test_a_ticket_named_in_the_document_is_linked_not_created(store: StateStore) -> None:
    tracker = FakeTracker()
    tracker.add(Ticket(ref=TicketRef(system="jira", key="OPS-40"), title="Existing work"))
    ref = TicketRef(system="jira", key="OPS-40")
    item = desired("Upgrade the load balancer", refs=(ref,))
    made = sync([item], tracker, store)
    assert [(c.kind, ref_of(c)) for c in made.changes] == [("link", ref)]
    assert tracker.writes == []  # a person's ticket is never edited
    assert plan([item], tracker, store).is_empty


def test_a_named_ticket_that_does_not_exist_is_a_finding_not_a_create(store: StateStore) -> None:
    item = desired("Upgrade the load balancer", refs=(TicketRef(system="jira", key="OPS-404"),))
    made = plan([item], FakeTracker(), store)
    assert made.changes == ()
    assert [f.kind for f in made.findings] == ["missing_ticket"]


def test_a_persons_ticket_may_track_several_items(store: StateStore) -> None:
    # A group heading's tracking issue is the ticket of every item in the group.
    tracker = FakeTracker()
    tracker.add(Ticket(ref=TicketRef(system="jira", key="OPS-40"), title="Existing work"))
    ref = TicketRef(system="jira", key="OPS-40")
    items = [desired("One", refs=(ref,)), desired("Two", refs=(ref,))]
    made = sync(items, tracker, store)
    assert [(c.kind, ref_of(c)) for c in made.changes] == [("link", ref), ("link", ref)]
    assert made.findings == ()
    assert tracker.writes == []
    assert plan(items, tracker, store).is_empty


def test_a_group_tracking_issue_added_later_never_takes_an_items_own_ticket(
    store: StateStore,
) -> None:
    # A heading with a tracking-issue link is added over items that already have tickets: the
    # items keep their own tickets (still closed when ticked), none is orphaned.
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.add(Ticket(ref=TicketRef(system="jira", key="OPS-40"), title="Checkout epic"))
    epic = TicketRef(system="jira", key="OPS-40")

    def grouped(d: Desired, *, done: bool | None = None) -> Desired:
        item = d.item.model_copy(update={"tickets": (epic,), "group_tracked": True})
        fields = d.fields if done is None else d.fields.model_copy(update={"done": done})
        item = item if done is None else item.model_copy(update={"done": done})
        return d.model_copy(update={"item": item, "refs": (epic,), "fields": fields})

    for links in (store, None):
        made = plan([grouped(d) for d in ITEMS], tracker, links)
        assert made.is_empty, made.changes
        assert made.findings == ()
    ticked = [grouped(ITEMS[0]), grouped(ITEMS[1], done=True), grouped(ITEMS[2])]
    made = plan(ticked, tracker, store)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [("close", "OPS-2")]
    # An item without a ticket of its own is tracked in the group's issue, as before.
    new = grouped(desired("Add a load test"))
    assert [(c.kind, ref_key(c)) for c in plan([new], tracker, store).changes] == [
        ("link", "OPS-40")
    ]


def test_another_items_ticket_named_by_two_items_is_reported(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS[:1], tracker, store)
    ref = TicketRef(system="jira", key="OPS-1")
    made = plan(
        [*ITEMS[:1], desired("One", refs=(ref,)), desired("Two", refs=(ref,))], tracker, store
    )
    assert [f.kind for f in made.findings] == ["duplicate"]
    assert [c.kind for c in made.changes] == ["link"]


def test_two_tickets_with_one_marker_are_reported_and_the_oldest_kept(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS[:1], tracker, store)
    twin = tracker.tickets["OPS-1"].model_copy(
        update={"ref": TicketRef(system="jira", key="OPS-10")}
    )
    tracker.add(twin)
    made = plan(ITEMS[:1], tracker, store)
    assert made.is_empty
    assert [(f.kind, f.ref) for f in made.findings] == [("duplicate", twin.ref)]
    assert made.matches[0].ref.key == "OPS-1"


def test_creates_beyond_the_cap_are_deferred(store: StateStore) -> None:
    made = plan(ITEMS, FakeTracker(), store, make_policy(max_creates=2))
    assert len(made.changes) == 2
    assert [f.kind for f in made.findings] == ["deferred"]


def test_a_removed_item_leaves_an_orphan_never_closed(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    made = plan(ITEMS[:2], tracker, store)
    assert made.changes == ()
    assert [(f.kind, f.ref.key if f.ref else None) for f in made.findings] == [
        ("orphaned", "OPS-3")
    ]


def test_a_ticket_an_item_names_is_not_an_orphan(store: StateStore) -> None:
    # The incident was renamed (every key changes) and the item names its ticket by hand:
    # the ticket is that item's link, not one that "belongs to no action item any more".
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    renamed = Incident(id="INC-8", title="Checkout outage")
    ref = tracker.tickets["OPS-3"].ref
    items = [
        *ITEMS[:2],
        desired("Document the failover runbook", incident=renamed, done=True, refs=(ref,)),
    ]
    made = plan(items, tracker, store)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [("link", "OPS-3")]
    assert made.findings == ()


def test_a_ticket_deleted_behind_syncers_back_is_reported_not_recreated(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    del tracker.tickets["OPS-2"]
    made = plan(ITEMS, tracker, store)
    assert made.changes == ()
    assert [f.kind for f in made.findings] == ["missing_ticket"]


def test_items_of_an_unreadable_tracker_are_not_planned(store: StateStore) -> None:
    made = plan_changes(ITEMS, tickets={}, links={}, policy=make_policy())
    assert made.changes == ()
    assert made.matches == ()


def test_identical_titles_in_one_document_get_their_own_tickets(store: StateStore) -> None:
    from syncer.model import make_item_key

    first = desired("Add a canary")
    second = first.model_copy(
        update={
            "item": first.item.model_copy(
                update={"key": make_item_key("INC-7", "Add a canary", occurrence=2), "line": 20}
            )
        }
    )
    tracker = FakeTracker()
    sync([first, second], tracker, store)
    assert len(tracker.tickets) == 2
    assert plan([first, second], tracker, store).is_empty


BASE = TicketFields(title="T", body="B", labels=("postmortem",), assignee="a", priority="High")


@pytest.mark.parametrize(
    ("desired", "actual", "baseline", "overwrite", "expected"),
    [
        # the document changed a field: it is written
        ({"assignee": "b"}, {}, BASE, (), ["assignee"]),
        # a person changed it and the document did not: kept
        ({}, {"assignee": "p"}, BASE, (), []),
        # ... unless the tracker's overwrite list names it
        ({}, {"assignee": "p"}, BASE, ("assignee",), ["assignee"]),
        # no baseline: the document wins, except over a person's assignee and by clearing
        ({"title": "T2"}, {}, None, (), ["title"]),
        ({"assignee": "b"}, {}, None, (), []),
        ({"due": None}, {"due": date(2026, 12, 1)}, None, (), []),
        # a missing priority means the tracker's default, even when overwriting
        ({"priority": None}, {}, BASE, ("priority",), []),
        # labels are only ever added
        ({"labels": ("postmortem", "sev1")}, {}, BASE, (), ["labels"]),
        ({}, {"labels": ("postmortem", "triaged")}, BASE, (), []),
        # done: the document closes; a person's reopen is kept; unchecking needs a baseline
        ({"done": True}, {}, BASE, (), ["done"]),
        ({"done": True}, {}, None, (), ["done"]),
        ({"done": True}, {}, BASE.model_copy(update={"done": True}), (), []),
        ({}, {"done": True}, BASE.model_copy(update={"done": True}), (), ["done"]),
        ({}, {"done": True}, BASE, (), []),
        ({}, {"done": True}, None, (), []),
    ],
)
def test_which_fields_are_written(
    desired: dict[str, object],
    actual: dict[str, object],
    baseline: TicketFields | None,
    overwrite: tuple[str, ...],
    expected: list[str],
) -> None:
    ticket = Ticket(
        ref=TicketRef(system="jira", key="OPS-1"),
        **BASE.model_dump(exclude={"neighbours", "issue_type", "source", "wont_do"}),
    )
    changed, _ = compare_fields(
        BASE.model_copy(update=desired),
        ticket.model_copy(update=actual),
        baseline=baseline,
        overwrite=overwrite,
    )
    assert changed == expected


def test_an_item_naming_another_items_ticket_links_it_and_never_edits_it(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    owner_ticket = tracker.tickets["OPS-1"]
    other = desired("Sanitize the checkout input", refs=(owner_ticket.ref,), done=True)
    made = sync([*ITEMS, other], tracker, store)
    assert [(c.kind, c.item_key) for c in made.changes] == [("link", other.item.key)]
    assert tracker.tickets["OPS-1"] == owner_ticket  # neither retitled nor closed
    assert plan([*ITEMS, other], tracker, store).is_empty


def test_a_linked_ticket_the_document_stops_naming_stays_linked(store: StateStore) -> None:
    tracker = FakeTracker()
    tracker.add(Ticket(ref=TicketRef(system="jira", key="OPS-40"), title="Existing work"))
    ref = TicketRef(system="jira", key="OPS-40")
    sync([desired("Upgrade the load balancer", refs=(ref,))], tracker, store)
    made = plan([desired("Upgrade the load balancer")], tracker, store)
    assert made.changes == ()
    assert [(m.ref.key, m.fields) for m in made.matches] == [("OPS-40", None)]


def test_a_ticket_whose_marker_a_person_removed_is_still_managed(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.add(tracker.tickets["OPS-2"].model_copy(update={"item_key": None}))
    tracker.labelled.add("OPS-2")
    checked = [ITEMS[0], desired("Make the payment client retry idempotently", done=True), ITEMS[2]]
    made = plan(checked, tracker, store)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [("close", "OPS-2")]


def test_a_reworded_item_finds_a_ticket_a_person_retitled(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.add(tracker.tickets["OPS-1"].model_copy(update={"title": "Queue depth paging"}))
    reworded = [
        desired("Add alerting on the checkout queue's depth", assignee="acc-alice"),
        *ITEMS[1:],
    ]
    made = plan(reworded, tracker, store)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [
        ("update", "OPS-1"),
        ("comment", "OPS-1"),
    ]


def test_a_renamed_post_mortem_without_an_id_keeps_its_tickets(store: StateStore) -> None:
    tracker = FakeTracker()
    old = Incident(id="2026-db-outage", title="DB outage")
    new = Incident(id="2026-10-02-db-outage", title="DB outage")
    titles = ["Raise the pool limit", "Alert on pool saturation"]
    sync([desired(t, incident=old, source="2026/db-outage.md") for t in titles], tracker, store)
    renamed = [desired(t, incident=new, source="2026-10-02-db-outage.md") for t in titles]
    made = plan(renamed, tracker, None)
    assert [c.kind for c in made.changes] == ["update", "update"]  # bodies name the new id
    assert len(tracker.tickets) == 2


def test_an_edit_and_a_tick_together_are_one_change(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    both = [desired("Add alerting on checkout queue depth", assignee="acc-bob", done=True)]
    made = plan([*both, *ITEMS[1:]], tracker, store)
    assert [(c.kind, c.changed) for c in writes(made)] == [("close", ("assignee", "done"))]


PLACED = [
    desired("Raise the proxy connection pool limit", line=10),
    desired("Alert when the proxy connection pool is above 80%", line=20),
    desired("Write a runbook for proxy exhaustion", line=30),
]
A, B, C = PLACED


def placed(title: str, line: int) -> Desired:
    return desired(title, line=line)


@pytest.mark.parametrize(
    ("edited", "kept", "created", "orphaned"),
    [
        # reworded: close to the old wording, anywhere: B's ticket follows it
        ([A, placed("Alert when the proxy's connection pool is over 80%", 20), C], "B", [], ""),
        ([A, C, placed("Alert when the proxy connection pool is above 85%", 40)], "B", [], ""),
        # rewritten in place beyond recognition: position alone never pairs unrelated texts
        ([A, placed("Load-test the proxy before each release", 20), C], "", ["load"], "B"),
        # the similarity boundary (0.6), far from B's place: 0.649 keeps, 0.597 does not
        ([A, C, placed("Alert when the proxy runs hot", 40)], "B", [], ""),
        (
            [A, C, placed("Alert when proxy pools shrink", 40)],
            "",
            ["alert"],
            "B",
        ),
        # the issue's case: B removed and an unrelated item appended: orphan plus a new ticket
        ([A, C, placed("Load-test the proxy before each release", 40)], "", ["load"], "B"),
        # the same place, but a neighbour changed too: no evidence
        ([placed("Load-test the proxy before each release", 20), C], "", ["load"], "AB"),
        # two unrelated items where one was: neither stands where B stood
        (
            [A, placed("Load-test the proxy", 20), placed("Chaos-test the proxy", 25), C],
            "",
            ["chaos", "load"],
            "B",
        ),
        # the last item removed and an unrelated one appended where it stood (issue 17, 1)
        ([A, B, placed("Load-test the proxy before each release", 40)], "", ["load"], "C"),
        ([A, B, placed("Order new office chairs for the support team", 40)], "", ["order"], "C"),
        # an unlike title elsewhere in the list is not a rewording
        ([placed("Load-test the proxy before each release", 5), A, C], "", ["load"], "B"),
    ],
)
@pytest.mark.parametrize("state", ["kept", "lost"])
def test_a_ticket_moves_to_a_changed_item_only_on_evidence(
    store: StateStore,
    *,
    edited: list[Desired],
    kept: str,
    created: list[str],
    orphaned: str,
    state: str,
) -> None:
    tracker = FakeTracker()
    sync(PLACED, tracker, store)
    ticket_of = {
        letter: next(t.ref.key for t in tracker.tickets.values() if t.title == d.fields.title)
        for letter, d in zip("ABC", PLACED, strict=True)
    }
    made = plan(edited, tracker, store if state == "kept" else None)
    updated = [c for c in made.changes if isinstance(c, UpdateChange)]
    assert [c.ref.key for c in updated] == [ticket_of[x] for x in kept]
    for change in updated:
        assert change.reason.startswith("reworded: ")
    comments = [c for c in made.changes if isinstance(c, CommentChange)]
    assert [c.ref.key for c in comments] == [ticket_of[x] for x in kept]
    for comment in comments:
        assert "was reworded" in comment.text
    new = [c.fields.title for c in made.changes if isinstance(c, CreateChange)]
    assert sorted(t.replace("-", " ").split()[0].lower() for t in new) == created
    lost = [f.ref.key for f in made.findings if f.kind == "orphaned" and f.ref]
    assert sorted(lost) == sorted(ticket_of[x] for x in orphaned)


def test_a_reworded_ticket_is_commented_once_and_then_in_step(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(PLACED, tracker, store)
    reworded = [A, placed("Alert when the proxy's connection pool is over 80%", 20), C]
    ticket = next(k for k, t in tracker.tickets.items() if t.title == B.fields.title)
    made = sync(reworded, tracker, store)
    assert [c.kind for c in made.changes] == ["update", "comment"]
    assert tracker.comments[ticket] == [
        "syncer: this action item was reworded in the post-mortem `inc-7.md`, from "
        '"Alert when the proxy connection pool is above 80%" to '
        '"Alert when the proxy\'s connection pool is over 80%"; this ticket follows it.'
    ]
    for links in (store, None):
        assert plan(reworded, tracker, links).is_empty


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/browse/OPS-1",
        "http://127.0.0.1:8080/browse/OPS-1/",
        "https://jira-alias.example.com/browse/OPS-1",
    ],
)
def test_a_ticket_is_known_by_its_key_never_by_how_its_url_is_spelled(
    store: StateStore, url: str
) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    old_key = tracker.tickets["OPS-1"].item_key
    reworded = desired("Add alerting on the checkout queue's depth", assignee="acc-alice")
    sync([reworded, *ITEMS[1:]], tracker, store)
    # As an older syncer left it: the old marker, no baseline; only state links the new key.
    tracker.add(tracker.tickets["OPS-1"].model_copy(update={"item_key": old_key}))
    tracker.forget_written()
    # The tracker's url changed in the configuration: every ticket reads back with a new URL.
    for key, ticket in list(tracker.tickets.items()):
        moved = ticket.ref.model_copy(update={"url": url.replace("OPS-1", key)})
        tracker.tickets[key] = ticket.model_copy(update={"ref": moved})
    ticked = desired("Add alerting on the checkout queue's depth", assignee="acc-alice", done=True)
    made = plan([ticked, *ITEMS[1:]], tracker, store)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [("close", "OPS-1")]
    person = Ticket(
        ref=TicketRef(system="jira", key="OPS-40", url="http://a/browse/OPS-40"), title="X"
    )
    tracker.add(person)
    named = desired("Upgrade the load balancer", refs=(person.ref,))
    sync([*ITEMS, named], tracker, store)
    elsewhere = person.ref.model_copy(update={"url": "http://b/browse/OPS-40"})
    tracker.add(person.model_copy(update={"ref": elsewhere}))
    assert [c.kind for c in plan([*ITEMS, named], tracker, store).changes] == []


@pytest.mark.parametrize(
    ("title", "side"),
    [("Alert when the proxy runs hot", "above"), ("Alert when proxy pools shrink", "below")],
)
def test_the_boundary_rows_sit_either_side_of_the_threshold(title: str, side: str) -> None:
    ratio = difflib.SequenceMatcher(
        None, normalise_title(title), normalise_title(B.fields.title)
    ).ratio()
    assert (ratio >= REWORD_SIMILARITY) is (side == "above")
    assert abs(ratio - REWORD_SIMILARITY) < 0.05


def test_without_any_baseline_the_plan_claims_no_document_change(store: StateStore) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    tracker.forget_written()  # tickets written before they carried their baseline
    ticket = tracker.tickets["OPS-1"]
    tracker.add(ticket.model_copy(update={"title": "Queue depth alerting"}))
    [change] = writes(plan(ITEMS, tracker, None))
    assert change.changed == ("title",)
    assert "changed in the document" not in change.reason
    assert change.reason.startswith("title differs from the document (no record")
    assert writes(plan(ITEMS, tracker, store)) == []  # state knows: a person's edit, kept


INC_8 = Incident(id="INC-8", title="Import backlog", date=date(2026, 11, 9), severity="SEV3")


@pytest.mark.parametrize("state", ["kept", "lost"])
@pytest.mark.parametrize(
    "pasted",
    ["Give bulk imports their own low-priority queue", "Give bulk imports their own queue"],
)
def test_an_item_moved_to_another_post_mortem_keeps_its_ticket(
    store: StateStore, state: str, pasted: str
) -> None:
    # Issue 17, defect 3: cut from one post-mortem and pasted into another in the same run.
    tracker = FakeTracker()
    moving = desired("Give bulk imports their own low-priority queue", line=30)
    other = desired("Cap the import batch size", incident=INC_8, source="inc-8.md", line=10)
    sync([*ITEMS, moving, other], tracker, store)
    ticket = next(k for k, t in tracker.tickets.items() if t.title == moving.fields.title)
    moved = desired(pasted, incident=INC_8, source="inc-8.md", line=20)
    made = plan([*ITEMS, other, moved], tracker, store if state == "kept" else None)
    assert [(c.kind, ref_key(c)) for c in made.changes] == [
        ("update", ticket),
        ("comment", ticket),
    ]
    [comment] = [c for c in made.changes if isinstance(c, CommentChange)]
    assert comment.text == (
        "syncer: this action item moved from the post-mortem `inc-7.md` to `inc-8.md`; "
        "this ticket follows it."
    )
    assert not [f for f in made.findings if f.kind == "orphaned"]
    sync([*ITEMS, other, moved], tracker, store)
    assert tracker.tickets[ticket].item_key == moved.item.key  # the marker followed it
    assert plan([*ITEMS, other, moved], tracker, store).is_empty
    assert len(tracker.tickets) == 5


def test_an_unrelated_item_in_another_post_mortem_never_takes_a_removed_items_ticket(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    removed = desired("Give bulk imports their own low-priority queue", line=30)
    other = desired("Cap the import batch size", incident=INC_8, source="inc-8.md", line=10)
    sync([*ITEMS, removed, other], tracker, store)
    added = desired("Give the importer a dashboard", incident=INC_8, source="inc-8.md", line=20)
    made = plan([*ITEMS, other, added], tracker, store)
    assert [c.kind for c in made.changes] == ["create"]
    assert [f.kind for f in made.findings] == ["orphaned"]


def test_a_ticket_deleted_in_the_tracker_is_reported_and_made_again_only_when_asked(
    store: StateStore,
) -> None:
    # Issue 17, defect 4: a ticket syncer once made and that is now gone is a fact to report.
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    del tracker.tickets["OPS-2"]
    made = plan(ITEMS, tracker, store)
    assert made.changes == ()
    [finding] = [f for f in made.findings if f.kind == "missing_ticket"]
    assert finding.message.startswith(
        "OPS-2, this item's ticket, is gone from fake (deleted?); "
        "`syncer sync --recreate OPS-2` makes it again, else remove the item"
    )
    for asked in ("OPS-2", ITEMS[1].item.key):
        again = plan_changes(
            ITEMS,
            tickets={"fake": tracker.list_managed()},
            links=store.links(),
            policy=make_policy(),
            recreate={asked},
        )
        assert [(c.kind, c.item_key, c.reason) for c in again.changes] == [
            (
                "create",
                ITEMS[1].item.key,
                "its ticket was deleted in the tracker; made again (--recreate)",
            )
        ]


RENAMED = Incident(id="INC-7-checkout", title="Checkout outage")


@pytest.mark.parametrize(
    "edited",
    [
        # the post-mortem renamed (a new incident id: every key changes)
        [desired(d.item.title, incident=RENAMED, source="2026/inc-7-checkout.md") for d in ITEMS],
        # the item reworded
        [ITEMS[0], desired("Make the payment client retry idempotently, with a key"), ITEMS[2]],
    ],
)
def test_a_deleted_ticket_never_comes_back_when_its_items_key_changed(
    store: StateStore, edited: list[Desired]
) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    del tracker.tickets["OPS-2"]
    made = plan(edited, tracker, store)
    assert [c.kind for c in made.changes if c.kind == "create"] == []
    [finding] = [f for f in made.findings if f.kind == "missing_ticket"]
    assert finding.message == (
        "OPS-2, this item's ticket, is gone from fake (deleted?); `syncer sync --recreate OPS-2` "
        "makes it again, else remove the item (state records the ticket of 'Make the payment "
        "client retry idempotently' in inc-7.md)"
    )


def test_after_state_loss_a_deleted_ticket_the_document_names_is_reported(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    sync(ITEMS, tracker, store)
    # Write-back recorded each item's ticket in the document; then state was lost and a person
    # deleted OPS-2.
    named = [
        d.model_copy(update={"refs": (tracker.tickets[f"OPS-{i}"].ref,)})
        for i, d in enumerate(ITEMS, start=1)
    ]
    del tracker.tickets["OPS-2"]
    made = plan(named, tracker, None)
    assert made.changes == ()
    [finding] = [f for f in made.findings if f.kind == "missing_ticket"]
    assert finding.message.startswith(
        "OPS-2 is named in the document but gone from fake (deleted?); "
        "`syncer sync --recreate OPS-2` makes it again"
    )
    policy = make_policy()
    recreated = plan_changes(
        named, tickets={"fake": tracker.list_managed()}, links={}, policy=policy, recreate={"OPS-2"}
    )
    assert [c.kind for c in recreated.changes] == ["create"]
    result = apply_plan(
        recreated,
        {"fake": tracker},
        store,
        pacer=Pacer({}, sleep=lambda _: None, clock=lambda: 0.0),
        now=fixed_now,
    )
    assert result.failed == 0
    # The document still names OPS-2; the new ticket carries the item's marker: nothing more.
    for links in (store.links(), {}):
        assert plan_changes(
            named, tickets={"fake": tracker.list_managed()}, links=links, policy=policy
        ).is_empty


def test_after_state_loss_without_evidence_a_create_says_so() -> None:
    tracker = FakeTracker()
    first = plan_changes(ITEMS[:2], tickets={"fake": []}, links={}, policy=make_policy())
    assert {c.reason for c in first.changes} == {"new action item"}
    tracker.add(
        Ticket(ref=TicketRef(system="jira", key="OPS-1"), title="x", item_key=ITEMS[0].item.key)
    )
    made = plan_changes(
        ITEMS[:2], tickets={"fake": tracker.list_managed()}, links={}, policy=make_policy()
    )
    [create] = [c for c in made.changes if c.kind == "create"]
    assert create.reason.startswith("new action item, as far as can be told: state holds no")


def test_adding_an_instance_adopts_the_tickets_state_links_and_only_those(
    store: StateStore,
) -> None:
    # Issue 17, defect 5: the new instance lists none of the tickets made under the default's
    # marker; they come as ``adoptable`` (the default installation's listing).
    earlier = FakeTracker()
    sync(ITEMS, earlier, store)
    renamed = [
        desired(d.item.title, incident=RENAMED, source="2026/x.md", done=d.item.done) for d in ITEMS
    ]
    for items in (ITEMS, renamed):
        made = plan_changes(
            items,
            tickets={"fake": []},
            links=store.links(),
            policy=make_policy(),
            adoptable={"fake": earlier.list_managed()},
        )
        assert [(c.kind, ref_key(c)) for c in made.changes] == [
            ("update", "OPS-1"),
            ("update", "OPS-2"),
            ("update", "OPS-3"),
        ]
        for change in writes(made):
            assert change.reason.startswith("adopted: ")
            assert {"labels", "body"} <= set(change.changed)  # they carry the new marker
    # Without state, a second installation on the same documents is as likely: its own
    # tickets, each saying which ticket the default installation holds.
    made = plan_changes(
        ITEMS,
        tickets={"fake": []},
        links={},
        policy=make_policy(),
        adoptable={"fake": earlier.list_managed()},
    )
    assert [c.kind for c in made.changes] == ["create"] * 3
    assert [f.kind for f in made.findings] == ["duplicate"] * 3
