"""``syncer plan`` and ``syncer sync``: one dry run or one real run, printed as text or JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, cast

from syncer.commands.base import Context, Subcommands, configured_command
from syncer.errors import ExitCode, StateLostError

if TYPE_CHECKING:
    from syncer.outcome import SyncOutcome

FULL_HELP = (
    "list every managed ticket instead of asking the trackers what changed since the last "
    "cycle (done daily anyway, [sync] full_every_hours): sees tickets deleted or moved since"
)
FORMAT_HELP = (
    "text: for people (default); json: every change, outcome and finding, for scripts; "
    "markdown: for a chat message or a CI summary"
)


def register(commands: Subcommands) -> None:
    plan = configured_command(
        commands,
        "plan",
        "show what a sync would change (a dry run: nothing is written)",
        run_plan_or_sync,
        description=(
            "The dry run: read the post-mortems and the trackers and print every change a sync "
            "would make, grouped by document, each with its ticket, the fields that would "
            "change (old -> new), owner, due date and priority. Findings (unknown owners, "
            "deferred creates, ...) are counted by kind with a few examples; -v lists them all. "
            "Nothing is written to the trackers or to state."
        ),
        examples=[
            ("syncer plan --config syncer.toml", "what the next sync would do"),
            ("syncer plan --config syncer.toml --format json > plan.json", "for a script"),
            (
                "syncer plan --detailed-exitcode --format markdown",
                "a CI gate on ./syncer.toml: exit 5 when a sync would change something",
            ),
        ],
        exit_codes=(
            ExitCode.OK,
            ExitCode.PARTIAL,
            ExitCode.USAGE,
            ExitCode.TRACKER,
            ExitCode.CHANGES,
            ExitCode.LOCKED,
            ExitCode.INTERRUPTED,
            ExitCode.TERMINATED,
        ),
    )
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 5 when the plan holds changes, 0 only when everything is in step (errors "
        "keep their own codes, as with terraform plan -detailed-exitcode)",
    )
    sync = configured_command(
        commands,
        "sync",
        "plan, then apply: create, update, link and close tickets",
        run_plan_or_sync,
        description=(
            "Plan, then apply: create a ticket for each new action item, update tickets whose "
            "item changed, close and reopen them as items are ticked, and link tickets a "
            "document already names. Ends with what it did, one line per change with the "
            "ticket and its URL, then the counts. Changes that fail are retried next run; "
            "to schedule it, use `syncer run`."
        ),
        examples=[
            ("syncer sync --config syncer.toml --env-file syncer.env", "one run"),
            ("syncer sync --config syncer.toml --format markdown", "a summary for a chat or CI"),
            (
                "syncer run --once --config /etc/syncer/syncer.toml",
                "what to schedule (cron, a CronJob): the sync, then the report, with the "
                "heartbeat `syncer health` reads",
            ),
        ],
        exit_codes=(
            ExitCode.OK,
            ExitCode.PARTIAL,
            ExitCode.USAGE,
            ExitCode.TRACKER,
            ExitCode.LOCKED,
            ExitCode.INTERRUPTED,
            ExitCode.TERMINATED,
        ),
    )
    for command in (plan, sync):
        command.add_argument(
            "--format", choices=("text", "json", "markdown"), default="text", help=FORMAT_HELP
        )
    sync.add_argument(
        "--commit",
        action="store_true",
        help="with [sources] write_back: commit the edited post-mortems in their git working "
        "tree, with a message naming the tickets written back",
    )
    for command in (plan, sync):
        command.add_argument("--full", action="store_true", help=FULL_HELP)
        command.add_argument(
            "--recreate",
            action="append",
            default=[],
            metavar="KEY",
            help="make again the ticket a person deleted in the tracker, named by its key "
            "(OPS-12, acme/web#7) or by the item's key; repeatable. Without it a deleted "
            "ticket is reported, never made again",
        )


def run_plan_or_sync(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.commands.progress import callback, progress_for
    from syncer.shell.cycle import SyncStage, exit_code, run_cycle
    from syncer.shell.worker import StopSignal, handle_signals

    config = context.load(args)
    drawer = progress_for(
        context.stderr,
        machine_output=args.format == "json" or args.log_format == "json",
        handler=context.log_handler,
    )
    try:
        # SIGTERM or SIGINT (also one that came while syncer was starting): the write in flight
        # finishes, the rest waits for the next run, and the summary is still printed.
        with handle_signals(StopSignal()) as stop:
            cycle = run_cycle(
                config,
                environ=context.env,
                sync=SyncStage(
                    dry_run=args.command == "plan",
                    changes_exit=getattr(args, "detailed_exitcode", False),
                    commit=getattr(args, "commit", False),
                    full=args.full,
                    recreate=tuple(args.recreate),
                ),
                progress=callback(drawer),
                stop=lambda: stop.requested,
                stop_signal=lambda: stop.signum,
            )
    except StateLostError as exc:
        # State failed mid-run: what was done is still shown, then the one line (exit 1).
        if exc.done is not None:
            _show(args, context, cast("SyncOutcome", exc.done))
        raise
    finally:
        if drawer is not None:
            drawer.close()
    outcome = cycle.sync
    assert outcome is not None
    _show(args, context, outcome)
    return exit_code(cycle)


def _show(args: argparse.Namespace, context: Context, outcome: SyncOutcome) -> None:
    from syncer.core.render import outcome_json, outcome_markdown, outcome_text

    if args.format == "json":
        context.out(outcome_json(outcome))
    elif args.format == "markdown":
        context.out(outcome_markdown(outcome), end="")
    else:
        show_plan = args.command == "plan"
        context.out(outcome_text(outcome, show_plan=show_plan, verbose=args.verbose > 0))
