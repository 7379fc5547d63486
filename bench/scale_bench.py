"""Scale benchmark: what a first sync, a no-op cycle, a one-change cycle and a report cost at
1,000 / 10,000 / 50,000 items, before (a full listing every cycle, one create per request) and
after (incremental reads, Jira bulk creates), side by side.

    python bench/scale_bench.py [--items 1000 10000] [--trackers jira-cloud jira-server github]
                                [--latency-ms 20] [--before-first-sync-max 10000]

Each (tracker, size) runs in a process of its own (so its peak RSS is its own) against a sandbox
in another process (as a real tracker would be) with ``latency-ms`` added to every request.
Items are 5 per document (50,000 items: 10,000 documents). Stages, in this order:

* first sync (after: incremental state, bulk creates where the tracker has them);
* no-op cycle, one-change cycle (one item ticked done in a document: its ticket is closed) and
  report (``produce_report``, nothing delivered): after, then before;
* first sync before (one create per request), in a second sandbox, Jira only (GitHub has no
  bulk create: before and after send the same creates), up to ``--before-first-sync-max`` items.

"Before" is today's code configured as before issue 21: ``[sync] full_every_hours = 0`` (every
sync and report lists every managed ticket; the snapshot is still written, which costs local
time but no request) and Jira's ``bulk_create = false`` (one create per request). Printed per
stage: reads (GitHub: how many of them were free 304s), writes, wall time, peak RSS of the
syncer process so far and of the stage alone (Linux: VmHWM, reset before each stage), and
requests per changed item. The goal (issue 21): a no-op cycle at
most 2 requests per tracker at any size; a cycle with k changed tickets O(k).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_bench import write_corpus  # the same corpus as the sync benchmark

from syncer.commands import demo
from syncer.config import Config, load_config
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from syncer.shell.cycle import ReportStage, SyncStage, run_cycle

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ITEMS_PER_DOC = 5


def serve_sandbox(conn: Connection, flavor: str, latency_ms: int) -> None:
    """The sandbox's process: answers "url", "requests" (method, status, API so far),
    ("advance", seconds) (its clock jumps ahead, as between two scheduled cycles) and "stop"."""
    ahead = [timedelta()]

    def clock() -> datetime:
        return datetime.now(UTC) + ahead[0]

    with Sandbox(
        flavor,  # type: ignore[arg-type]  # "cloud" or "server"
        jira_projects=("OPS",),
        github_repos=("acme/platform",),
        clock=clock,
    ) as sandbox:
        sandbox.inject_latency(latency_ms, times=None)
        while (command := conn.recv()) != "stop":
            if command == "url":
                conn.send(
                    (sandbox.url, sandbox.jira_email, sandbox.jira_token, sandbox.github_token)
                )
            elif command == "requests":
                conn.send([(r.method, r.status, r.api) for r in sandbox.requests])
                sandbox.clear_requests()
            elif isinstance(command, tuple) and command[0] == "advance":
                ahead[0] += timedelta(seconds=command[1])
                conn.send("ok")


@contextmanager
def sandbox_process(flavor: str, latency_ms: int) -> Iterator[tuple[Connection, tuple[str, ...]]]:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_sandbox, args=(theirs, flavor, latency_ms))
    server.start()
    try:
        ours.send("url")
        yield ours, ours.recv()
    finally:
        ours.send("stop")
        server.join()


def workspace(
    work: Path, kind: str, urls: tuple[str, ...], items: int, *, before: bool = False
) -> Config:
    """The corpus (made once) and a configuration for it; ``before``: as before issue 21."""
    url, jira_email, jira_token, github_token = urls
    flavor = "server" if kind == "jira-server" else "cloud"
    docs = work / "postmortems"
    if not docs.exists():
        docs.mkdir()
        write_corpus(docs, docs=items // ITEMS_PER_DOC, items=ITEMS_PER_DOC)
    tracker = demo.GITHUB_TRACKER if kind == "github" else demo.JIRA_TRACKER
    accounts = {p: jira_account_id(p) if flavor == "cloud" else p for p in demo.PEOPLE}
    text = demo.sandbox_config(
        url,
        flavor=flavor,
        project="OPS",
        repository="acme/platform",
        jira_accounts=accounts,
        jira_email=jira_email,
        state=str(work / "state.db"),
        sources=str(docs),
    ).replace(f'default_tracker = "{demo.JIRA_TRACKER}"', f'default_tracker = "{tracker}"')
    text = text.replace("max_creates_per_run = 200", "max_creates_per_run = 1000000")
    if before:
        # Every read a full listing, one create per request: the cost before issue 21.
        text = text.replace("search_lag_seconds = 0", "search_lag_seconds = 0\nbulk_create = false")
        text += "\n[sync]\nfull_every_hours = 0\n"
    (work / "syncer.toml").write_text(text)
    environ = demo.sandbox_env(
        jira_token=jira_token, jira_email=jira_email, github_token=github_token, flavor=flavor
    )
    return load_config(work / "syncer.toml", environ=environ)


_PEAKS: list[float] = []
"""Each stage's own peak so far: the kernel's maximum (ru_maxrss) is reset with VmHWM."""


def peak_rss_mb() -> float:
    """The process's peak RSS so far (the largest stage peak, where stages are measured)."""
    return max([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, *_PEAKS])


def reset_stage_peak() -> None:
    """Start the stage's own peak RSS (Linux: writing 5 to clear_refs resets VmHWM)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def stage_peak_mb() -> float | None:
    """Peak RSS since ``reset_stage_peak`` (VmHWM), where the system keeps it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Schedule:
    """One clock for syncer and the sandbox, moved on 15 minutes between two cycles (as the
    worker's schedule would), so "changed since the last cycle" means what it does in use."""

    def __init__(self, sandbox: Connection) -> None:
        self.sandbox = sandbox
        self.ahead = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def wait(self, minutes: float = 15) -> None:
        self.ahead += timedelta(minutes=minutes)
        self.sandbox.send(("advance", minutes * 60))
        self.sandbox.recv()


def stage(
    label: str,
    sandbox: Connection,
    action: Callable[[], int],
    *,
    api: str,
    out: Callable[[str], None],
) -> None:
    """Run ``action`` (it returns how many items it changed) and print what it cost."""
    sandbox.send("requests")
    sandbox.recv()
    reset_stage_peak()
    started = time.perf_counter()
    changed = action()
    elapsed = time.perf_counter() - started
    sandbox.send("requests")
    answered: list[tuple[str, int | None, str]] = sandbox.recv()
    mine = [(method, status) for method, status, where in answered if where == api]
    writes = sum(1 for method, _ in mine if method in WRITES)
    reads = len(mine) - writes
    free = sum(1 for _, status in mine if status == 304)
    per = f"{len(mine) / changed:7.3f}" if changed else "      -"
    own = stage_peak_mb()
    if own is not None:
        _PEAKS.append(own)
    shown = f"{own:7.1f} MB" if own is not None else "      ?"
    out(
        f"  {label:<22} reads {reads:6d} ({free:3d} free 304)  writes {writes:6d}  "
        f"{elapsed:8.2f} s  peak RSS {peak_rss_mb():7.1f} MB (this stage {shown})  "
        f"requests/changed item {per}"
    )


def tick_one(docs: Path) -> None:
    """Mark the first open item of the first document done."""
    first = sorted(docs.glob("*.md"))[0]
    text = first.read_text()
    first.write_text(text.replace("*   [ ] ", "*   [x] ", 1))


def run_sync_stage(config: Config, schedule: Schedule) -> int:
    # SQLite state: no password to take from an environment.
    outcome = run_cycle(config, environ={}, sync=SyncStage(), now=schedule.now).sync
    assert outcome is not None
    summary = outcome.summary()
    if summary["failed"]:
        raise SystemExit(f"bench: {summary['failed']} changes failed: {summary}")
    return sum(summary[k] for k in ("created", "updated", "closed", "reopened", "linked"))


def run_report_stage(config: Config, schedule: Schedule) -> int:
    run_cycle(config, environ={}, report=ReportStage(deliver=False), now=schedule.now)
    return 0


def measure(
    kind: str, items: int, *, latency_ms: int, before_max: int, out_path: str, before_stages: str
) -> None:
    lines: list[str] = []

    def out(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    flavor = "server" if kind == "jira-server" else "cloud"
    api = "github" if kind == "github" else "jira"
    out(f"{kind}, {items} items ({items // ITEMS_PER_DOC} documents), {latency_ms} ms latency")
    with (
        tempfile.TemporaryDirectory(prefix="syncer-scale-") as tmp,
        sandbox_process(flavor, latency_ms) as (sandbox, urls),
    ):
        work = Path(tmp)
        config = workspace(work, kind, urls, items)
        schedule = Schedule(sandbox)

        def cycle(label: str, action: Callable[[Config, Schedule], int]) -> None:
            schedule.wait()
            stage(label, sandbox, lambda: action(config, schedule), api=api, out=out)

        cycle("first sync    after", run_sync_stage)
        # The cycle after a sync reads back what it wrote (k writes: k/100 pages), once.
        cycle("read-back     after", run_sync_stage)
        for mode in ("after", "before"):
            config = workspace(work, kind, urls, items, before=mode == "before")
            wanted = before_stages.split(",") if mode == "before" else ["noop", "change", "report"]
            if "noop" in wanted:
                cycle(f"no-op cycle   {mode}", run_sync_stage)
                cycle(f"no-op cycle   {mode}", run_sync_stage)
            if "change" in wanted:
                tick_one(work / "postmortems")
                cycle(f"one change    {mode}", run_sync_stage)
            if "report" in wanted:
                cycle(f"report        {mode}", run_report_stage)
    if kind != "github" and items <= before_max:
        with (
            tempfile.TemporaryDirectory(prefix="syncer-scale-") as tmp,
            sandbox_process(flavor, latency_ms) as (sandbox, urls),
        ):
            config = workspace(Path(tmp), kind, urls, items, before=True)
            schedule = Schedule(sandbox)
            stage(
                "first sync    before",
                sandbox,
                lambda: run_sync_stage(config, schedule),
                api=api,
                out=out,
            )
    with open(out_path, "a", encoding="utf-8") as sink:
        sink.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--trackers",
        nargs="+",
        default=["jira-cloud", "jira-server", "github"],
        choices=("jira-cloud", "jira-server", "github"),
    )
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--before-first-sync-max", type=int, default=10000)
    parser.add_argument("--output", default="/dev/null", help="also append the figures here")
    parser.add_argument(
        "--before-stages",
        default="noop,change,report",
        help="which cycles to measure before (each lists every ticket: long at 50,000)",
    )
    args = parser.parse_args()
    for items in args.items:
        for kind in args.trackers:
            # A process per run: its peak RSS is its own.
            child = multiprocessing.Process(
                target=measure,
                args=(kind, items),
                kwargs={
                    "latency_ms": args.latency_ms,
                    "before_max": args.before_first_sync_max,
                    "out_path": args.output,
                    "before_stages": args.before_stages,
                },
            )
            child.start()
            child.join()
            if child.exitcode:
                raise SystemExit(f"bench: {kind} at {items} items failed ({child.exitcode})")


if __name__ == "__main__":
    main()
