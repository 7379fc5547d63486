"""Worker soak: many cycles in one process; memory and open file descriptors at start and end.

    python bench/worker_soak.py [--cycles 300] [--docs 20]

Starts the sandbox on loopback (in its own process), writes ``docs`` post-mortems, and runs the
worker's ``run_once`` ``cycles`` times in this process, each a real sync through the code the
command uses plus the heartbeat written to the SQLite state. Prints resident memory and open
file descriptors after the first cycle and after the last: both should stay flat.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_bench import serve_sandbox, write_corpus  # a sibling script

from syncer import demo
from syncer.config import load_config
from syncer.sandbox.store import jira_account_id
from syncer.state import SqliteTarget, read_heartbeat, write_heartbeat
from syncer.sync import run_configured
from syncer.worker import StopSignal, run_once


def resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--docs", type=int, default=20)
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_sandbox, args=(theirs, 0))
    server.start()
    try:
        ours.send("url")
        url, jira_email, jira_token, github_token = ours.recv()
        with tempfile.TemporaryDirectory(prefix="syncer-soak-") as tmp:
            work = Path(tmp)
            (work / "postmortems").mkdir()
            write_corpus(work / "postmortems", docs=args.docs, items=5)
            (work / "syncer.toml").write_text(
                demo.sandbox_config(
                    url,
                    flavor="cloud",
                    project="OPS",
                    repository="acme/platform",
                    jira_accounts={p: jira_account_id(p) for p in demo.PEOPLE},
                    jira_email=jira_email,
                )
            )
            environ = demo.sandbox_env(
                jira_token=jira_token,
                jira_email=jira_email,
                github_token=github_token,
                flavor="cloud",
            )
            config = load_config(work / "syncer.toml", environ=environ)
            heartbeat = functools.partial(write_heartbeat, SqliteTarget(path=config.state_path))

            def cycle(stop: StopSignal) -> int:
                outcome = run_configured(config, dry_run=False)
                return 1 if outcome.errors or (outcome.result and outcome.result.failed) else 0

            statuses: dict[int, int] = {}
            started = time.perf_counter()
            for n in range(args.cycles):
                status = run_once(cycle, stop=StopSignal(), heartbeat=heartbeat)
                statuses[status] = statuses.get(status, 0) + 1
                if n == 0:
                    first = (resident_kib(), open_fds())
                    ours.send("methods")
                    ours.recv()
            elapsed = time.perf_counter() - started
            last = (resident_kib(), open_fds())
            print(
                f"{args.cycles} cycles of {args.docs * 5} items in {elapsed:.1f} s; "
                f"statuses {statuses}"
            )
            print(f"after cycle 1:   RSS {first[0] / 1024:7.1f} MiB   open fds {first[1]}")
            print(f"after cycle {args.cycles}: RSS {last[0] / 1024:7.1f} MiB   open fds {last[1]}")
            print(f"heartbeat: {read_heartbeat(SqliteTarget(path=config.state_path))}")
    finally:
        ours.send("stop")
        server.join()


if __name__ == "__main__":
    main()
