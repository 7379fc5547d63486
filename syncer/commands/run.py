"""``syncer run``: the scheduled worker, one cycle (``--once``) or the long-running loop.

A cycle is one sync, then the follow-up report and its delivery, under one hold of the state's
run lock. ``--once`` is for cron, a Kubernetes CronJob or a CI schedule; without it the worker
syncs every ``[worker] sync_every_minutes`` and reports daily at ``[worker] report_at``
(``syncer.shell.worker.run_forever``). Either way every cycle records a heartbeat (``syncer health``
reads it) and ends with one summary log line.

SIGTERM and SIGINT are turned into a stop flag (``syncer.shell.worker.handle_signals``): the change
being written finishes and is recorded, the rest are reported as not attempted, the summary is
printed, and the command exits 143 (SIGTERM) or 130 (SIGINT). A second signal exits at once.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncer.commands.base import Context, Subcommands, configured_command
from syncer.commands.sync import FULL_HELP
from syncer.core.report.gate import GATE_KINDS, parse_gate_kinds
from syncer.errors import ConfigError, ExitCode
from syncer.logs import run_id, set_level

# `syncer --help` imports this module: what a cycle needs is imported where it runs.
if TYPE_CHECKING:
    from syncer.commands.progress import TerminalProgress
    from syncer.config import Config
    from syncer.core.report.model import GateKind
    from syncer.outcome import SyncOutcome
    from syncer.shell.cycle import CycleOutcome
    from syncer.shell.worker import StopSignal

log = logging.getLogger("syncer.run")


def register(commands: Subcommands) -> None:
    command = configured_command(
        commands,
        "run",
        "the scheduled worker: sync and report on a schedule, or one cycle with --once",
        run_worker,
        description=(
            "The scheduled worker. With --once, one cycle: a sync, then the follow-up report and "
            "its delivery, then exit (for cron, a Kubernetes CronJob or CI). Without it, the "
            "long-running worker: a sync every [worker] sync_every_minutes and the report daily "
            "at [worker] report_at. Every cycle records a heartbeat for `syncer health` and ends "
            "with one summary log line. SIGTERM or SIGINT: the write in flight finishes, the "
            "rest is left for the next run, and syncer exits 143 or 130; a second signal exits "
            "at once."
        ),
        examples=[
            ("syncer run --once --config syncer.toml", "one cycle, from cron or a CronJob"),
            ("syncer run --config syncer.toml --log-format json", "the worker, logs as JSON"),
            (
                "syncer run --once --config syncer.toml --report-output report.html",
                "and keep the report as a file",
            ),
        ],
        exit_codes=(
            ExitCode.OK,
            ExitCode.PARTIAL,
            ExitCode.USAGE,
            ExitCode.TRACKER,
            ExitCode.GATE,
            ExitCode.LOCKED,
            ExitCode.INTERRUPTED,
            ExitCode.TERMINATED,
        ),
    )
    command.add_argument(
        "--once",
        action="store_true",
        help="one cycle (sync, then the report and its delivery), then exit: for cron, a "
        "Kubernetes CronJob or CI",
    )
    command.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="how --once prints what the cycle did on stdout",
    )
    command.add_argument("--full", action="store_true", help=FULL_HELP + " (the first cycle)")
    command.add_argument(
        "--report-output",
        metavar="FILE",
        help="write each report here, replacing the last (.md, .html or .json)",
    )
    command.add_argument(
        "--no-deliver",
        action="store_true",
        help="build and record the report but deliver nothing (no published issue, digest or "
        "nudge); delivery otherwise follows [report] deliver (weekly by default)",
    )
    command.add_argument(
        "--fail-on",
        metavar="KINDS",
        default="",
        help=f"exit 4 when the report has any of these ({', '.join(GATE_KINDS)})",
    )


class Jobs:
    """The jobs of ``syncer run``, each one ``run_cycle`` (``syncer.shell.cycle``): a sync, a
    report, or both under one hold of the lock (``--once``). Each logs its summary line and
    returns its exit code; the worker records what it means for health."""

    def __init__(
        self,
        config: Config,
        *,
        environ: Mapping[str, str],
        drawer: TerminalProgress | None,
        fail_on: tuple[GateKind, ...] = (),
        report_output: Path | None = None,
        deliver: bool = True,
        full: bool = False,
    ) -> None:
        from syncer.shell.cycle import ReportStage

        self.full = full
        """The next sync lists every managed ticket (``--full``); later ones ask what changed."""
        self.config = config
        self.environ = environ
        self.drawer = drawer
        self.report = ReportStage(fail_on=fail_on, output=report_output, deliver=deliver)
        self.last: CycleOutcome | None = None

    def run(self, stop: StopSignal, *, sync: bool = True, report: bool = True) -> ExitCode:
        """One job; its exit code (128 + the signal when a signal stopped it)."""
        from syncer.commands.progress import callback
        from syncer.shell.cycle import SyncStage, exit_code, run_cycle

        name = "cycle" if sync and report else "sync" if sync else "report"
        with run_id() as current:
            try:
                outcome = run_cycle(
                    self.config,
                    environ=self.environ,
                    sync=SyncStage(full=self.full) if sync else None,
                    report=self.report if report else None,
                    stop=lambda: stop.requested,
                    stop_signal=lambda: stop.signum,
                    progress=callback(self.drawer),
                    # Only once the lock is held: a run turned away says so in its one line.
                    on_locked=lambda: log.info("%s started (run %s)", name, current),
                )
            finally:
                if sync:
                    self.full = False  # --full: the first cycle only
                if self.drawer is not None:
                    self.drawer.close()
            code = exit_code(outcome)
            self.last = outcome
            log_summary(outcome, code=code)
            return code


def log_summary(outcome: CycleOutcome, *, code: ExitCode) -> None:
    """The one line every cycle ends with; its counts are fields of a JSON log line too."""
    from syncer.core.render import summary_text

    parts = []
    fields: dict[str, object] = {"exit_code": int(code)}
    if outcome.sync is not None:
        counts = outcome.sync.summary()
        parts.append(f"sync {summary_text(counts)}")
        fields["sync"] = counts
    if outcome.report is not None:
        parts.append(f"report {report_summary(outcome)}")
        fields["report"] = outcome.report.summary()
    if outcome.unavailable:
        parts.append("unavailable: " + ", ".join(sorted(outcome.unavailable)))
        fields["unavailable"] = sorted(outcome.unavailable)
    if outcome.stopped_by is not None:
        left = not_attempted(outcome.sync)
        parts.append(
            f"stopped by {signal.Signals(outcome.stopped_by).name}: {left} changes not attempted"
        )
        fields["not_attempted"] = left
    log.info(
        "cycle finished in %.1f s (exit %d); %s",
        outcome.seconds,
        int(code),
        "; ".join(parts),
        extra={"duration": round(outcome.seconds, 3), "fields": fields},
    )


def not_attempted(outcome: SyncOutcome | None) -> int:
    from syncer.shell.apply import NOT_ATTEMPTED

    if outcome is None or outcome.result is None:
        return 0
    return sum(1 for o in outcome.result.outcomes if o.error == NOT_ATTEMPTED)


def report_summary(outcome: CycleOutcome) -> str:
    """What the report stage of a cycle did, in one phrase."""
    made = outcome.report
    assert made is not None
    counts = made.report.counts()
    summary = ", ".join(
        f"{kind} {counts[kind]}" for kind in ("untracked", "unowned", "overdue", "stale", "drift")
    )
    if made.deliveries:
        delivered = sum(1 for d in made.deliveries if d.status == "done")
        summary += f"; delivered {delivered} of {len(made.deliveries)}"
    if outcome.gate:
        summary += "; gate: " + ", ".join(f"{n} {kind}" for kind, n in outcome.gate.items())
    for delivery in made.failed_deliveries:
        log.warning(
            "report: %s %s to %s failed: %s",
            delivery.team,
            delivery.channel,
            delivery.target,
            delivery.detail,
        )
    return summary


def report_data(outcome: CycleOutcome) -> dict[str, Any] | None:
    """The report stage as ``run --once --format json`` prints it."""
    made = outcome.report
    if made is None:
        return None
    output = None
    return {
        "summary": made.summary(),
        "gate": dict(outcome.gate),
        "output": output,
        "unavailable": dict(made.unavailable),
        "deliveries": [d.model_dump(mode="json") for d in made.deliveries],
    }


def print_once(
    context: Context, outcome: CycleOutcome | None, *, fmt: str, verbose: int, output: Path | None
) -> None:
    """What ``run --once`` did, on stdout: the sync outcome, the report, and a stop."""
    from syncer.core.render import JSON_SCHEMA_VERSION, outcome_json, outcome_text

    if outcome is None or outcome.sync is None:
        return
    left = not_attempted(outcome.sync)
    stopped = signal.Signals(outcome.stopped_by).name if outcome.stopped_by else None
    if fmt == "json":
        report = report_data(outcome)
        if report is not None:
            report["output"] = str(output) if output else None
        data: dict[str, Any] = {
            "schema_version": JSON_SCHEMA_VERSION,
            "sync": json.loads(outcome_json(outcome.sync)),
            "report": report,
            "stopped_by": stopped,
            "not_attempted": left,
            "seconds": round(outcome.seconds, 3),
        }
        context.out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    context.out(outcome_text(outcome.sync, show_plan=verbose > 0))
    if outcome.report is not None:
        context.out(f"report: {report_summary(outcome)}")
    if stopped:
        context.out(
            f"stopped by {stopped}: {left} changes not attempted (left for the next "
            "run); the write in flight finished and is recorded"
        )


def run_worker(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.commands.progress import progress_for
    from syncer.shell.state import state_target, write_heartbeat
    from syncer.shell.worker import StopSignal, handle_signals, run_forever, run_once

    try:
        fail_on = tuple(parse_gate_kinds(args.fail_on))
    except ValueError as exc:
        raise ConfigError(f"--fail-on: {exc}") from None
    config = context.load(args)
    set_level(logging.INFO)  # the worker's log lines are its account of what it did
    target = state_target(config, environ=context.env)
    drawer = progress_for(
        context.stderr,
        machine_output=args.format == "json" or args.log_format == "json",
        handler=context.log_handler,
    )
    output = Path(args.report_output) if args.report_output else None
    jobs = Jobs(
        config,
        environ=context.env,
        drawer=drawer,
        fail_on=fail_on,
        report_output=output,
        deliver=not args.no_deliver,
        full=args.full,
    )
    heartbeat = functools.partial(write_heartbeat, target)
    with handle_signals(StopSignal()) as stop:
        if args.once:
            try:
                status = run_once(jobs.run, stop=stop, heartbeat=heartbeat)
            finally:
                print_once(context, jobs.last, fmt=args.format, verbose=args.verbose, output=output)
        else:
            worker = config.settings.worker
            status = run_forever(
                worker,
                sync=functools.partial(jobs.run, report=False),
                report=functools.partial(jobs.run, sync=False),
                stop=stop,
                heartbeat=heartbeat,
            )
    return ExitCode(status)
