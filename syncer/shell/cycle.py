"""One cycle: open the trackers and the state, read the world once, sync, report.

Every command that reads the world comes through ``run_cycle``: ``plan`` and ``sync`` (the sync
stage alone, dry or not), ``report`` (the report stage alone) and ``run`` (both, under one hold
of the state's run lock: the report sees what the sync did without reading the trackers
again, ``syncer.core.applied``). A tracker found unreadable is one verdict for the whole cycle.
Sources that hold no document are refused (``require_documents``, exit 2) before anything is
opened, unless ``[sources] allow_empty`` says so: an unmounted volume must not look like
"nothing to do" (or like every ticket orphaned) to plan, sync, report and run alike.

The cycle returns a ``CycleOutcome``; it prints nothing. ``syncer.commands`` renders it and
``exit_code`` turns it into the process's exit status (the one place that does).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from syncer.config import Config
from syncer.core.applied import settle, tickets_after
from syncer.core.report.gate import parse_gate_kinds
from syncer.core.report.model import GateKind
from syncer.errors import ConfigError, ExitCode, StateError, StateLockedError, StateLostError
from syncer.outcome import SyncOutcome
from syncer.shell.reporting import ReportFormat, ReportRun, produce_report
from syncer.shell.sources import require_documents
from syncer.shell.state import StateStore, open_store, state_target
from syncer.shell.sync import sync_world
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import Tracker
from syncer.shell.world import Progress, World, no_progress, read_world

__all__ = [
    "CycleOutcome",
    "ReportStage",
    "SyncStage",
    "exit_code",
    "parse_gate_kinds",
    "report_format",
    "run_cycle",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStage:
    """The sync stage: a plan (``dry_run``) or a sync."""

    dry_run: bool = False
    full: bool = False
    """List every managed ticket instead of asking each tracker what changed (``--full``)."""
    recreate: tuple[str, ...] = ()
    """Items (or their deleted tickets' keys) whose deleted ticket is made again."""
    changes_exit: bool = False
    """A plan with changes pending exits ``ExitCode.CHANGES`` (``plan --detailed-exitcode``)."""
    commit: bool = False
    """Commit the documents written back in their git working trees (``sync --commit``)."""


@dataclass(frozen=True)
class ReportStage:
    """The report stage: as of now (or ``as_of``, a preview that records and delivers nothing),
    for ``teams`` (all when empty), delivered unless ``deliver`` is false, gated on
    ``fail_on``, and written to ``output`` when given."""

    as_of: datetime | None = None
    teams: tuple[str, ...] = ()
    deliver: bool = True
    fail_on: tuple[GateKind, ...] = ()
    output: Path | None = None
    output_format: ReportFormat | None = None
    """The written report's format; by default from ``output``'s suffix."""


@dataclass(frozen=True)
class CycleOutcome:
    """What one cycle did: the sync stage's outcome, the report stage's run, and a stop."""

    sync: SyncOutcome | None = None
    stage: SyncStage | None = None
    """What the sync stage was asked to do (a plan, a sync), when it ran."""
    report: ReportRun | None = None
    gate: Mapping[GateKind, int] = field(default_factory=dict)
    """The ``fail_on`` kinds the report holds, with counts (any fails the gate)."""
    stopped_by: int | None = None
    """The signal that stopped the cycle between two changes, if one did."""
    seconds: float = 0.0

    @property
    def unavailable(self) -> dict[str, str]:
        """Trackers that could not be read or written this cycle, and why."""
        found = dict(self.sync.unavailable) if self.sync is not None else {}
        if self.report is not None:
            found |= self.report.unavailable
        return found


def exit_code(outcome: CycleOutcome) -> ExitCode:
    """The one place an exit status is chosen: a stop, then the worst of what happened (a
    tracker that could not be used, a gate that found items, a partial failure), then, for a
    plan asked for it, changes pending."""
    if outcome.stopped_by is not None:
        return ExitCode(128 + outcome.stopped_by)
    sync, report = outcome.sync, outcome.report
    # A report run alone is a CI gate first (that is why it runs); a cycle that syncs is about
    # the trackers first.
    if outcome.gate and sync is None:
        return ExitCode.GATE
    if outcome.unavailable:
        return ExitCode.TRACKER
    if outcome.gate:
        return ExitCode.GATE
    failed = sync is not None and (
        bool(sync.errors) or (sync.result is not None and sync.result.failed > 0)
    )
    if report is not None:
        failed = failed or bool(report.errors or report.failed_deliveries)
    if failed:
        return ExitCode.PARTIAL
    pending = sync is not None and outcome.stage is not None and outcome.stage.changes_exit
    if pending and sync is not None and sync.result is None and sync.plan.changes:
        return ExitCode.CHANGES
    return ExitCode.OK


@contextmanager
def _closing(trackers: Mapping[str, Tracker]) -> Iterator[None]:
    """Close each tracker's connections at the end of a cycle."""
    try:
        yield
    finally:
        for tracker in trackers.values():
            tracker.close()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _never() -> bool:
    return False


def run_cycle(
    config: Config,
    *,
    environ: Mapping[str, str],
    sync: SyncStage | None = None,
    report: ReportStage | None = None,
    now: Callable[[], datetime] = _utc_now,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    stop: Callable[[], bool] = _never,
    stop_signal: Callable[[], int | None] = lambda: None,
    progress: Progress = no_progress,
    on_locked: Callable[[], None] = lambda: None,
) -> CycleOutcome:
    """Run the asked-for stages of one cycle (see the module).

    ``environ`` gives the state database's password; ``stop`` is asked between two changes
    and before the report; ``stop_signal`` names the signal that asked. ``on_locked`` is
    called once the lock is held (a run turned away never calls it). Raises
    ``StateLockedError`` when another run holds the state, ``StateLostError`` when the state
    fails after changes may have been made.
    """
    started = clock()
    require_documents(config)
    # A plan, and a report previewed as of another day, read state from a throwaway copy.
    dry = sync.dry_run if sync is not None else report is not None and report.as_of is not None
    # Only a run that syncs needs every tracker's credentials: a report reads what it can.
    trackers = open_trackers(config, require_secrets=sync is not None)
    opened = False
    try:
        target = state_target(config, environ=environ)
        with _closing(trackers), open_store(target, scratch_copy=dry) as store:
            opened = True
            on_locked()
            world = read_world(
                config,
                store,
                trackers,
                progress=progress,
                # A report previewed as of another day reads as that day would (a full listing
                # due by then is made; the throwaway state keeps nothing of it).
                now=report.as_of if report is not None and report.as_of else now(),
                full=sync is not None and sync.full,
                recreate=sync.recreate if sync is not None else (),
            )
            outcome = None
            writes = store.link_writes
            if sync is not None:
                outcome = sync_world(
                    config,
                    trackers,
                    store,
                    world,
                    dry_run=sync.dry_run,
                    now=now,
                    sleep=sleep,
                    clock=clock,
                    stop=stop,
                    progress=progress,
                    commit=sync.commit,
                )
                if outcome.result is not None and report is not None:
                    world = _after(world, outcome, store=store, now=now(), read=writes)
            made = None
            gate: dict[GateKind, int] = {}
            if report is not None and not stop():
                made = produce_report(
                    config,
                    store=store,
                    world=world,
                    trackers=trackers,
                    now=report.as_of or now(),
                    teams=report.teams,
                    deliver=report.deliver and report.as_of is None,
                )
                if report.output is not None:
                    fmt = report.output_format or report_format(report.output)
                    write_atomically(report.output, made.render(fmt))
                gate = made.gate(report.fail_on) if report.fail_on else {}
    except StateError as exc:
        if not opened or isinstance(exc, StateLockedError | StateLostError):
            raise
        # Lost after changes may have been made: not "nothing was done" (exit 2). Closing the
        # lost state can fail too: what the sync did still travels with the error.
        earlier = exc.__context__
        done = earlier.done if isinstance(earlier, StateLostError) else None
        raise StateLostError(
            f"{exc}; the changes made before are found again by the next run", done=done
        ) from exc
    return CycleOutcome(
        sync=outcome,
        stage=sync,
        report=made,
        gate=gate,
        stopped_by=stop_signal() if stop() else None,
        seconds=clock() - started,
    )


def _after(
    world: World, outcome: SyncOutcome, *, store: StateStore, now: datetime, read: int
) -> World:
    """The world once the sync was applied, for the report: nothing is read again but state,
    and its links only if the sync wrote any (``read``: ``store.link_writes`` before)."""
    assert outcome.result is not None
    return World(
        documents=world.documents,
        parsed=world.parsed,
        texts=world.texts,
        links=store.links() if store.link_writes != read else world.links,
        reads=tickets_after(world.reads, outcome.result, now=now),
        plan=settle(world.plan, outcome.result),
    )


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
