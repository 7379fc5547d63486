"""The planner's document edits (write-back) and two-way status, with the in-memory tracker."""

from __future__ import annotations

from syncer.core.desired import Desired
from syncer.model import CloseChange, CreateChange, ItemEdit, Plan, Resolution
from syncer.policy import SyncPolicy, WriteBackPolicy
from syncer.shell.state import StateStore
from tests.support.builders import desired, make_policy
from tests.support.fakes import FakeTracker
from tests.support.plans import plan, sync


def policy(**options: bool) -> SyncPolicy:
    return make_policy().model_copy(
        update={"write_back": WriteBackPolicy(enabled=options.pop("enabled", True), **options)}
    )


def edits(made: Plan) -> list[ItemEdit]:
    return [edit for document in made.edits for edit in document.edits]


def close_by_hand(tracker: FakeTracker, key: str, resolution: Resolution = "done") -> None:
    ticket = tracker.tickets[key]
    tracker.tickets[key] = ticket.model_copy(update={"done": True, "resolution": resolution})


def ticked(item: Desired, *, wont_do: bool = False) -> Desired:
    return desired(item.item.title, done=not wont_do, wont_do=wont_do)


ALERTING = desired("Add alerting on checkout queue depth")
RETRY = desired("Make the payment client retry idempotently", line=11)


def test_no_edits_unless_enabled(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    close_by_hand(tracker, "OPS-1")
    assert plan([ALERTING], tracker, store, make_policy()).edits == ()


def test_new_items_get_the_link_of_the_ticket_their_create_makes(store: StateStore) -> None:
    made = plan([ALERTING, RETRY], FakeTracker(), store, policy())
    assert [d.source for d in made.edits] == ["inc-7.md"]
    assert [(e.item_key, e.link, e.link_created, e.line) for e in edits(made)] == [
        (ALERTING.item.key, None, True, 10),
        (RETRY.item.key, None, True, 11),
    ]


def test_items_without_a_link_get_their_ticket(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    made = plan([ALERTING], tracker, store, policy())
    assert made.changes == ()
    assert [(e.link.key if e.link else None, e.status) for e in edits(made)] == [("OPS-1", None)]


def test_a_ticket_closed_in_the_tracker_ticks_the_item(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING, RETRY], tracker, store)
    close_by_hand(tracker, "OPS-1")
    close_by_hand(tracker, "OPS-2", "wont_do")
    made = plan([ALERTING, RETRY], tracker, store, policy())
    assert made.changes == ()  # nothing reopened
    assert [(e.item_key, e.status) for e in edits(made)] == [
        (ALERTING.item.key, "done"),
        (RETRY.item.key, "wont_do"),
    ]
    assert "OPS-2 was closed as won't do" in edits(made)[1].reason


def test_status_to_the_document_can_be_switched_off(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    close_by_hand(tracker, "OPS-1")
    made = plan([ALERTING], tracker, store, policy(status_to_document=False))
    assert [e.status for e in edits(made)] == [None]  # the link only


def test_an_item_ticked_in_the_document_closes_its_ticket(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    made = sync([ticked(ALERTING)], tracker, store, policy())
    assert [c.kind for c in made.changes] == ["close"]
    assert all(e.status is None for e in edits(made))
    assert tracker.tickets["OPS-1"].resolution == "done"


def test_an_item_marked_wont_do_closes_its_ticket_as_wont_do(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    made = sync([ticked(ALERTING, wont_do=True)], tracker, store, policy())
    (close,) = made.changes
    assert isinstance(close, CloseChange)
    assert close.fields.wont_do
    assert tracker.tickets["OPS-1"].resolution == "wont_do"


def test_closing_from_the_document_can_be_switched_off(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    made = plan([ticked(ALERTING)], tracker, store, policy(status_to_tracker=False))
    assert made.changes == ()


def test_both_sides_changed_is_a_conflict_and_neither_status_is_written(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    sync([ALERTING, RETRY], tracker, store)
    close_by_hand(tracker, "OPS-1", "wont_do")
    made = plan([ticked(ALERTING), RETRY], tracker, store, policy())
    assert [c for c in made.changes if c.item_key == ALERTING.item.key] == []
    # Links only: no status goes into the document either.
    assert [(e.item_key, e.status) for e in edits(made)] == [
        (ALERTING.item.key, None),
        (RETRY.item.key, None),
    ]
    (conflict,) = [f for f in made.findings if f.kind == "conflict"]
    assert conflict.item_key == ALERTING.item.key
    assert "done in the document, won't do in OPS-1 (was open)" in conflict.message
    # The item keeps its ticket (the report shows it there, with the conflict).
    assert made.placements()[ALERTING.item.key].ref.key == "OPS-1"


def test_a_status_conflict_holds_the_status_only(store: StateStore) -> None:
    # Found by the soak: ticked in the document while a person closed the ticket as won't
    # do, then reworded. The rewording never reached the ticket while the conflict lasted.
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    close_by_hand(tracker, "OPS-1", "wont_do")
    reworded = desired(ALERTING.item.title + " and paging", done=True)
    sync([reworded], tracker, store, policy())
    ticket = tracker.tickets["OPS-1"]
    assert ticket.title == reworded.item.title
    assert (ticket.done, ticket.resolution) == (True, "wont_do")
    again = plan([reworded], tracker, store, policy())
    assert again.changes == ()
    (conflict,) = [f for f in again.findings if f.kind == "conflict"]
    assert conflict.ref is not None
    assert conflict.ref.key == "OPS-1"
    # Until the two sides agree: unticked in the document, the person's won't do stands.
    agreed = plan([desired(reworded.item.title)], tracker, store, policy())
    assert agreed.changes == ()
    assert not [f for f in agreed.findings if f.kind == "conflict"]


def test_both_sides_agreeing_is_no_conflict(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    close_by_hand(tracker, "OPS-1")
    made = plan([ticked(ALERTING)], tracker, store, policy())
    assert not [f for f in made.findings if f.kind == "conflict"]
    assert all(e.status is None for e in edits(made))


def test_items_naming_a_ticket_get_no_link(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    named = desired(ALERTING.item.title, refs=(tracker.tickets["OPS-1"].ref,))
    made = plan([named], tracker, store, policy())
    assert edits(made) == []


def test_syncers_own_close_resolution_is_neither_a_conflict_nor_written_back(
    store: StateStore,
) -> None:
    # close_resolution = "Won't Do": the ticket syncer closed reads as closed as won't do.
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    sync([ticked(ALERTING)], tracker, store, policy())
    close_by_hand(tracker, "OPS-1", "wont_do")
    assert [e.status for e in edits(plan([ticked(ALERTING)], tracker, store, policy()))] == [None]
    reopened = plan([ALERTING], tracker, store, policy())
    assert [c.kind for c in reopened.changes] == ["reopen"]
    assert not [f for f in reopened.findings if f.kind == "conflict"]


def test_a_group_tracking_issue_is_not_written_into_its_items(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    group = tracker.tickets["OPS-1"].ref
    tracked = desired("Rotate the signing keys", refs=(group,), line=12)
    tracked = tracked.model_copy(
        update={"item": tracked.item.model_copy(update={"group_tracked": True})}
    )
    close_by_hand(tracker, "OPS-1")
    made = plan([ALERTING, tracked], tracker, store, policy())
    assert [(e.link, e.status) for e in edits(made) if e.item_key == tracked.item.key] == [
        (None, "done")
    ]


def test_a_reworded_item_naming_its_ticket_keeps_and_retitles_it(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING, RETRY], tracker, store)
    ref = tracker.tickets["OPS-1"].ref
    reworded = desired("Page on-call when the checkout queue backs up", refs=(ref,))
    made = plan([reworded, RETRY], tracker, store, policy())
    kinds = sorted((c.kind, c.ref.key) for c in made.changes if not isinstance(c, CreateChange))
    assert kinds == [("comment", "OPS-1"), ("update", "OPS-1")]
    assert not [c for c in made.changes if isinstance(c, CreateChange)]


def test_an_item_naming_another_present_items_ticket_only_links_it(store: StateStore) -> None:
    tracker = FakeTracker()
    sync([ALERTING, RETRY], tracker, store)
    ref = tracker.tickets["OPS-1"].ref
    other = desired("Page on-call when the checkout queue backs up", refs=(ref,), line=12)
    made = plan([ALERTING, RETRY, other], tracker, store, policy())
    assert [(c.kind, c.item_key) for c in made.changes] == [("link", other.item.key)]


def test_a_ticket_closed_by_a_person_is_not_reopened_when_the_document_does_not_close(
    store: StateStore,
) -> None:
    # With close_from_document off, status travels only from tracker to document: a ticket a
    # person closed was planned as a reopen "no longer marked done in the document" (found by
    # the configuration-key probes).
    tracker = FakeTracker()
    sync([ALERTING], tracker, store)
    close_by_hand(tracker, "OPS-1")
    made = plan([ALERTING], tracker, store, policy(enabled=False, status_to_tracker=False))
    assert made.changes == ()
