"""Two desired items and the plan to create them on the in-memory tracker, for the apply tests."""

from __future__ import annotations

from syncer.core.plan import plan_changes
from syncer.model import Plan
from syncer.shell.apply import Pacer
from syncer.shell.state import StateStore
from tests.support.builders import desired, make_policy
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
