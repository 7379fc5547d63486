"""Fault run of the incremental path and of bulk creates: duplicates and lost items.

    python bench/fault_bench.py [--items 1000] [--kind jira-cloud|jira-server|github]
                                [--rate 0.2] [--cycles 12] [--seed 7]

Generates ``items`` action items (5 per document), starts the sandbox in this process, and makes
a share ``rate`` of the creates (bulk or single) lose their answer after taking effect, the same
share answer 502 without doing anything, and of the listings (full and "changed since") answer
429 or 502. Between two cycles a person edits tickets in the tracker (a retitle, a reassign, a
close) and an item is ticked in a document. Cycles run (``syncer sync`` through the same code
the command uses, on a clock moved 15 minutes each time) until one ends clean; then faults stop,
one more cycle runs, and the figures are printed: issues per item (duplicates: more than one,
lost: none), and whether the incremental snapshot equals a full listing of the tracker.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_bench import tick_one, workspace
from sync_bench import write_corpus

from syncer.config import Config
from syncer.model import TicketFields
from syncer.outcome import SyncOutcome
from syncer.sandbox import Sandbox
from syncer.shell.cycle import SyncStage, run_cycle
from syncer.shell.state import open_store, state_target
from syncer.shell.tickets import read_managed
from syncer.shell.trackers import open_trackers

ITEMS_PER_DOC = 5


def _sync(config: Config, now: Callable[[], datetime]) -> SyncOutcome:
    """One sync cycle (SQLite state: no password to take from an environment)."""
    outcome = run_cycle(config, environ={}, sync=SyncStage(), now=now).sync
    assert outcome is not None
    return outcome


def person_edits(config: Config, name: str, rng: random.Random) -> int:
    """A person retitles, reassigns or closes a few managed tickets; how many edits."""
    tracker = open_trackers(config)[name]
    tickets = [t for t in tracker.list_managed() if not t.done]
    edits = 0
    for ticket in rng.sample(tickets, min(3, len(tickets))):
        fields = TicketFields(
            title=ticket.title, body=ticket.body, assignee=ticket.assignee, done=ticket.done
        )
        which = rng.choice(["title", "done"])
        changed = fields.model_copy(
            update={"title": ticket.title + " (edited)"} if which == "title" else {"done": True}
        )
        tracker.update(ticket.ref, changed, changed=(which,))
        edits += 1
    return edits


def run(args: argparse.Namespace) -> None:
    flavor = "server" if args.kind == "jira-server" else "cloud"
    api = "github" if args.kind == "github" else "jira"
    name = "platform-github" if api == "github" else "ops-jira"
    ahead = [timedelta()]

    def now() -> datetime:
        return datetime.now(UTC) + ahead[0]

    rng = random.Random(args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="syncer-faults-") as tmp,
        Sandbox(
            flavor,  # type: ignore[arg-type]  # "cloud" or "server"
            jira_projects=("OPS",),
            github_repos=("acme/platform",),
            clock=now,
        ) as sandbox,
    ):
        work = Path(tmp)
        (work / "postmortems").mkdir()
        write_corpus(work / "postmortems", docs=args.items // ITEMS_PER_DOC, items=ITEMS_PER_DOC)
        urls = (sandbox.url, sandbox.jira_email, sandbox.jira_token, sandbox.github_token)
        config = workspace(work, args.kind, urls, args.items)
        creates = (
            "/repos/acme/platform/issues$" if api == "github" else "/rest/api/2/issue(/bulk)?$"
        )
        listing = "/repos/acme/platform/issues$" if api == "github" else "/search"
        seed = args.seed
        faults = [
            sandbox.inject_lost_response(
                method="POST", path=creates, probability=args.rate, seed=seed
            ),
            sandbox.inject_error(
                502, method="POST", path=creates, probability=args.rate, seed=seed + 1
            ),
            sandbox.inject_error(
                502, method="GET", path=listing, probability=args.rate, seed=seed + 2
            ),
            sandbox.inject_rate_limit(
                retry_after=0, method="GET", path=listing, probability=args.rate, seed=seed + 3
            ),
        ]
        edits = 0
        for cycle in range(1, args.cycles + 1):
            ahead[0] += timedelta(minutes=15)
            outcome = _sync(config, now)
            summary = outcome.summary()
            print(
                f"cycle {cycle:2d}: created {summary['created']:5d}  recovered "
                f"{summary['recovered']:4d}  closed {summary['closed']:3d}  failed "
                f"{summary['failed']:4d}  unavailable {summary['unavailable_trackers']}"
            )
            if cycle > 1 and cycle % 2:
                sandbox.clear_faults()  # a person's edits are not the run under test
                edits += person_edits(config, name, rng)
                for fault in faults:
                    sandbox.add_fault(fault)
            tick_one(work / "postmortems")
        sandbox.clear_faults()
        ahead[0] += timedelta(minutes=15)
        final = _sync(config, now).summary()
        print(f"without faults: {final}")
        if api == "github":
            bodies = [i.body or "" for i in sandbox.github_issues("acme/platform")]
            keys = Counter(b.rsplit("syncer:key=", 1)[-1].split(" ")[0] for b in bodies)
        else:
            labels = [i.labels for i in sandbox.jira_issues("OPS")]
            keys = Counter(next(la for la in ls if la.startswith("syncer:")) for ls in labels)
        issues = sum(keys.values())
        duplicates = sum(n - 1 for n in keys.values())
        lost = args.items - len(keys)
        tracker = open_trackers(config)[name]
        with open_store(state_target(config, environ={})) as store:
            ahead[0] += timedelta(minutes=15)
            incremental = read_managed(tracker, store, name=name, now=now(), full=False)
        listed = tracker.list_managed()
        same = sorted(incremental.tickets, key=lambda t: t.ref.key) == sorted(
            listed, key=lambda t: t.ref.key
        )
        faulty = sum(1 for r in sandbox.requests if r.fault)
        print(
            f"{args.kind}, {args.items} items, fault rate {args.rate}: {faulty} faulty answers, "
            f"{edits} edits by a person; issues {issues}, duplicates {duplicates}, lost "
            f"{lost}; incremental snapshot equals a full listing: {same}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument(
        "--kind", choices=("jira-cloud", "jira-server", "github"), default="jira-cloud"
    )
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--cycles", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
