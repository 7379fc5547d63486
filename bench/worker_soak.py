"""Worker soak: many cycles in one process; memory and open file descriptors at start and end.

    python bench/worker_soak.py [--cycles 300] [--docs 20] [--max-seconds 900]

Starts the sandbox on loopback (in its own process), writes ``docs`` post-mortems, and runs
``syncer run --once`` ``cycles`` times in this process through the command's own entry point
(``syncer.cli.main``): each cycle a real sync, the report (recorded in the run history), the
heartbeat, and the log lines. Prints resident memory and open file descriptors after the first
cycle and after the last: both should stay flat. Stops early, saying so, after ``max-seconds``.
(The long-running ``run`` syncs at most once a minute; its loop is the same code between
cycles, so the soak drives the cycles back to back instead.)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_bench import serve_sandbox, write_corpus  # a sibling script

from syncer.cli import main as syncer
from syncer.commands import demo
from syncer.config import load_config
from syncer.sandbox.store import jira_account_id
from syncer.shell.state import read_heartbeat, state_target


def resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def fd_kinds() -> dict[str, int]:
    """Open descriptors by kind (socket, pipe, a file's suffix), to tell a leak's source."""
    kinds: dict[str, int] = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        kind = target.split(":", 1)[0] if ":" in target else Path(target).suffix or target
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=900.0)
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
            command = ["run", "--once", "--config", str(work / "syncer.toml")]
            statuses: dict[int, int] = {}
            started = time.perf_counter()
            done = 0
            with open(os.devnull, "w") as quiet:
                for n in range(args.cycles):
                    status = syncer(command, env=environ, stdout=quiet, stderr=quiet)
                    statuses[status] = statuses.get(status, 0) + 1
                    done = n + 1
                    if n == 0:
                        first = (resident_kib(), open_fds())
                        ours.send("methods")
                        ours.recv()
                    if time.perf_counter() - started > args.max_seconds:
                        print(f"stopped after {done} cycles: --max-seconds {args.max_seconds:g}")
                        break
            elapsed = time.perf_counter() - started
            last = (resident_kib(), open_fds())
            print(f"{done} cycles of {args.docs * 5} items in {elapsed:.1f} s; exits {statuses}")
            print(f"after cycle 1:   RSS {first[0] / 1024:7.1f} MiB   open fds {first[1]}")
            print(f"after cycle {done}: RSS {last[0] / 1024:7.1f} MiB   open fds {last[1]}")
            print(f"open fds by kind: {fd_kinds()}")
            config = load_config(work / "syncer.toml", environ=environ)
            print(f"heartbeat: {read_heartbeat(state_target(config, environ=environ))}")
    finally:
        ours.send("stop")
        server.join()


if __name__ == "__main__":
    main()
