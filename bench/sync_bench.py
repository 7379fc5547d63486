"""Sync benchmark: requests and wall time of a first sync and of a no-op resync.

    python bench/sync_bench.py [--docs 1000] [--items 5] [--latency-ms 20] [--tracker jira|github]

Generates ``docs`` post-mortems of ``items`` action items each, starts the sandbox on loopback in
a process of its own (as a real tracker would be: it does not share syncer's interpreter) with
``latency-ms`` added to every request, and runs ``syncer sync`` twice through the same code the
command uses. Target (issue 4): the no-op resync makes no writes and at most
ceil(managed issues / page size) + 10 reads per tracker, and takes under 5 s.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import tempfile
import time
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from syncer.commands import demo
from syncer.config import load_config
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from syncer.shell.cycle import SyncStage, run_cycle

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_SIZE = 100

VERBS = ["Add", "Alert on", "Document", "Automate", "Load-test", "Remove", "Cap", "Rotate"]
THINGS = [
    "the connection pool",
    "queue depth",
    "the failover runbook",
    "certificate renewal",
    "the retry budget",
    "cache stampedes",
    "the deploy freeze",
    "disk pressure",
]


def write_corpus(folder: Path, *, docs: int, items: int) -> None:
    rng = random.Random(42)
    for n in range(docs):
        day = date(2026, 1, 1) + timedelta(days=n % 300)
        lines = [
            f"# Post-Mortem: Incident INC-{5000 + n}",
            "",
            f"**Date**: {day.isoformat()}",
            "**Authors**: Dana Kim",
            "**Status**: Published",
            f"**Severity**: SEV{1 + n % 3}",
            "",
            "## Summary",
            "A generated incident for the sync benchmark. " * 4,
            "",
            "## Action Items",
        ]
        for i in range(items):
            owner = rng.choice(demo.PEOPLE)
            thing = f"{rng.choice(VERBS)} {rng.choice(THINGS)} (step {i + 1})"
            lines.append(f"*   [ ] {thing} @{owner}")
        (folder / f"inc-{5000 + n}.md").write_text("\n".join(lines) + "\n")


def serve_sandbox(conn: Connection, latency_ms: int) -> None:
    """The sandbox's process: answers "url", "methods" (requests so far) and "stop"."""
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox:
        sandbox.inject_latency(latency_ms, times=None)
        while (command := conn.recv()) != "stop":
            if command == "url":
                conn.send(
                    (sandbox.url, sandbox.jira_email, sandbox.jira_token, sandbox.github_token)
                )
            elif command == "methods":
                conn.send([r.method for r in sandbox.requests])
                sandbox.clear_requests()


def run(args: argparse.Namespace) -> None:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_sandbox, args=(theirs, args.latency_ms))
    server.start()
    try:
        ours.send("url")
        url, jira_email, jira_token, github_token = ours.recv()
        measure(
            args,
            ours,
            url=url,
            jira_email=jira_email,
            jira_token=jira_token,
            github_token=github_token,
        )
    finally:
        ours.send("stop")
        server.join()


def measure(
    args: argparse.Namespace,
    sandbox: Connection,
    *,
    url: str,
    jira_email: str,
    jira_token: str,
    github_token: str,
) -> None:
    with tempfile.TemporaryDirectory(prefix="syncer-bench-") as tmp:
        work = Path(tmp)
        (work / "postmortems").mkdir()
        write_corpus(work / "postmortems", docs=args.docs, items=args.items)
        tracker = demo.GITHUB_TRACKER if args.tracker == "github" else demo.JIRA_TRACKER
        config_text = demo.sandbox_config(
            url,
            flavor="cloud",
            project="OPS",
            repository="acme/platform",
            jira_accounts={p: jira_account_id(p) for p in demo.PEOPLE},
            jira_email=jira_email,
        ).replace(f'default_tracker = "{demo.JIRA_TRACKER}"', f'default_tracker = "{tracker}"')
        config_text = config_text.replace(
            "max_creates_per_run = 200", "max_creates_per_run = 100000"
        )
        (work / "syncer.toml").write_text(config_text)
        environ = demo.sandbox_env(
            jira_token=jira_token, jira_email=jira_email, github_token=github_token, flavor="cloud"
        )
        config = load_config(work / "syncer.toml", environ=environ)
        managed = args.docs * args.items
        print(
            f"{args.docs} documents, {managed} items, {args.tracker}, "
            f"{args.latency_ms} ms latency per request, sandbox in its own process"
        )
        sandbox.send("methods")
        sandbox.recv()
        for label in ("first sync", "no-op resync"):
            started = time.perf_counter()
            outcome = run_cycle(config, environ=environ, sync=SyncStage()).sync
            assert outcome is not None
            elapsed = time.perf_counter() - started
            sandbox.send("methods")
            methods: list[str] = sandbox.recv()
            writes = sum(1 for m in methods if m in WRITES)
            reads = len(methods) - writes
            summary = outcome.summary()
            print(
                f"{label:>13}: {elapsed:7.2f} s  reads {reads:5d}  writes {writes:5d}  "
                f"created {summary['created']}  unchanged {summary['unchanged']}  "
                f"failed {summary['failed']}"
            )
        budget = math.ceil(managed / PAGE_SIZE) + 10
        verdict = "meets" if writes == 0 and reads <= budget and elapsed < 5 else "MISSES"
        print(f"no-op target: 0 writes, <= {budget} reads, < 5 s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--tracker", choices=("jira", "github"), default="jira")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
