"""``syncer health``: is the scheduled worker alive? For a HEALTHCHECK or a liveness probe.

Reads the heartbeat the worker records after every cycle (without the run lock, so it never
waits for a run) and prints one line: ``ok: ...`` and exit 0, or why not and exit 1 (Docker's
"unhealthy"). Tracker credentials are not needed: a probe does not talk to the trackers.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from syncer.commands.base import Context, Subcommands, add_command, add_config_options
from syncer.errors import ConfigError, ExitCode, StateError


def register(commands: Subcommands) -> None:
    health = add_command(
        commands,
        "health",
        summary="exit 0 when the worker finished a cycle recently, 1 when not (for probes)",
        description=(
            "Is the scheduled worker alive? Reads the heartbeat every cycle of `syncer run` "
            "records in state (without the run lock, and without tracker credentials) and "
            "prints one line: ok, with when the last cycle succeeded and the next is due, or "
            "why not (no cycle yet, or the last success is older than --max-age, with the last "
            "error). For a container HEALTHCHECK or a Kubernetes liveness probe."
        ),
        examples=[
            ("syncer health --config syncer.toml", "the default limit: two sync intervals + 5 min"),
            ("syncer health --config /config/syncer.toml --max-age 45m", "a liveness probe"),
        ],
        exit_codes=(ExitCode.OK, ExitCode.PARTIAL, ExitCode.USAGE),
        exit_meanings={
            ExitCode.OK: "healthy: a cycle succeeded within --max-age",
            ExitCode.PARTIAL: "unhealthy: no cycle yet, or the last success is older than "
            "--max-age",
            ExitCode.USAGE: "usage or configuration error: nothing was judged",
        },
        run=run_health,
    )
    add_config_options(health)
    health.add_argument(
        "--max-age",
        metavar="DURATION",
        help="how long ago the last successful cycle may have ended (90s, 15m, 2h, 1d; "
        "default: two sync intervals plus five minutes)",
    )


def run_health(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.config import load_config, load_env_file
    from syncer.shell.health import assess, default_max_age, parse_duration
    from syncer.shell.state import read_heartbeat, state_target

    if getattr(args, "env_file", None):
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
    try:
        beat = read_heartbeat(target)
    except StateError as exc:
        # The state database is down or unreadable: the worker cannot be healthy either. Not
        # exit 2, which tells an operator to look for a configuration mistake.
        context.out(f"{target.label}: unhealthy: cannot read the heartbeat: {exc}")
        return ExitCode.PARTIAL
    verdict = assess(beat, now=datetime.now(UTC), max_age=max_age)
    context.out(f"{target.label}: {verdict.reason}")
    return ExitCode.OK if verdict.healthy else ExitCode.PARTIAL
