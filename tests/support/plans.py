"""Planning against the in-memory tracker: ``plan`` and ``sync`` for the planner's tests, two
desired items and the plan to create them for the apply tests."""

from __future__ import annotations

from collections.abc import Sequence

from syncer.core.desired import Desired
from syncer.core.plan import plan_changes
from syncer.model import Plan
from syncer.policy import SyncPolicy
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.state import StateStore
from tests.support.builders import desired, fixed_now, make_policy
from tests.support.fakes import FakeTracker

ITEMS = [desired("Add alerting on checkout queue depth"), desired("Pin the TLS library")]
NO_PACING = Pacer({}, sleep=lambda _: None, clock=lambda: 0.0)


def make_plan(tracker: FakeTracker, store: StateStore) -> Plan:
    return plan_changes(
        ITEMS,
        tickets={"fake": tracker.list_managed()},
        links=store.links(),
        policy=make_policy(),
    )


def plan(
    items: Sequence[Desired],
    tracker: FakeTracker,
    store: StateStore | None,
    policy: SyncPolicy | None = None,
) -> Plan:
    """Plan against the tracker, with the links in ``store`` (None: state was lost)."""
    listed = tracker.list_managed()
    known = {t.ref.key for t in listed}
    named = {r.key: r for d in items for r in d.refs if r.key not in known}
    return plan_changes(
        items,
        tickets={"fake": listed + tracker.fetch(list(named.values()))},
        links=store.links() if store else {},
        policy=policy or make_policy(),
    )


def sync(
    items: Sequence[Desired],
    tracker: FakeTracker,
    store: StateStore,
    policy: SyncPolicy | None = None,
) -> Plan:
    made = plan(items, tracker, store, policy)
    pacer = Pacer({}, sleep=lambda _: None, clock=lambda: 0.0)
    result = apply_plan(made, {"fake": tracker}, store, pacer=pacer, now=fixed_now)
    assert result.failed == 0
    return made
