"""A worker syncing against the sandbox, for the signal test: ``python -m tests.worker_sync_child
CONFIG``. The cycle is a real sync through the code the command uses; the heartbeat goes to
the configured state."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

from syncer.config import WorkerConfig, load_config
from syncer.state import write_heartbeat
from syncer.sync import run_configured
from syncer.worker import StopSignal, handle_signals, run_forever


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    config = load_config(Path(argv[0]))

    def sync(stop: StopSignal) -> int:
        outcome = run_configured(config, dry_run=False)
        return 1 if outcome.errors or (outcome.result and outcome.result.failed) else 0

    with handle_signals(StopSignal()) as stop:
        return run_forever(
            WorkerConfig(sync_every_minutes=1),
            sync=sync,
            report=None,
            stop=stop,
            heartbeat=functools.partial(write_heartbeat, config),
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
