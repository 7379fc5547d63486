"""``apply_plan``'s stop: asked between changes; what it leaves is reported, never half-done."""

from __future__ import annotations

from syncer.shell.apply import NOT_ATTEMPTED, apply_plan
from syncer.shell.state import StateStore
from tests.support.builders import fixed_now
from tests.support.fakes import FakeTracker
from tests.support.plans import ITEMS, NO_PACING, make_plan


def test_a_stop_after_the_first_change_leaves_the_rest_not_attempted(store: StateStore) -> None:
    tracker = FakeTracker()
    asked: list[int] = []

    def stop() -> bool:
        asked.append(len(tracker.tickets))
        return len(tracker.tickets) >= 1  # a signal arrived during the first create

    result = apply_plan(
        make_plan(tracker, store), {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now,
        stop=stop,
    )  # fmt: skip
    assert asked == [0, 1]  # once before each change
    assert [(o.status, o.error) for o in result.outcomes] == [
        ("done", None),
        ("deferred", NOT_ATTEMPTED),
    ]
    assert len(tracker.tickets) == 1
    first, second = (store.link(item.item.key) for item in ITEMS)
    assert first is not None
    assert first.status == "managed"
    assert second is None  # state says nothing of what was not attempted
    # The next run does the rest, and only the rest.
    again = apply_plan(
        make_plan(tracker, store), {"fake": tracker}, store, pacer=NO_PACING, now=fixed_now
    )
    assert [o.status for o in again.outcomes] == ["done"]
    assert len(tracker.tickets) == 2
    assert make_plan(tracker, store).is_empty
