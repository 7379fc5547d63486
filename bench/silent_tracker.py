"""How long ``syncer sync`` takes against a tracker that accepts connections and never answers.

    python bench/silent_tracker.py [--timeout 3] [--budget 1000000]

A loopback listener accepts every connection and says nothing; a Jira Cloud tracker points at
it with ``timeout_seconds`` = ``--timeout``. Prints the exit status, the seconds the sync took
and the connections it opened (issue 17: about 68 s at 3 s before one deadline per tracker).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

from syncer.cli import main as syncer
from syncer.shell.trackers import transport


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument(
        "--budget", type=int, default=transport.SILENCE_BUDGET, help="unanswered requests allowed"
    )
    args = parser.parse_args()
    transport.SILENCE_BUDGET = args.budget  # a huge one shows the time before the deadline
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "pm").mkdir()
        (work / "pm" / "inc-1.md").write_text("# Incident INC-1\n\n## Action Items\n- [ ] Do it\n")
        (work / "syncer.toml").write_text(
            f'default_tracker = "ops-jira"\n[sources]\npaths = ["{work / "pm"}"]\n'
            f'[state]\npath = "{work / "state.db"}"\n'
            f'[trackers.ops-jira]\ntype = "jira"\nurl = "{url}"\nproject = "OPS"\n'
            f'email = "bot@example.test"\ntimeout_seconds = {args.timeout}\n'
        )
        env = {"SYNCER_OPS_JIRA_TOKEN": "t"}
        started = time.perf_counter()
        status = syncer(["sync", "--config", str(work / "syncer.toml")], env=env)
        took = time.perf_counter() - started
    listener.close()
    print(
        f"exit {status} after {took:.1f} s, {len(accepted)} connections, timeout {args.timeout:g}"
    )


if __name__ == "__main__":
    main()
