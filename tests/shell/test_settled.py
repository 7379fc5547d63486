"""Quiet documents are not planned again (``syncer.core.settled``), and never at a wrong answer.

Every test compares the plan a cycle made, letting quiet documents' conclusions stand, with the
plan the same inputs give when every item is planned (state's quiet records dropped in a
throwaway copy): they must be equal, and the report made of them identical. The count of items
planned is read through two seams: ``World.settled`` (the documents not planned) and each fake
tracker's count of fields rendered (rendering is the first step of planning an item).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from syncer.config import Config, parse_config
from syncer.model import TicketFields
from syncer.shell.reporting import produce_report
from syncer.shell.state import StateStore
from syncer.shell.sync import sync_world
from syncer.shell.trackers.base import ChangedTickets
from syncer.shell.world import World, read_world
from tests.support.builders import fixed_now
from tests.support.fakes import FakeTracker

DOCS = {
    "inc-42.md": ("INC-42", ["Add a circuit breaker to the payment client", "Alert on errors"]),
    "inc-43.md": ("INC-43", ["Rotate the database credentials", "Document the failover"]),
    "inc-44.md": ("INC-44", ["Cap the retry storm", "Page the owning team first"]),
}


def document(incident: str, titles: list[str], *, extra: str = "") -> str:
    items = "".join(f"* [ ] {title} @alice\n" for title in titles)
    return (
        f"# Post-Mortem: Incident {incident}\n\n**Date**: 2026-11-01\n**Severity**: SEV2\n\n"
        f"## Action Items\n{items}{extra}"
    )


def make_config(root: Path, *, labels: tuple[str, ...] = (), second: bool = False) -> Config:
    tracker = {
        "type": "jira",
        "url": "https://jira.example.com",
        "project": "OPS",
        "email": "bot@example.com",
        "owners": {"alice": "acc-alice"},
        "labels": list(labels),
        "pacing": {"seconds_between_writes": 0},
    }
    return parse_config(
        {
            "sources": {"paths": ["docs"], "root": "docs"},
            "trackers": {"main": tracker}
            | ({"side": tracker | {"project": "SIDE"}} if second else {}),
            "default_tracker": "main",
        },
        base_dir=root,
        environ={"SYNCER_MAIN_TOKEN": "t", "SYNCER_SIDE_TOKEN": "t"},
    )


@dataclass
class CountingTracker(FakeTracker):
    """Counts the fields it renders: each item planned is rendered once."""

    rendered: int = 0

    def render(self, fields: TicketFields) -> TicketFields:
        self.rendered += 1
        return super().render(fields)


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = make_config(root)
        self.tracker = CountingTracker(name="main")
        self.clock = fixed_now()
        self.extra: dict[str, FakeTracker] = {}

    @property
    def trackers(self) -> dict[str, FakeTracker]:
        return {"main": self.tracker, **self.extra}

    def write(self, name: str, *, extra: str = "") -> None:
        incident, titles = DOCS[name]
        (self.root / "docs" / name).write_text(document(incident, titles, extra=extra))

    def now(self) -> datetime:
        return self.clock

    def read(self, store: StateStore, *, full: bool = False) -> World:
        self.clock += timedelta(minutes=15)
        return read_world(self.config, store, self.trackers, now=self.clock, full=full)

    def cycle(self, *, full: bool = False) -> World:
        """One sync cycle; also checks its plan against the plan of every item."""
        expected = self.everything_planned(full=full)
        self.clock -= timedelta(minutes=15)  # the same moment for both reads
        self.tracker.rendered = 0
        with StateStore(self.root / "state.db") as store:
            world = self.read(store, full=full)
            sync_world(
                self.config,
                self.trackers,
                store,
                world,
                dry_run=False,
                now=self.now,
                sleep=lambda _: None,
                clock=lambda: 0.0,
            )
        assert world.plan == expected.plan
        return world

    def everything_planned(self, *, full: bool = False) -> World:
        """The world read from a throwaway copy of state without its quiet records."""
        with StateStore(self.root / "state.db", scratch_copy=True) as scratch:
            scratch.record_settled((), forget=list(scratch.settled_documents()))
            world = self.read(scratch, full=full)
        assert world.settled == frozenset()
        return world

    def report_json(self, world: World) -> str:
        with StateStore(self.root / "state.db", scratch_copy=True) as scratch:
            made = produce_report(
                self.config,
                store=scratch,
                world=world,
                trackers=self.trackers,
                now=self.clock,
                deliver=False,
            )
        return made.render("json")

    def retitle(self, index: int, title: str) -> None:
        """A person retitles a ticket in the tracker."""
        key = sorted(self.tracker.tickets, key=lambda k: int(k.split("-")[1]))[index]
        ticket = self.tracker.tickets[key]
        self.tracker.tickets[key] = ticket.model_copy(update={"title": title})


@pytest.fixture
def space(tmp_path: Path) -> Workspace:
    (tmp_path / "docs").mkdir()
    space = Workspace(tmp_path)
    for name in DOCS:
        space.write(name)
    first = space.cycle()  # creates six tickets
    assert len(space.tracker.tickets) == 6
    assert first.settled == frozenset()
    second = space.cycle()  # reads them back: all in step, recorded quiet
    assert second.plan.changes == ()
    assert second.settled == frozenset()
    return space


def test_a_quiet_cycle_plans_no_unchanged_document(space: Workspace) -> None:
    world = space.cycle()
    assert world.settled == frozenset(DOCS)
    assert space.tracker.rendered == 0
    assert len(world.plan.matches) == 6
    assert world.plan.changes == ()


def test_the_report_is_identical_with_and_without_settled_documents(space: Workspace) -> None:
    expected = space.everything_planned()
    space.clock -= timedelta(minutes=15)
    with StateStore(space.root / "state.db") as store:
        settled = space.read(store)
    assert settled.settled == frozenset(DOCS)
    assert space.report_json(settled) == space.report_json(expected)


def test_a_changed_document_is_planned_and_the_others_stand(space: Workspace) -> None:
    space.write("inc-43.md", extra="* [ ] Load-test the failover\n")
    world = space.cycle()
    assert world.settled == {"inc-42.md", "inc-44.md"}
    assert space.tracker.rendered == 3
    assert [c.kind for c in world.plan.changes] == ["create"]


def test_a_ticket_changed_in_the_tracker_plans_its_document(space: Workspace) -> None:
    space.retitle(4, "Cap the retry storm, a person said")  # inc-44's first item
    world = space.cycle()
    assert world.settled == {"inc-42.md", "inc-43.md"}
    assert space.tracker.rendered == 2


def test_a_change_read_by_a_report_alone_still_plans_its_document_next_sync(
    space: Workspace,
) -> None:
    space.retitle(0, "Add a breaker, a person said")
    with StateStore(space.root / "state.db") as store:
        space.read(store)  # a report cycle: reads the change, plans, syncs nothing
    world = space.cycle()
    assert "inc-42.md" not in world.settled
    assert world.settled == {"inc-43.md", "inc-44.md"}


def test_a_configuration_change_plans_every_document(space: Workspace) -> None:
    space.config = make_config(space.root, labels=("postmortem",))
    world = space.cycle()
    assert world.settled == frozenset()
    assert space.tracker.rendered == 6
    assert {c.kind for c in world.plan.changes} == {"update"}


def test_a_full_listing_plans_every_document_and_forgets_the_records(space: Workspace) -> None:
    world = space.cycle(full=True)
    assert world.settled == frozenset()
    assert space.tracker.rendered == 6
    again = space.cycle()  # the full cycle recorded them quiet again
    assert again.settled == frozenset(DOCS)


def test_a_pending_create_plans_its_document(space: Workspace) -> None:
    with StateStore(space.root / "state.db") as store:
        key = next(k for k, link in store.links().items() if link.source == "inc-44.md")
        store.mark_pending(key, tracker="main", source="inc-44.md", now=fixed_now())
    world = space.cycle()
    assert world.settled == {"inc-42.md", "inc-43.md"}


def test_a_changed_item_naming_a_quiet_documents_ticket_plans_everything(
    space: Workspace,
) -> None:
    # inc-43's second item now names inc-42's first ticket: who keeps that ticket is decided
    # with both items planned.
    first = min(space.tracker.tickets, key=lambda k: int(k.split("-")[1]))
    space.write("inc-43.md", extra=f"* [ ] Check the breaker ({first})\n")
    world = space.cycle()
    assert world.settled == frozenset()
    assert space.tracker.rendered == 3 + 7  # inc-43 alone, then every item


def test_a_ticket_appearing_with_a_quiet_items_key_plans_its_document(space: Workspace) -> None:
    ticket = min(space.tracker.tickets.values(), key=lambda t: int(t.ref.key.split("-")[1]))
    copy = ticket.model_copy(update={"ref": ticket.ref.model_copy(update={"key": "OPS-99"})})
    space.tracker.tickets["OPS-99"] = copy  # a person copied the ticket, marker and all
    world = space.cycle()
    assert "inc-42.md" not in world.settled
    assert any(f.kind == "duplicate" for f in world.plan.findings)


def test_an_unreadable_quiet_record_plans_its_document(space: Workspace) -> None:
    db = sqlite3.connect(space.root / "state.db")
    with db:
        db.execute("UPDATE settled SET items = '[[1, 2]]' WHERE source = 'inc-42.md'")
        db.execute("UPDATE settled SET items = 'not json' WHERE source = 'inc-43.md'")
    db.close()
    world = space.cycle()
    assert world.settled == {"inc-44.md"}
    assert space.cycle().settled == frozenset(DOCS)  # recorded again


class Killed(BaseException):
    """The process killed (SIGKILL, an interpreter crash) in the middle of a cycle."""


@dataclass
class DyingTracker(CountingTracker):
    """A second tracker whose read of changes is where the process dies, once."""

    dies: bool = False

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        if self.dies:
            self.dies = False
            raise Killed
        return super().list_changed(since=since, now=now, etag=etag)


def test_a_change_read_before_the_cycle_died_still_plans_its_document(tmp_path: Path) -> None:
    # The first tracker's changes are read (its snapshot moves on), then the process dies while
    # the second tracker is read: the quiet record the change touched must not outlive it.
    (tmp_path / "docs").mkdir()
    space = Workspace(tmp_path)
    space.config = make_config(tmp_path, second=True)
    side = DyingTracker(name="side")
    space.extra = {"side": side}
    for name in DOCS:
        space.write(name)
    space.cycle()
    space.cycle()
    assert space.cycle().settled == frozenset(DOCS)
    ticket = min(space.tracker.tickets.values(), key=lambda t: int(t.ref.key.split("-")[1]))
    copy = ticket.model_copy(update={"ref": ticket.ref.model_copy(update={"key": "OPS-99"})})
    space.tracker.tickets["OPS-99"] = copy  # a person copied inc-42's first ticket, marker too
    side.dies = True
    with pytest.raises(Killed), StateStore(space.root / "state.db") as store:
        space.read(store)
    world = space.cycle()  # the same plan as with every item planned
    assert "inc-42.md" not in world.settled
    assert any(f.kind == "duplicate" for f in world.plan.findings)
