"""``syncer health``: is the scheduled worker alive? For a HEALTHCHECK or a liveness probe.

Reads the heartbeat the worker records after every cycle (without the run lock, so it never
waits for a run) and prints one line: ``ok: ...`` and exit 0, or why not and exit 1. Tracker
credentials are not needed: a probe does not talk to the trackers.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from syncer.commands.base import Context, Subcommands
from syncer.config import load_config, load_env_file
from syncer.errors import ConfigError, ExitCode
from syncer.health import assess, default_max_age, parse_duration
from syncer.state import read_heartbeat, state_target


def register(commands: Subcommands) -> None:
    health = commands.add_parser(
        "health",
        help="exit 0 when the worker completed a cycle recently, 1 when not (for probes)",
    )
    health.add_argument("--config", required=True, metavar="FILE", help="syncer.toml")
    health.add_argument(
        "--env-file", metavar="FILE", help="KEY=value lines added to the environment"
    )
    health.add_argument(
        "--max-age",
        metavar="DURATION",
        help="how long ago the last successful cycle may have ended (90s, 15m, 2h, 1d; "
        "default: two sync intervals plus five minutes)",
    )
    health.set_defaults(run=run_health)


def run_health(args: argparse.Namespace, context: Context) -> ExitCode:
    if args.env_file:
        load_env_file(Path(args.env_file), context.env)
    config = load_config(Path(args.config), environ=context.env, require_secrets=False)
    try:
        max_age = (
            parse_duration(args.max_age)
            if args.max_age
            else default_max_age(config.settings.worker)
        )
    except ValueError as exc:
        raise ConfigError(f"--max-age: {exc}") from None
    target = state_target(config, environ=context.env)
    verdict = assess(read_heartbeat(target), now=datetime.now(UTC), max_age=max_age)
    context.out(f"{target.label}: {verdict.reason}")
    return ExitCode.OK if verdict.healthy else ExitCode.PARTIAL
