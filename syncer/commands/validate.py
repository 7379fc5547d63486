"""``syncer validate``: check a configuration, its secrets, and optionally the trackers."""

from __future__ import annotations

import argparse

from syncer.commands.base import Context, Subcommands, configured_command
from syncer.errors import ExitCode, TrackerError
from syncer.trackers import open_trackers


def register(commands: Subcommands) -> None:
    validate = configured_command(
        commands, "validate", "check a configuration file and its secrets", run_validate
    )
    validate.add_argument(
        "--check-trackers",
        action="store_true",
        help="also connect to each tracker: credentials, project or repository, and every "
        "account in its owner map",
    )


def run_validate(args: argparse.Namespace, context: Context) -> ExitCode:
    config = context.load(args)
    names = ", ".join(config.settings.trackers) or "none"
    context.out(f"{args.config}: valid (trackers: {names}; state: {config.state_path})")
    if not args.check_trackers:
        return ExitCode.OK
    code = ExitCode.OK
    for name, tracker in open_trackers(config).items():
        try:
            tracker.check()
        except TrackerError as exc:
            context.out(f"  {name}: {exc}")
            code = ExitCode.TRACKER
            continue
        context.out(f"  {name}: reachable, credentials accepted")
        owners = config.settings.trackers[name].owners
        try:
            refused = set(tracker.unassignable(owners.values()))
        except TrackerError as exc:
            context.out(f"  {name}: could not check the owner map: {exc}")
            code = ExitCode.TRACKER
            continue
        for owner, account in sorted(owners.items()):
            if account in refused:
                context.out(
                    f"  {name}: owner {owner!r} maps to {account!r}, which {name} will not "
                    f"assign (fix trackers.{name}.owners)"
                )
                code = max(code, ExitCode.USAGE)
        if owners and not refused:
            context.out(f"  {name}: all {len(owners)} owner map accounts can be assigned")
    return code
