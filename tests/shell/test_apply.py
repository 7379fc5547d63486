"""The create protocol and failure handling of apply, with the in-memory tracker."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

import pytest

from syncer.core.desired import Desired
from syncer.core.plan import plan_changes
from syncer.errors import TrackerError, TrackerUnavailableError
from syncer.model import (
    CloseChange,
    CommentChange,
    Plan,
    ReopenChange,
    Ticket,
    TicketFields,
    TicketRef,
    Written,
)
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.state import StateStore
from syncer.shell.trackers.base import TRANSITION_NOTES
from tests.support.builders import desired, fixed_now, make_policy
from tests.support.fakes import FakeTracker
from tests.support.plans import ITEMS, NO_PACING, make_plan

SEARCH_LAG = timedelta(minutes=5)


def make_plan_of(items: Sequence[Desired], tracker: FakeTracker, store: StateStore) -> Plan:
    return plan_changes(
        items, tickets={"fake": tracker.list_managed()}, links=store.links(), policy=make_policy()
    )


def run(
    tracker: FakeTracker, store: StateStore, *, later: timedelta = timedelta()
) -> tuple[int, int]:
    result = apply_plan(
        make_plan(tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=lambda: fixed_now() + later,
        search_lag={"fake": SEARCH_LAG},
    )
    return len(result.outcomes), result.failed


def test_a_lost_response_after_a_create_is_recovered_without_a_duplicate(store: StateStore) -> None:
    tracker = FakeTracker(fail_next=[(True, True)])  # written, but the answer never came
    result = apply_plan(
        make_plan(tracker, store), {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now
    )
    assert [o.status for o in result.outcomes] == ["recovered", "done"]
    assert len(tracker.tickets) == 2
    link = store.link(ITEMS[0].item.key)
    assert link is not None
    assert link.status == "managed"
    assert link.ref is not None
    assert make_plan(tracker, store).is_empty


def test_an_ambiguous_failure_that_wrote_nothing_stays_pending_then_creates_once(
    store: StateStore,
) -> None:
    tracker = FakeTracker(fail_next=[(False, True)])
    assert run(tracker, store) == (2, 1)
    link = store.link(ITEMS[0].item.key)
    assert link is not None
    assert link.status == "pending"
    assert link.last_error
    second = make_plan(tracker, store)
    assert next(c.reason for c in second.changes).startswith("a create sent by an earlier run")
    # Soon after, the lookup proves nothing (a search index may lag): wait, send nothing.
    result = apply_plan(
        second,
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
        search_lag={"fake": SEARCH_LAG},
    )
    assert [o.status for o in result.outcomes] == ["deferred"]
    assert tracker.writes.count(f"create {ITEMS[0].item.key}") == 1
    # Once the grace has passed, a miss means the create never happened: send it again.
    assert run(tracker, store, later=SEARCH_LAG + timedelta(seconds=1)) == (1, 0)
    assert len(tracker.tickets) == 2
    assert tracker.writes.count(f"create {ITEMS[0].item.key}") == 2  # one lost, one real


def test_a_pending_create_found_on_the_tracker_is_adopted_not_sent_again(
    store: StateStore,
) -> None:
    tracker = FakeTracker()
    key = ITEMS[0].item.key
    plan = make_plan(tracker, store)
    # The process died after the server created the ticket but before state heard of it,
    # and the tracker's listing does not show it yet (Jira's search index lags).
    store.mark_pending(key, tracker="fake", source="inc-7.md", now=fixed_now())
    tracker.create(key, ITEMS[0].fields)
    tracker.writes.clear()
    result = apply_plan(plan, {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now)
    assert [o.status for o in result.outcomes] == ["recovered", "done"]
    assert tracker.writes == [f"create {ITEMS[1].item.key}"]
    assert len(tracker.tickets) == 2


def test_a_refused_create_leaves_state_claiming_nothing(store: StateStore) -> None:
    tracker = FakeTracker(fail_next=[(False, False)])
    assert run(tracker, store) == (2, 1)
    link = store.link(ITEMS[0].item.key)
    assert link is not None
    assert link.status == "failed"
    assert link.ref is None
    assert link.last_error == "fake: injected failure"
    assert run(tracker, store) == (1, 0)
    assert len(tracker.tickets) == 2


class DownTracker(FakeTracker):
    def create(self, key: str, fields: TicketFields, *, written: Written | None = None) -> Ticket:
        self.writes.append(f"create {key}")
        raise TrackerUnavailableError(self.name, "unreachable")


def test_an_unavailable_tracker_fails_its_changes_without_more_requests(
    store: StateStore,
) -> None:
    tracker = DownTracker()
    result = apply_plan(
        make_plan(tracker, store), {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now
    )
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert len(tracker.writes) == 1


def test_the_pacer_spaces_writes_of_one_tracker() -> None:
    slept: list[float] = []
    clock = iter([0.0, 0.25, 1.0, 5.0, 5.0]).__next__
    pacer = Pacer({"fake": 1.0}, sleep=slept.append, clock=clock)
    pacer.wait("fake")
    pacer.wait("fake")
    pacer.wait("fake")
    assert slept == [0.75]


def test_an_item_already_done_gets_a_closed_ticket(store: StateStore) -> None:
    tracker = FakeTracker()
    done = [desired("Roll back the bad deploy", done=True)]
    made = plan_changes(done, tickets={"fake": []}, links={}, policy=make_policy())
    result = apply_plan(made, {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now)
    assert [o.status for o in result.outcomes] == ["done"]
    assert tracker.writes == [f"create {done[0].item.key}", "update OPS-1 done"]
    assert tracker.tickets["OPS-1"].done


def test_a_failed_close_after_create_is_retried_next_run(store: StateStore) -> None:
    done = [desired("Roll back the bad deploy", done=True)]
    made = plan_changes(done, tickets={"fake": []}, links={}, policy=make_policy())

    class CloseFails(FakeTracker):
        def update(
            self,
            ref: TicketRef,
            fields: TicketFields,
            *,
            changed: Collection[str],
            key: str | None = None,
            written: Written | None = None,
        ) -> Ticket:
            raise TrackerError(self.name, "transition refused")

    flaky = CloseFails()
    result = apply_plan(made, {"fake": flaky}, store, pacer=NO_PACING, now=fixed_now)
    assert [o.status for o in result.outcomes] == ["failed"]
    again = plan_changes(
        done, tickets={"fake": flaky.list_managed()}, links=store.links(), policy=make_policy()
    )
    assert [c.kind for c in again.changes] == ["close"]


class CommentFails(FakeTracker):
    def comment(self, ref: TicketRef, text: str) -> None:
        self.writes.append(f"comment {ref.key}")
        raise TrackerError(self.name, "comments are disabled")


def first_item(*, done: bool) -> Desired:
    """The first of ``ITEMS``, ticked or not."""
    fields = ITEMS[0].fields.model_copy(update={"done": done})
    return ITEMS[0].model_copy(update={"fields": fields})


@pytest.mark.parametrize("state", ["kept", "lost"])
@pytest.mark.parametrize("tick", [True, False])
@pytest.mark.parametrize(
    "lost",
    [
        [(True, True)],  # the transition took effect but its answer was lost
        [(False, True)],  # the comment POST answered 502
        [(False, False)],  # the comment POST was refused (429 and the like)
    ],
)
def test_a_close_or_reopen_whose_comment_failed_is_completed_next_run(
    store: StateStore, state: str, tick: bool, lost: list[tuple[bool, bool]]
) -> None:
    tracker = FakeTracker()
    start = [first_item(done=not tick)]
    apply_plan(
        make_plan_of(start, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    moved = [first_item(done=tick)]
    if lost == [(True, True)]:
        tracker.fail_next = list(lost)
    else:
        tracker.fail_comment = list(lost)
    result = apply_plan(
        make_plan_of(moved, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    assert [(o.change.kind, o.status) for o in result.outcomes] == [
        ("close" if tick else "reopen", "failed")
    ]
    assert tracker.tickets["OPS-1"].done is tick  # the transition happened
    links = store.links() if state == "kept" else {}
    again = plan_changes(
        moved, tickets={"fake": tracker.list_managed()}, links=links, policy=make_policy()
    )
    assert [(c.kind, getattr(c, "changed", ())) for c in again.changes] == [
        ("close" if tick else "reopen", ("done",))
    ]
    # The baseline went with the transition (``unsaid``): only the comment is owed, and it says
    # that syncer made the transition (not that the ticket "was already so").
    (owed,) = again.changes
    assert isinstance(owed, CloseChange | ReopenChange)
    assert owed.comment_owed
    writes_before = len(tracker.writes)
    result = apply_plan(again, {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now)
    assert result.failed == 0
    assert tracker.writes[writes_before:] == [
        "update OPS-1 done",
        "comment OPS-1",
        "remember OPS-1",
    ]
    (comment,) = tracker.comments["OPS-1"]
    assert comment.startswith(TRANSITION_NOTES[tick])
    for links in (store.links(), {}):
        assert plan_changes(
            moved, tickets={"fake": tracker.list_managed()}, links=links, policy=make_policy()
        ).is_empty


def test_a_comment_change_comments_and_touches_nothing_else(store: StateStore) -> None:
    tracker = FakeTracker()
    run(tracker, store)
    ticket = tracker.list_managed()[0]
    assert ticket.item_key is not None
    before = store.links()
    change = CommentChange(
        tracker="fake",
        item_key=ticket.item_key,
        source="inc-7.md",
        ref=ticket.ref,
        text="the post-mortem asks for an owner",
        reason="asked for",
    )
    result = apply_plan(
        Plan(changes=(change,)), {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now
    )
    assert [(o.status, o.ref) for o in result.outcomes] == [("done", ticket.ref)]
    assert tracker.comments[ticket.ref.key] == ["the post-mortem asks for an owner"]
    assert tracker.writes[-1] == f"comment {ticket.ref.key}"
    assert store.links() == before


@pytest.mark.parametrize("state", ["kept", "lost"])
def test_an_owner_the_tracker_refuses_gets_an_unassigned_ticket_and_a_finding(
    store: StateStore, state: str
) -> None:
    tracker = FakeTracker(assignable={"acc-alice"})
    items = [desired("Pin the TLS library", assignee="acc-mallory"), ITEMS[0]]
    result = apply_plan(
        make_plan_of(items, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    assert result.failed == 0
    assert [(f.kind, f.item_key) for f in result.findings] == [("unknown_owner", items[0].item.key)]
    assert "'acc-mallory'" in result.findings[0].message
    [ticket] = [t for t in tracker.tickets.values() if t.title == "Pin the TLS library"]
    assert ticket.assignee is None
    links = store.links() if state == "kept" else {}
    again = plan_changes(
        items, tickets={"fake": tracker.list_managed()}, links=links, policy=make_policy()
    )
    assert again.is_empty  # not tried again on every run; validate --check-trackers reports it
    # The owner map fixed: the new account is written.
    fixed = [desired("Pin the TLS library", assignee="acc-alice"), ITEMS[0]]
    made = plan_changes(
        fixed, tickets={"fake": tracker.list_managed()}, links=links, policy=make_policy()
    )
    assert [(c.kind, getattr(c, "changed", ())) for c in made.changes] == [
        ("update", ("assignee",))
    ]


def test_an_update_to_a_refused_owner_writes_the_rest(store: StateStore) -> None:
    tracker = FakeTracker(assignable={"acc-alice"})
    items = [desired("Pin the TLS library", assignee="acc-alice")]
    apply_plan(
        make_plan_of(items, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    moved = [desired("Pin the TLS library", assignee="acc-mallory", done=True)]
    result = apply_plan(
        make_plan_of(moved, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    assert [(o.change.kind, o.status) for o in result.outcomes] == [("close", "done")]
    assert [f.kind for f in result.findings] == ["unknown_owner"]
    [ticket] = tracker.tickets.values()
    assert (ticket.assignee, ticket.done) == ("acc-alice", True)
    assert make_plan_of(moved, tracker, store).is_empty


def test_a_reworded_comment_waits_for_its_write(store: StateStore) -> None:
    tracker = FakeTracker()
    apply_plan(
        make_plan_of(ITEMS, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    reworded = [desired("Add alerting on the checkout queue's depth"), ITEMS[1]]
    made = make_plan_of(reworded, tracker, store)
    assert [c.kind for c in made.changes] == ["update", "comment"]
    tracker.fail_next = [(False, False)]
    result = apply_plan(made, {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now)
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert tracker.comments == {}  # never says "reworded" of a ticket still showing the old title
    again = make_plan_of(reworded, tracker, store)
    assert [c.kind for c in again.changes] == ["update", "comment"]
    assert apply_plan(again, {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now).failed == 0
    assert len(tracker.comments["OPS-1"]) == 1


@pytest.mark.parametrize("tick", [True, False])
@pytest.mark.parametrize(
    "fails",
    [
        {"fail_comment": [(True, True)]},  # the comment was posted, its answer lost
        {"fail_remember": [(False, False)]},  # the written copy got a 429
        {"fail_remember": [(False, True)]},  # ... or a 502
        {"fail_remember": [(False, True), (False, False), (False, True)]},  # again and again
    ],
)
def test_a_transition_is_commented_at_most_once_whatever_fails_after_the_comment(
    store: StateStore, tick: bool, fails: dict[str, list[tuple[bool, bool]]]
) -> None:
    # Issue 17, defect 2: one ticket got "syncer closed this issue" five times.
    tracker = FakeTracker()
    start = [first_item(done=not tick)]
    apply_plan(
        make_plan_of(start, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=fixed_now,
    )
    before = list(tracker.comments.get("OPS-1", []))
    moved = [first_item(done=tick)]
    for name, value in fails.items():
        setattr(tracker, name, list(value))
    for _ in range(5):
        apply_plan(
            make_plan_of(moved, tracker, store),
            {"fake": tracker},
            store,
            pacer=NO_PACING,
            now=fixed_now,
        )
    assert tracker.tickets["OPS-1"].done is tick
    verb = "closed" if tick else "reopened"
    assert tracker.comments["OPS-1"][len(before) :] == [
        f"syncer {verb} this issue: the post-mortem `inc-7.md` "
        f"{'marks' if tick else 'no longer marks'} it done."
    ]
    for links in (store.links(), {}):
        assert plan_changes(
            moved, tickets={"fake": tracker.list_managed()}, links=links, policy=make_policy()
        ).is_empty
