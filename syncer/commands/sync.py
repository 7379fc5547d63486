"""``syncer plan`` and ``syncer sync``: one dry run or one real run, printed as text or JSON."""

from __future__ import annotations

import argparse

from syncer.commands.base import Context, Subcommands, configured_command, exit_for
from syncer.commands.progress import callback, progress_for
from syncer.errors import ExitCode
from syncer.render import outcome_json, outcome_text
from syncer.sync import run_configured


def register(commands: Subcommands) -> None:
    for name, text in (
        ("plan", "show what a sync would change (a dry run: nothing is written)"),
        ("sync", "plan, then apply: create, update, link and close tickets"),
    ):
        command = configured_command(commands, name, text, run_plan_or_sync)
        command.add_argument("--format", choices=("text", "json"), default="text")


def run_plan_or_sync(args: argparse.Namespace, context: Context) -> ExitCode:
    config = context.load(args)
    drawer = progress_for(
        context.stderr,
        machine_output=args.format == "json" or args.log_format == "json",
        handler=context.log_handler,
    )
    try:
        outcome = run_configured(config, dry_run=args.command == "plan", progress=callback(drawer))
    finally:
        if drawer is not None:
            drawer.close()
    if args.format == "json":
        context.out(outcome_json(outcome))
    else:
        context.out(outcome_text(outcome, show_plan=args.command == "plan" or args.verbose > 0))
    return exit_for(outcome)
