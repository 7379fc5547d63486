"""One run end to end in memory: documents on disk, fake trackers, a real state file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syncer.config import Config, parse_config
from syncer.errors import StateLockedError, TrackerUnavailableError
from syncer.model import Ticket, TicketRef
from syncer.outcome import SyncOutcome
from syncer.shell.state import StateStore
from syncer.shell.sync import sync_world
from syncer.shell.trackers.base import ChangedTickets, TicketTracker
from syncer.shell.world import collect_documents, read_world
from tests.support.builders import fixed_now
from tests.support.fakes import FakeTracker

DOC = """\
# Post-Mortem: Incident INC-42

**Date**: 2026-11-01
**Severity**: SEV1

## Action Items
* [ ] Add a circuit breaker to the payment client @alice
* [ ] Alert on checkout error rate
"""


def make_config(root: Path) -> Config:
    trackers = {
        name: {
            "type": "jira",
            "url": "https://jira.example.com",
            "project": "OPS",
            "email": "bot@example.com",
            "owners": {"alice": "acc-alice"},
            "pacing": {"seconds_between_writes": 0},
        }
        for name in ("main", "spare")
    }
    return parse_config(
        {
            "sources": {"paths": ["docs"], "root": "docs"},
            "trackers": trackers,
            "default_tracker": "main",
            "routes": [{"tracker": "spare", "path": "spare/**"}],
        },
        base_dir=root,
        environ={"SYNCER_MAIN_TOKEN": "t", "SYNCER_SPARE_TOKEN": "t"},
    )


class DownTracker(FakeTracker):
    def list_managed(self) -> list[Ticket]:
        raise TrackerUnavailableError(self.name, "unreachable")

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        raise TrackerUnavailableError(self.name, "unreachable")


def run_sync(
    config: Config,
    trackers: Mapping[str, TicketTracker],
    store: StateStore,
    **options: Any,
) -> SyncOutcome:
    """What ``syncer sync`` does inside its cycle: read the world, then the sync stage."""
    world = read_world(config, store, trackers)
    return sync_world(config, trackers, store, world, **options)


def run(root: Path, trackers: dict[str, FakeTracker], *, dry_run: bool = False) -> SyncOutcome:
    config = make_config(root)
    with StateStore(root / "state.db", scratch_copy=dry_run) as store:
        return run_sync(
            config,
            trackers,
            store,
            dry_run=dry_run,
            now=fixed_now,
            sleep=lambda _: None,
            clock=lambda: 0.0,
        )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "spare").mkdir(parents=True)
    (tmp_path / "docs" / "inc-42.md").write_text(DOC)
    return tmp_path


def test_unchanged_documents_are_not_parsed_again(root: Path) -> None:
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    first = run(root, trackers)
    assert (first.parsed, first.summary()["created"]) == (1, 2)
    second = run(root, trackers)
    assert (second.parsed, second.summary()["unchanged"]) == (0, 2)
    (root / "docs" / "inc-42.md").write_text(DOC + "* [ ] Load-test checkout\n")
    third = run(root, trackers)
    assert (third.parsed, third.summary()["created"]) == (1, 1)


def test_a_dry_run_writes_nothing_anywhere(root: Path) -> None:
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    outcome = run(root, trackers, dry_run=True)
    assert outcome.summary()["to_create"] == 2
    assert trackers["main"].writes == []
    assert not (root / "state.db").exists()
    run(root, trackers)
    before = (root / "state.db").read_bytes()
    (root / "docs" / "inc-42.md").write_text(DOC + "* [ ] Load-test checkout\n")
    again = run(root, trackers, dry_run=True)
    assert (again.summary()["to_create"], again.summary()["unchanged"]) == (1, 2)
    assert (root / "state.db").read_bytes() == before
    with StateStore(root / "state.db") as store:
        assert [r.command for r in store.runs()] == ["sync"]


def test_a_tracker_that_cannot_be_read_is_left_out_and_the_other_synced(root: Path) -> None:
    (root / "docs" / "spare" / "inc-43.md").write_text(DOC.replace("INC-42", "INC-43"))
    trackers = {"main": DownTracker(name="main"), "spare": FakeTracker(name="spare")}
    outcome = run(root, trackers)
    assert outcome.unavailable == {"main": "unreachable"}
    assert outcome.summary()["created"] == 2
    assert len(trackers["spare"].tickets) == 2
    with StateStore(root / "state.db") as store:
        assert {link.tracker for link in store.links().values()} == {"spare"}


def test_no_create_while_a_tracker_holding_tickets_cannot_be_read(root: Path) -> None:
    # Found by the soak (issue 17): an item cut from a post-mortem routed to one tracker and
    # pasted into one routed to another got a second ticket while the first tracker was down.
    (root / "docs" / "spare" / "inc-43.md").write_text(DOC.replace("INC-42", "INC-43"))
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    run(root, trackers)
    moved = DOC.replace("INC-42", "INC-43") + "* [ ] Load-test checkout\n"
    (root / "docs" / "spare" / "inc-43.md").write_text(moved)
    down = {"main": DownTracker(name="main"), "spare": trackers["spare"]}
    outcome = run(root, down)
    assert outcome.summary()["created"] == 0
    assert [f.kind for f in outcome.plan.findings] == ["deferred"]
    assert "main could not be read" in outcome.plan.findings[0].message
    assert run(root, trackers).summary()["created"] == 1


def test_a_post_mortem_without_action_items_is_a_finding(root: Path) -> None:
    (root / "docs" / "quiet.md").write_text("# Incident INC-50\n\n## Summary\nAll fine.\n")
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    outcome = run(root, trackers)
    assert [(f.kind, f.source) for f in outcome.plan.findings] == [("no_action_items", "quiet.md")]


def test_tickets_of_a_document_that_failed_to_parse_are_not_called_orphans(root: Path) -> None:
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    run(root, trackers)
    (root / "docs" / "inc-42.md").write_bytes(b"\xff\xfe broken now")
    outcome = run(root, trackers)
    assert [f.kind for f in outcome.plan.findings] == []
    assert [p.source for p in outcome.errors] == ["inc-42.md"]
    (root / "docs" / "inc-42.md").unlink()
    gone = run(root, trackers)
    assert [f.kind for f in gone.plan.findings] == ["orphaned", "orphaned"]


def test_a_routing_change_never_makes_a_second_ticket(root: Path) -> None:
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    run(root, trackers)
    (root / "docs" / "inc-42.md").rename(root / "docs" / "spare" / "inc-42.md")
    for state in ("kept", "lost"):
        if state == "lost":
            for leftover in root.glob("state.db*"):
                leftover.unlink()
        outcome = run(root, trackers)
        assert outcome.summary()["created"] == 0, state
        assert [f.kind for f in outcome.plan.findings] == ["rerouted", "rerouted"], state
    assert (len(trackers["main"].tickets), len(trackers["spare"].tickets)) == (2, 0)


def test_an_item_naming_a_ticket_no_tracker_holds_gets_none(root: Path) -> None:
    (root / "docs" / "inc-42.md").write_text(
        DOC + "* [ ] Upgrade the kernel (INFRA-45)\n* [ ] Fix the flaky test, Bug #5554823\n"
    )
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    outcome = run(root, trackers)
    assert (outcome.summary()["items"], outcome.summary()["created"]) == (4, 2)
    assert sorted(f.kind for f in outcome.plan.findings) == ["tracked_elsewhere"] * 2


def test_a_second_run_on_the_same_state_stops_at_once(root: Path) -> None:
    with StateStore(root / "state.db"), pytest.raises(StateLockedError) as caught:
        StateStore(root / "state.db")
    assert caught.value.exit_code == 75
    assert "another syncer run is using this state" in str(caught.value)
    with StateStore(root / "state.db", scratch_copy=True):  # a dry run needs no lock
        pass


def test_a_dry_run_leaves_no_files_beside_the_state(root: Path) -> None:
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    run(root, trackers)
    before = sorted(p.name for p in root.iterdir())
    run(root, trackers, dry_run=True)
    assert sorted(p.name for p in root.iterdir()) == before


def test_a_linked_ticket_is_not_read_again_on_later_runs(root: Path) -> None:
    (root / "docs" / "inc-42.md").write_text(DOC + "* [ ] Upgrade the load balancer (OPS-40)\n")
    main = FakeTracker(name="main")
    main.add(
        Ticket(ref=TicketRef(system="jira", key="OPS-40", url="https://fake/OPS-40"), title="LB")
    )
    trackers = {"main": main, "spare": FakeTracker(name="spare")}
    assert run(root, trackers).summary()["linked"] == 1
    main.reads = 0
    outcome = run(root, trackers)
    assert outcome.plan.is_empty
    assert main.reads == 1  # the bulk listing, and no fetch of OPS-40


def test_a_sharded_worker_reads_only_the_documents_of_its_shard(root: Path) -> None:
    (root / "docs" / "spare" / "inc-43.md").write_text(DOC.replace("INC-42", "INC-43"))
    base = make_config(root)
    shards = {"spare": ("spare/**",), "rest": ("**",)}
    for shard, expected in (("rest", ["inc-42.md"]), ("spare", ["spare/inc-43.md"])):
        state = base.settings.state.model_copy(update={"shard": shard, "shards": shards})
        config = base.model_copy(
            update={"settings": base.settings.model_copy(update={"state": state})}
        )
        with StateStore(root / f"state.{shard}.db") as store:
            documents, _ = collect_documents(config, store)
        assert [d.source for d in documents] == expected


NO_ID = """\
# Orders database ran out of connections

**Date**: 2026-10-02

## Action Items
* [ ] Raise the connection pool limit on orders-db
* [ ] Alert on pool saturation above 80%
"""


@pytest.mark.parametrize("state", ["kept", "lost"])
@pytest.mark.parametrize(
    ("text", "moved_to", "edit"),
    [
        # a post-mortem without an incident id, renamed while its route changes
        (NO_ID, "spare/2026-10-02-db-outage.md", ("", "")),
        # an item reworded in the same edit that changes the route
        (DOC, "spare/inc-42.md", ("Alert on checkout", "Alert on the checkout")),
    ],
)
def test_a_route_change_with_a_rename_or_rewording_makes_no_duplicate(
    root: Path, state: str, text: str, moved_to: str, edit: tuple[str, str]
) -> None:
    (root / "docs" / "inc-42.md").unlink()
    (root / "docs" / "first.md").write_text(text)
    trackers = {"main": FakeTracker(name="main"), "spare": FakeTracker(name="spare")}
    run(root, trackers)
    assert len(trackers["main"].tickets) == 2
    (root / "docs" / "first.md").unlink()
    edited = text.replace(*edit)
    (root / "docs" / moved_to).write_text(edited)
    if state == "lost":
        for leftover in root.glob("state.db*"):
            leftover.unlink()
    outcome = run(root, trackers)
    assert outcome.summary()["created"] == 0
    assert [f.kind for f in outcome.plan.findings] == ["rerouted", "rerouted"]
    assert (len(trackers["main"].tickets), len(trackers["spare"].tickets)) == (2, 0)
    titles = sorted(t.title for t in trackers["main"].tickets.values())
    wanted = sorted(
        line[6:].split(" @")[0] for line in edited.splitlines() if line.startswith("* [")
    )
    assert titles == wanted
    if state == "lost":
        for leftover in root.glob("state.db*"):
            leftover.unlink()
    assert run(root, trackers).plan.is_empty


def test_a_sharded_worker_judges_only_its_own_shards_tickets(root: Path) -> None:
    # Two workers share one tracker, each with its own documents and state. Each ticket's
    # written copy says which document it was written for, so neither worker calls the
    # other's tickets orphans.
    (root / "docs" / "spare" / "inc-43.md").write_text(DOC.replace("INC-42", "INC-43"))
    tracker = FakeTracker(name="main")

    def shard(name: str) -> SyncOutcome:
        config = parse_config(
            {
                "sources": {"paths": ["docs"], "root": "docs"},
                "trackers": {"main": make_config(root).settings.trackers["main"].model_dump()},
                "state": {"shard": name, "shards": {"spare": ["spare/**"], "rest": ["**"]}},
            },
            base_dir=root,
            environ={"SYNCER_MAIN_TOKEN": "t"},
        )
        with StateStore(root / f"state.{name}.db") as store:
            return run_sync(
                config,
                {"main": tracker},
                store,
                dry_run=False,
                now=fixed_now,
                sleep=lambda _: None,
                clock=lambda: 0.0,
            )

    assert shard("rest").summary()["created"] == 2
    assert shard("spare").summary()["created"] == 2
    for name in ("rest", "spare"):
        again = shard(name)
        assert again.summary()["unchanged"] == 2
        assert [f for f in again.plan.findings if f.kind == "orphaned"] == []
    assert len(tracker.tickets) == 4
