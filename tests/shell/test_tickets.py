"""Incremental reads of the managed tickets: the real adapters and clients against the sandbox.

One clock drives both the sandbox and syncer, so ``updated``/``since`` questions are exact. What a
person changes in the tracker between two cycles (retitle, reassign, close, reopen) is seen by the
next cycle; a deleted ticket by the next full listing; a quiet cycle costs one request; a failed
read moves nothing, so the change is seen by the cycle after.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest

from syncer.commands import demo
from syncer.config import Config, load_config
from syncer.errors import TrackerError
from syncer.model import TicketFields
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from syncer.shell.state import StateStore
from syncer.shell.state.sqlite import SqliteBackend
from syncer.shell.tickets import TicketRead, read_managed
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import ChangedTickets, Tracker
from tests.support.fakes import FakeTracker

KINDS = ("jira-cloud", "jira-server", "github")
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Clock:
    drifting = "drifts" in request.node.name
    return DriftingClock() if drifting else Clock()


@pytest.fixture
def sandbox(kind: str, clock: Clock) -> Iterator[Sandbox]:
    flavor: Literal["cloud", "server"] = "server" if kind == "jira-server" else "cloud"
    with Sandbox(
        flavor, jira_projects=("OPS",), github_repos=("acme/platform",), clock=clock
    ) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox) -> Config:
    accounts = {p: jira_account_id(p) if sandbox.flavor == "cloud" else p for p in demo.PEOPLE}
    text = demo.sandbox_config(
        sandbox.url,
        flavor=sandbox.flavor,
        project="OPS",
        repository="acme/platform",
        jira_accounts=accounts,
        jira_email=sandbox.jira_email,
    )
    (tmp_path / "syncer.toml").write_text(text)
    environ = demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor=sandbox.flavor,
    )
    return load_config(tmp_path / "syncer.toml", environ=environ)


@pytest.fixture
def tracker(config: Config, kind: str) -> Iterator[Tracker]:
    name = demo.GITHUB_TRACKER if kind == "github" else demo.JIRA_TRACKER
    opened = open_trackers(config)[name]
    yield opened
    opened.close()


@pytest.fixture
def store() -> Iterator[StateStore]:
    with StateStore(SqliteBackend.memory(label="test")) as opened:
        yield opened


def account(sandbox: Sandbox, kind: str, person: str) -> str:
    return jira_account_id(person) if kind == "jira-cloud" else person


def read(
    tracker: Tracker, store: StateStore, clock: Clock, *, full: bool = False
) -> tuple[TicketRead, dict[str, tuple[str, str | None, bool]]]:
    done = read_managed(tracker, store, name=tracker.name, now=clock(), full=full)
    return done, {t.item_key or "?": (t.title, t.assignee, t.done) for t in done.tickets}


def seed(tracker: Tracker, sandbox: Sandbox, kind: str) -> dict[str, str]:
    """Four managed tickets, a to d; item key -> ticket key."""
    refs = {}
    for key in ("inc-1.a", "inc-1.b", "inc-1.c", "inc-1.d"):
        fields = TicketFields(
            title=f"Item {key}", body="Why.", assignee=account(sandbox, kind, "alice")
        )
        refs[key] = tracker.create(key, tracker.render(fields)).ref.key
    return refs


def edit(tracker: Tracker, ref: str, **values: object) -> None:
    """A person's edit through the API (as far as the tracker can tell, anyone's)."""
    [ticket] = [t for t in tracker.list_managed() if t.ref.key == ref]
    fields = TicketFields(
        title=ticket.title, body=ticket.body, assignee=ticket.assignee, done=ticket.done
    ).model_copy(update=values)
    tracker.update(ticket.ref, fields, changed=tuple(values))


def test_changes_between_cycles_are_seen_by_the_next_cycle_and_deletes_by_the_next_full(
    tracker: Tracker, store: StateStore, sandbox: Sandbox, kind: str, clock: Clock
) -> None:
    refs = seed(tracker, sandbox, kind)
    clock.advance(minutes=1)
    first, seen = read(tracker, store, clock)
    assert first.full
    assert len(seen) == 4
    edit(tracker, refs["inc-1.c"], done=True)  # closed before the gap, reopened in it
    clock.advance(minutes=15)

    # A quiet cycle: one request (on GitHub a conditional one: once an answer came back empty,
    # the question stays the same and the answer is a free 304).
    for _ in range(3):
        sandbox.clear_requests()
        quiet, again = read(tracker, store, clock)
        assert not quiet.full
        assert again == seen | {"inc-1.c": (seen["inc-1.c"][0], seen["inc-1.c"][1], True)}
        assert len(sandbox.requests) == 1
        clock.advance(minutes=15)
    if kind == "github":
        assert sandbox.requests[0].status == 304

    edit(tracker, refs["inc-1.a"], title="Item a, retitled")
    edit(tracker, refs["inc-1.b"], assignee=account(sandbox, kind, "bob"))
    edit(tracker, refs["inc-1.c"], done=False)
    if kind == "github":
        sandbox.close_github_issue("acme/platform", int(refs["inc-1.d"].rsplit("#", 1)[1]))
    else:
        sandbox.close_jira_issue(refs["inc-1.d"])
    clock.advance(minutes=15)
    sandbox.clear_requests()
    changed, now_seen = read(tracker, store, clock)
    assert not changed.full
    assert len(sandbox.requests) == 1
    assert now_seen == {
        "inc-1.a": ("Item a, retitled", seen["inc-1.a"][1], False),
        "inc-1.b": (seen["inc-1.b"][0], account(sandbox, kind, "bob"), False),
        "inc-1.c": (seen["inc-1.c"][0], seen["inc-1.c"][1], False),
        "inc-1.d": (seen["inc-1.d"][0], seen["inc-1.d"][1], True),
    }

    # A delete cannot be seen by a changes question; the next full listing sees it.
    if kind == "github":
        sandbox.delete_github_issue("acme/platform", int(refs["inc-1.a"].rsplit("#", 1)[1]))
    else:
        sandbox.delete_jira_issue(refs["inc-1.a"])
    clock.advance(minutes=15)
    _, incremental = read(tracker, store, clock)
    assert "inc-1.a" in incremental
    clock.advance(minutes=15)
    full, listed = read(tracker, store, clock, full=True)
    assert full.full
    assert full.last_full == clock()
    assert set(listed) == {"inc-1.b", "inc-1.c", "inc-1.d"}
    clock.advance(minutes=15)
    after, kept = read(tracker, store, clock)
    assert not after.full
    assert after.last_full == full.last_full
    assert kept == listed


def test_a_full_listing_is_due_daily_and_after_state_loss(
    tracker: Tracker, store: StateStore, sandbox: Sandbox, kind: str, clock: Clock
) -> None:
    seed(tracker, sandbox, kind)
    assert read(tracker, store, clock)[0].full
    clock.advance(hours=23)
    assert not read(tracker, store, clock)[0].full
    clock.advance(hours=1)
    assert read(tracker, store, clock)[0].full
    clock.advance(minutes=15)
    with StateStore(SqliteBackend.memory(label="lost")) as empty:
        lost, seen = read(tracker, empty, clock)
    assert lost.full
    assert len(seen) == 4


@pytest.mark.parametrize("fault", ["502", "429", "lost"])
def test_a_failed_changes_question_moves_nothing_and_the_next_cycle_sees_the_change(
    tracker: Tracker,
    store: StateStore,
    *,
    sandbox: Sandbox,
    kind: str,
    clock: Clock,
    fault: str,
) -> None:
    refs = seed(tracker, sandbox, kind)
    read(tracker, store, clock)
    clock.advance(minutes=15)
    edit(tracker, refs["inc-1.a"], title="Item a, retitled")
    clock.advance(minutes=15)
    listing = "/repos/acme/platform/issues" if kind == "github" else "/search"
    # Every attempt of the read fails (reads are retried; the test switches the waits off).
    if fault == "502":
        sandbox.inject_error(502, method="GET", path=listing, times=None)
    elif fault == "429":
        sandbox.inject_rate_limit(method="GET", path=listing, times=None)
    else:
        sandbox.inject_lost_response(method="GET", path=listing, times=None)
    with pytest.raises(TrackerError):
        read(tracker, store, clock)
    sandbox.clear_faults()
    clock.advance(minutes=15)
    later, seen = read(tracker, store, clock)
    assert not later.full
    assert seen["inc-1.a"][0] == "Item a, retitled"
    assert len(seen) == 4


class DriftingClock(Clock):
    """A clock that moves ``step`` on every reading while ``drifting``: a long paged read on a
    busy server, where each page is asked at a later moment than the one before."""

    def __init__(self) -> None:
        super().__init__()
        self.drifting = False
        self.step = timedelta(minutes=3)

    def __call__(self) -> datetime:
        if self.drifting:
            self.moment += self.step
        return self.moment


@pytest.mark.parametrize("kind", ["jira-cloud", "jira-server"])
def test_a_long_changes_read_loses_no_ticket_while_its_window_drifts(
    tracker: Tracker, store: StateStore, sandbox: Sandbox, kind: str, clock: Clock
) -> None:
    assert isinstance(clock, DriftingClock)
    assert read(tracker, store, clock)[0].full  # nothing yet
    clock.advance(minutes=1)
    fields = tracker.render(TicketFields(title="Made in one burst", body="Why."))
    made = {tracker.create(f"inc-2.{n:03d}", fields).ref.key for n in range(250)}
    clock.advance(minutes=10)
    clock.drifting = True
    changed, _ = read(tracker, store, clock)
    clock.drifting = False
    assert not changed.full
    assert {t.ref.key for t in changed.tickets} == made


class SlowChangesTracker(FakeTracker):
    """A tracker whose changes read could not vouch for itself (it took too long)."""

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        return (
            super()
            .list_changed(since=since, now=now, etag=etag)
            .model_copy(update={"complete": False})
        )


def test_a_changes_read_that_cannot_vouch_for_itself_is_replaced_by_a_full_listing(
    store: StateStore,
) -> None:
    tracker = SlowChangesTracker(name="slow")
    first = read_managed(tracker, store, name="slow", now=START, full=False)
    assert first.full
    later = START + timedelta(minutes=15)
    again = read_managed(tracker, store, name="slow", now=later, full=False)
    assert again.full
    assert again.last_full == later
