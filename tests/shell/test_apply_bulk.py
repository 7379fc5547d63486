"""Bulk creates in apply: one request per batch, and the create protocol kept for each item."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from syncer.core.desired import Desired
from syncer.core.plan import plan_changes
from syncer.errors import StateError
from syncer.model import Plan
from syncer.outcome import ApplyResult
from syncer.shell.apply import NOT_ATTEMPTED, Pacer, apply_plan
from syncer.shell.state import StateStore
from tests.support.builders import desired, fixed_now, make_policy
from tests.support.fakes import FakeTracker

NO_PACING = Pacer({}, sleep=lambda _: None, clock=lambda: 0.0)
ITEMS = [desired(f"Follow-up number {n}", line=10 + n) for n in range(75)]
LATER = timedelta(minutes=10)


def plan_for(items: list[Desired], tracker: FakeTracker, store: StateStore) -> Plan:
    return plan_changes(
        items, tickets={"fake": tracker.list_managed()}, links=store.links(), policy=make_policy()
    )


def apply(
    tracker: FakeTracker,
    store: StateStore,
    *,
    items: list[Desired] = ITEMS,
    later: timedelta = timedelta(),
    stop: Callable[[], bool] | None = None,
) -> ApplyResult:
    return apply_plan(
        plan_for(items, tracker, store),
        {"fake": tracker},
        store,
        pacer=NO_PACING,
        now=lambda: fixed_now() + later,
        search_lag={"fake": timedelta(minutes=5)},
        stop=stop,
    )


def tickets_per_item(tracker: FakeTracker) -> Counter[str | None]:
    return Counter(t.item_key for t in tracker.tickets.values())


def test_creates_go_out_fifty_a_request(store: StateStore) -> None:
    tracker = FakeTracker(bulk=50)
    result = apply(tracker, store)
    assert [o.status for o in result.outcomes] == ["done"] * 75
    assert tracker.writes == ["create_many 50", "create_many 25"]
    assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in ITEMS})
    links = store.links()
    assert all(links[d.item.key].status == "managed" for d in ITEMS)
    assert plan_for(ITEMS, tracker, store).is_empty


def test_a_lost_bulk_answer_is_adopted_by_one_search_without_a_duplicate(store: StateStore) -> None:
    tracker = FakeTracker(bulk=50, fail_next=[(True, True)])  # made, but the answer was lost
    result = apply(tracker, store)
    statuses = Counter(o.status for o in result.outcomes)
    assert statuses == Counter({"recovered": 50, "done": 25})
    assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in ITEMS})
    assert plan_for(ITEMS, tracker, store).is_empty


def test_an_ambiguous_bulk_failure_that_made_nothing_stays_pending_then_creates_once(
    store: StateStore,
) -> None:
    tracker = FakeTracker(bulk=50, fail_next=[(False, True)])  # a 502: nothing was made
    result = apply(tracker, store)
    assert Counter(o.status for o in result.outcomes) == Counter({"failed": 50, "done": 25})
    failed = [o.change.item_key for o in result.outcomes if o.status == "failed"]
    assert {store.links()[key].status for key in failed} == {"pending"}
    # Right after, the lookup proves nothing (search lag): wait, send nothing.
    waited = apply(tracker, store)
    assert {o.status for o in waited.outcomes} == {"deferred"}
    assert len(tracker.tickets) == 25
    # Later, each pending item is looked up first, then created once.
    apply(tracker, store, later=LATER)
    assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in ITEMS})
    assert plan_for(ITEMS, tracker, store).is_empty


def test_a_bulk_create_refused_outright_leaves_nothing_pending(store: StateStore) -> None:
    tracker = FakeTracker(bulk=50, fail_next=[(False, False)])  # a 400 for the whole request
    result = apply(tracker, store, items=ITEMS[:10])
    assert {o.status for o in result.outcomes} == {"failed"}
    assert {store.links()[d.item.key].status for d in ITEMS[:10]} == {"failed"}
    apply(tracker, store, items=ITEMS[:10])
    assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in ITEMS[:10]})


def test_an_entry_refused_for_its_assignee_is_created_unassigned_on_its_own(
    store: StateStore,
) -> None:
    items = [
        desired("Rotate the keys", assignee="alice"),
        desired("Pin the TLS library", assignee="mallory"),
        desired("Add alerting", assignee="alice"),
    ]
    tracker = FakeTracker(bulk=50, assignable={"alice"})
    result = apply(tracker, store, items=items)
    assert [o.status for o in result.outcomes] == ["done"] * 3
    assert tracker.writes == ["create_many 3", f"create {items[1].item.key}"]
    assert [f.kind for f in result.findings] == ["unknown_owner"]
    assignees = {t.item_key: t.assignee for t in tracker.tickets.values()}
    assert assignees[items[1].item.key] is None
    assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in items})
    assert plan_for(items, tracker, store).is_empty


def test_a_stop_between_two_creates_cuts_the_batch_there(store: StateStore) -> None:
    asked = 0

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > 30

    tracker = FakeTracker(bulk=50)
    result = apply(tracker, store, stop=stop)
    statuses = [o.status for o in result.outcomes]
    assert statuses == ["done"] * 30 + ["deferred"] * 45
    assert {o.error for o in result.outcomes[30:]} == {NOT_ATTEMPTED}
    assert tracker.writes == ["create_many 30"]
    assert len(tracker.tickets) == 30


class VanishingStore(StateStore):
    """State whose database goes away after ``recorded`` links were recorded (a PostgreSQL
    failover in the middle of recording a bulk create's answers)."""

    def __init__(self, path: Path, *, recorded: int) -> None:
        super().__init__(path)
        self.left = recorded

    def record_link(self, key: str, **kwargs: Any) -> None:
        if self.left == 0:
            raise StateError(f"{self.label}: cannot write state: the server went away")
        self.left -= 1
        super().record_link(key, **kwargs)


def test_state_lost_mid_batch_reports_which_items_got_tickets_and_never_duplicates(
    tmp_path: Path,
) -> None:
    tracker = FakeTracker(bulk=50)
    items = ITEMS[:10]
    with VanishingStore(tmp_path / "state.db", recorded=4) as store:
        result = apply(tracker, store, items=items)
    # All ten were made by the one request; four were recorded before state went away.
    assert result.state_lost is not None
    assert "the server went away" in result.state_lost
    assert [o.status for o in result.outcomes] == ["done"] * 10
    made = {t.item_key: t.ref for t in tracker.tickets.values()}
    assert {o.change.item_key: o.ref for o in result.outcomes} == made
    assert tracker.writes == ["create_many 10"]
    # The next run finds the six unrecorded tickets and makes none.
    with StateStore(tmp_path / "state.db") as store:
        assert Counter(link.status for link in store.links().values()) == Counter(
            {"managed": 4, "pending": 6}
        )
        again = apply(tracker, store, items=items, later=LATER)
        assert again.outcomes == ()  # each found by the key its ticket carries: in step
        assert {link.status for link in store.links().values()} == {"managed"}
        assert tickets_per_item(tracker) == Counter({d.item.key: 1 for d in items})
        assert plan_for(items, tracker, store).is_empty
