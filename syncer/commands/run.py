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
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syncer.commands.base import Context, Subcommands, configured_command, exit_for
from syncer.commands.progress import TerminalProgress, callback, progress_for
from syncer.commands.report import exit_for_report
from syncer.commands.sync import FULL_HELP
from syncer.config import Config
from syncer.core.render import outcome_json, outcome_text, summary_text
from syncer.core.report.gate import GATE_KINDS, parse_gate_kinds
from syncer.core.report.model import GateKind
from syncer.errors import ConfigError, ExitCode, StateError, StateLockedError, StateLostError
from syncer.logs import run_id, set_level
from syncer.outcome import SyncOutcome
from syncer.shell.apply import NOT_ATTEMPTED
from syncer.shell.reporting import ReportFormat, produce_report
from syncer.shell.state import StateStore, StateTarget, open_store, state_target, write_heartbeat
from syncer.shell.sync import run_sync
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import Tracker
from syncer.shell.worker import StopSignal, handle_signals, run_forever, run_once

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
        "--fail-on",
        metavar="KINDS",
        default="",
        help=f"exit 4 when the report has any of these ({', '.join(GATE_KINDS)})",
    )


@dataclass(frozen=True)
class ReportDone:
    """What the report stage of a cycle did, for the summary."""

    code: ExitCode
    summary: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class CycleResult:
    """One cycle's sync outcome, report (None when not made) and exit code."""

    outcome: SyncOutcome
    report: ReportDone | None
    code: ExitCode
    seconds: float


@contextmanager
def closing_trackers(trackers: Mapping[str, Tracker]) -> Iterator[None]:
    """Close each tracker's connections at the end of a job (the adapters that can)."""
    try:
        yield
    finally:
        for tracker in trackers.values():
            close = getattr(tracker, "close", None)
            if callable(close):
                close()


def combined_exit(sync: ExitCode, report: ExitCode | None) -> ExitCode:
    """The worst of the two stages: a tracker or configuration problem, then the report's gate,
    then a partial failure."""
    codes = [sync] if report is None else [sync, report]
    for worst in (ExitCode.TRACKER, ExitCode.USAGE, ExitCode.GATE, ExitCode.PARTIAL):
        if worst in codes:
            return worst
    return ExitCode.OK


def not_attempted(outcome: SyncOutcome) -> int:
    if outcome.result is None:
        return 0
    return sum(1 for o in outcome.result.outcomes if o.error == NOT_ATTEMPTED)


class Cycle:
    """The jobs of ``syncer run``: a sync, a report, or both under one lock (``--once``)."""

    def __init__(
        self,
        config: Config,
        *,
        target: StateTarget,
        drawer: TerminalProgress | None,
        fail_on: tuple[GateKind, ...] = (),
        report_output: Path | None = None,
        full: bool = False,
    ) -> None:
        self.full = full
        """The next sync lists every managed ticket (``--full``); later ones ask what changed."""
        self.config = config
        self.target = target
        self.drawer = drawer
        self.fail_on = fail_on
        self.report_output = report_output
        self.last: CycleResult | None = None

    def _sync(
        self, trackers: Mapping[str, Tracker], store: StateStore, stop: StopSignal
    ) -> SyncOutcome:
        try:
            return run_sync(
                self.config,
                trackers,
                store,
                dry_run=False,
                now=lambda: datetime.now(UTC),
                sleep=time.sleep,
                clock=time.monotonic,
                stop=lambda: stop.requested,
                progress=callback(self.drawer),
                full=self.full,
            )
        finally:
            self.full = False
            if self.drawer is not None:
                self.drawer.close()

    def run(self, stop: StopSignal, *, sync: bool = True, report: bool = True) -> int:
        """One job; returns its exit code (the caller adds 128 + signal when stopped)."""
        with run_id() as current:
            started = time.monotonic()
            trackers = open_trackers(self.config)
            opened = False
            try:
                with closing_trackers(trackers), open_store(self.target) as store:
                    opened = True
                    # Only once the lock is held: a run turned away says so in its one line.
                    log.info("%s started (run %s)", _job_name(sync=sync, report=report), current)
                    outcome = self._sync(trackers, store, stop) if sync else None
                    made = None
                    if report and not stop.requested:
                        made = report_stage(
                            self.config,
                            store=store,
                            trackers=trackers,
                            now=datetime.now(UTC),
                            fail_on=self.fail_on,
                            output=self.report_output,
                        )
            except StateError as exc:
                if not opened or isinstance(exc, StateLockedError | StateLostError):
                    raise
                # Lost after changes may have been made: not "nothing was done" (exit 2).
                raise StateLostError(
                    f"{exc}; the changes made before are found again by the next run"
                ) from exc
            code = combined_exit(
                exit_for(outcome) if outcome is not None else ExitCode.OK,
                made.code if made is not None else None,
            )
            seconds = time.monotonic() - started
            if outcome is not None:
                self.last = CycleResult(outcome, made, code, seconds)
            shown = ExitCode(stop.exit_code) if stop.requested else code
            log_summary(outcome, made, stop=stop, seconds=seconds, code=shown)
            return int(code)


def _job_name(*, sync: bool, report: bool) -> str:
    return "cycle" if sync and report else "sync" if sync else "report"


def log_summary(
    outcome: SyncOutcome | None,
    report: ReportDone | None,
    *,
    stop: StopSignal,
    seconds: float,
    code: ExitCode,
) -> None:
    """The one line every cycle ends with."""
    parts = []
    if outcome is not None:
        parts.append(f"sync {summary_text(outcome.summary())}")
    if report is not None:
        parts.append(f"report {report.summary}")
    if stop.requested:
        left = not_attempted(outcome) if outcome is not None else 0
        parts.append(f"stopped by {_signal_name(stop)}: {left} changes not attempted")
    log.info(
        "cycle finished in %.1f s (exit %d); %s",
        seconds,
        int(code),
        "; ".join(parts),
        extra={"duration": round(seconds, 3)},
    )


def _signal_name(stop: StopSignal) -> str:
    return signal.Signals(stop.signum).name if stop.signum else "a signal"


def report_stage(
    config: Config,
    *,
    store: StateStore,
    trackers: Mapping[str, Tracker],
    now: datetime,
    fail_on: tuple[GateKind, ...],
    output: Path | None,
) -> ReportDone:
    """The follow-up report (``syncer.shell.reporting.produce_report``: built, recorded in the run
    history, delivered as configured), written to ``output`` if given, and gated on ``fail_on``."""
    made = produce_report(config, store=store, trackers=trackers, now=now)
    if output is not None:
        write_atomically(output, made.render(report_format(output)))
    hits = made.gate(fail_on) if fail_on else {}
    counts = made.report.counts()
    summary = ", ".join(
        f"{kind} {counts[kind]}" for kind in ("untracked", "unowned", "overdue", "stale", "drift")
    )
    if made.deliveries:
        delivered = sum(1 for d in made.deliveries if d.status == "done")
        summary += f"; delivered {delivered} of {len(made.deliveries)}"
    if hits:
        summary += "; gate: " + ", ".join(f"{count} {kind}" for kind, count in hits.items())
    for delivery in made.failed_deliveries:
        log.warning(
            "report: %s %s to %s failed: %s",
            delivery.team,
            delivery.channel,
            delivery.target,
            delivery.detail,
        )
    data = {
        "summary": made.summary(),
        "gate": dict(hits),
        "output": str(output) if output else None,
        "unavailable": dict(made.unavailable),
        "deliveries": [d.model_dump(mode="json") for d in made.deliveries],
    }
    return ReportDone(exit_for_report(made, bool(hits)), summary, data)


def report_format(path: Path) -> ReportFormat:
    """The report's format from the output file's suffix (Markdown unless .html or .json)."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    return "json" if suffix == ".json" else "md"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so a reader (a web server, an upload) never sees half."""
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as tmp:
            tmp.write(text)
        os.chmod(tmp.name, 0o644)  # a report is for reading (temporary files start private)
        os.replace(tmp.name, path)
    except OSError as exc:
        raise ConfigError(f"--report-output: cannot write {path}: {exc.strerror}") from None


def print_once(
    context: Context, result: CycleResult | None, *, fmt: str, verbose: int, stop: StopSignal
) -> None:
    """What ``run --once`` did, on stdout: the sync outcome, the report, and a stop."""
    if result is None:
        return
    left = not_attempted(result.outcome)
    if fmt == "json":
        data: dict[str, Any] = {
            "sync": json.loads(outcome_json(result.outcome)),
            "report": dict(result.report.data) if result.report else None,
            "stopped_by": _signal_name(stop) if stop.requested else None,
            "not_attempted": left,
            "seconds": round(result.seconds, 3),
        }
        context.out(json.dumps(data, indent=2, ensure_ascii=False))
        return
    context.out(outcome_text(result.outcome, show_plan=verbose > 0))
    if result.report is not None:
        context.out(f"report: {result.report.summary}")
    if stop.requested:
        context.out(
            f"stopped by {_signal_name(stop)}: {left} changes not attempted (left for the next "
            "run); the write in flight finished and is recorded"
        )


def run_worker(args: argparse.Namespace, context: Context) -> ExitCode:
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
    cycle = Cycle(
        config,
        target=target,
        drawer=drawer,
        fail_on=fail_on,
        report_output=Path(args.report_output) if args.report_output else None,
        full=args.full,
    )
    heartbeat = functools.partial(write_heartbeat, target)
    with handle_signals(StopSignal()) as stop:
        if args.once:
            try:
                status = run_once(cycle.run, stop=stop, heartbeat=heartbeat)
            finally:
                print_once(context, cycle.last, fmt=args.format, verbose=args.verbose, stop=stop)
        else:
            worker = config.settings.worker
            status = run_forever(
                worker,
                sync=functools.partial(cycle.run, report=False),
                report=functools.partial(cycle.run, sync=False),
                stop=stop,
                heartbeat=heartbeat,
            )
    return ExitCode(status)
