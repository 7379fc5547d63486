"""``syncer report``: the follow-up report, printed or written, with an optional CI gate.

Exit codes: 4 when ``--fail-on`` names a kind the report holds (checked first: a gate is why a
CI job runs it); 3 when a tracker could not be read (its items are 'unknown' in the report);
1 when a document could not be read or a delivery failed; else 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from syncer.commands.base import Context, Subcommands, configured_command
from syncer.core.report.gate import GATE_KINDS, parse_gate_kinds
from syncer.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncer.config import Config
    from syncer.outcome import Delivery
from syncer.core.report.formats import FORMATS, ReportFormat


def register(commands: Subcommands) -> None:
    command = configured_command(
        commands,
        "report",
        "the follow-up report: untracked, unowned, overdue, stale, drifting items; recurrences",
        run_report,
        description=(
            "The follow-up report team leads read: items without a ticket or an owner, overdue, "
            "stale or drifting from their document, unfinished post-mortems, incidents that "
            "recurred while their follow-ups were open, each incident's loop and the metrics. "
            "Reads what a no-op sync reads (runs from the documents alone without trackers), "
            "records the counts for the weekly trend, and delivers where [report.teams] says."
        ),
        examples=[
            ("syncer report --config syncer.toml --output report.html", "write the HTML report"),
            ("syncer report --config syncer.toml --as-of 2026-12-31 --team web", "a preview"),
            ("syncer report --config syncer.toml --fail-on untracked,overdue", "a CI gate"),
        ],
        exit_codes=(
            ExitCode.OK,
            ExitCode.PARTIAL,
            ExitCode.USAGE,
            ExitCode.TRACKER,
            ExitCode.GATE,
            ExitCode.LOCKED,
            ExitCode.INTERRUPTED,
        ),
    )
    command.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="md (default), html (one self-contained file) or json (versioned schema); with "
        "--output, taken from the file's suffix",
    )
    command.add_argument(
        "--output", metavar="FILE", help="write the report here (format from its suffix)"
    )
    command.add_argument(
        "--as-of",
        metavar="DATE",
        help="report as of this date (YYYY-MM-DD, end of day in [report] timezone) or ISO "
        "moment; a preview: nothing is recorded or delivered",
    )
    command.add_argument(
        "--team", action="append", default=[], metavar="TEAM", help="only this team (repeatable)"
    )
    command.add_argument(
        "--fail-on",
        metavar="KINDS",
        default="",
        help=f"exit 4 if the report has any of these (comma-separated: {', '.join(GATE_KINDS)})",
    )
    command.add_argument(
        "--no-deliver",
        action="store_true",
        help="do not publish, post or nudge (the report is still printed or written)",
    )


def parse_as_of(text: str, *, timezone: str) -> dt.datetime:
    """``2026-12-01`` -> the last moment of that day in ``timezone``; an ISO moment as given
    (UTC when it names no zone)."""
    try:
        if len(text.strip()) == 10:
            day = dt.date.fromisoformat(text.strip())
            end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo(timezone))
            return end.astimezone(dt.UTC)
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--as-of: not a date or ISO moment: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _format_for(args: argparse.Namespace) -> ReportFormat:
    if args.format:
        fmt: ReportFormat = args.format
        return fmt
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        by_suffix: dict[str, ReportFormat] = {
            "md": "md",
            "markdown": "md",
            "html": "html",
            "htm": "html",
            "json": "json",
        }
        if suffix in by_suffix:
            return by_suffix[suffix]
    return "md"


def _load(args: argparse.Namespace, context: Context) -> Config:
    """The configuration; trackers without credentials are left out, not an error: the
    report still runs (their items are 'unknown'), and with no tracker at all it needs none."""
    from syncer.config import load_config, load_env_file

    if args.env_file:
        load_env_file(Path(args.env_file), context.env)
    config = load_config(Path(args.config), environ=context.env, require_secrets=False)
    context.redactor.add_config(config)
    context.warn(config)
    return config


def _delivered(delivery: Delivery) -> str:
    if delivery.channel == "publish":
        return f"{delivery.team}: report {delivery.detail} in {delivery.target}"
    if delivery.channel == "webhook":
        return f"{delivery.team}: digest posted to the webhook in {delivery.target}"
    return f"{delivery.team}: nudged the assignee of {delivery.target} ({delivery.detail})"


def run_report(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.shell.cycle import ReportStage, exit_code, run_cycle

    try:
        kinds = tuple(parse_gate_kinds(args.fail_on))
    except ValueError as exc:
        raise ConfigError(f"--fail-on: {exc}") from None
    config = _load(args, context)
    as_of = (
        parse_as_of(args.as_of, timezone=config.settings.report.timezone)
        if args.as_of is not None
        else None
    )
    # A preview (--as-of) reads state from a throwaway copy: no history point, no delivery.
    cycle = run_cycle(
        config,
        environ=context.env,
        report=ReportStage(
            as_of=as_of,
            teams=tuple(args.team),
            deliver=not args.no_deliver,
            fail_on=kinds,
            output=Path(args.output) if args.output else None,
            output_format=_format_for(args),
        ),
    )
    run = cycle.report
    assert run is not None
    if args.output:
        counts = run.report.counts()
        context.out(
            f"report written to {args.output}: "
            + ", ".join(f"{counts[k]} {k}" for k in ("untracked", "unowned", "overdue", "stale"))
            + f", {counts['drift']} drift"
        )
    else:
        context.out(run.render(_format_for(args)).rstrip("\n"))
    for name, reason in sorted(run.unavailable.items()):
        context.err(f"{name}: could not be read, its items are 'unknown': {reason}")
    for delivery in run.deliveries:
        if delivery.status == "failed":
            context.err(
                f"{delivery.team}: {delivery.channel} to {delivery.target} failed: "
                f"{delivery.detail}"
            )
        else:
            # The report itself may be on stdout: what was delivered goes beside it.
            (context.out if args.output else context.err)(_delivered(delivery))
    if cycle.gate:
        context.err(
            "--fail-on: the report has "
            + ", ".join(f"{count} {kind}" for kind, count in cycle.gate.items())
        )
    return exit_code(cycle)
