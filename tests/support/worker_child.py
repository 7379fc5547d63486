"""A worker process for the signal tests: ``python -m tests.support.worker_child OUT STATE MODE``.

Runs ``run_forever`` with a tiny sync job that makes "writes" (a line before and after a short
sleep, so a write cut in half shows) and records the heartbeat in a real SQLite state. MODE
``polite`` stops between writes when asked; ``stubborn`` never looks at the stop flag.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from pathlib import Path

from syncer.config import WorkerConfig
from syncer.shell.state import SqliteTarget, write_heartbeat
from syncer.shell.worker import StopSignal, handle_signals, run_forever


def main(argv: list[str]) -> int:
    out, state, mode = Path(argv[0]), Path(argv[1]), argv[2]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)

    def sync(stop: StopSignal) -> int:
        for write in range(10_000):
            if stop.requested and mode == "polite":
                return 0
            with out.open("a") as log:
                log.write(f"start {write}\n")
            time.sleep(0.05)
            with out.open("a") as log:
                log.write(f"end {write}\n")
        return 0

    with handle_signals(StopSignal()) as stop:
        return run_forever(
            WorkerConfig(sync_every_minutes=1),
            sync=sync,
            report=None,
            stop=stop,
            heartbeat=functools.partial(write_heartbeat, SqliteTarget(path=state)),
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
