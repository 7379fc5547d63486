"""The sync stage of a cycle: ``world``'s plan, and unless dry, the plan applied.

This is the imperative shell around the pure core: it owns the order of I/O and nothing else.
A dry run is just the plan (``syncer.shell.world`` read it); a sync is the plan, then
``apply_plan``. ``syncer.shell.cycle`` runs it on the world it read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from syncer.config import Config
from syncer.core.render import document_heading
from syncer.errors import StateError, StateLockedError, StateLostError
from syncer.logs import bind, log_fields
from syncer.outcome import SyncOutcome
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.state import StateStore
from syncer.shell.trackers.base import TicketTracker
from syncer.shell.world import Progress, World, no_progress
from syncer.shell.writeback import carry_out_write_back

log = logging.getLogger(__name__)


def _never() -> bool:
    return False


def sync_world(
    config: Config,
    trackers: Mapping[str, TicketTracker],
    store: StateStore,
    world: World,
    *,
    dry_run: bool,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    stop: Callable[[], bool] = _never,
    progress: Progress = no_progress,
    commit: bool = False,
) -> SyncOutcome:
    """``world``'s plan, and unless ``dry_run`` the plan applied; the run recorded in state.

    ``stop`` is asked between two changes (a signal arrived: the rest waits for the next run).
    State that fails after changes may have been made raises ``StateLostError`` carrying what
    was done (``done``), for the summary.
    """
    started = now()
    documents, plan, links = world.documents, world.plan, world.links
    unavailable = world.unavailable
    result = None
    if not dry_run:
        applied = 0

        def between_changes() -> bool:
            # apply_plan asks this once before each change: the place to count them too.
            nonlocal applied
            progress("changes applied", applied, len(plan.changes))
            if applied < len(plan.changes):
                change = plan.changes[applied]
                bind(tracker=change.tracker, item_key=change.item_key)
            applied += 1
            return stop()

        configured = config.settings.trackers
        pacer = Pacer({n: t.write_gap for n, t in configured.items()}, sleep=sleep, clock=clock)
        with log_fields():  # each change's log lines name its tracker and item key
            result = apply_plan(
                plan,
                trackers,
                store,
                pacer=pacer,
                now=now,
                links=links,
                search_lag={n: timedelta(seconds=t.search_lag) for n, t in configured.items()},
                stop=between_changes,
            )
        progress("changes applied", len(plan.changes), len(plan.changes))
        unavailable |= result.unavailable
        plan = plan.model_copy(update={"findings": plan.findings + result.findings})
    # Document edits (write-back) after the tickets: links to new tickets need their keys.
    plan = carry_out_write_back(config, plan, result, commit=commit, trackers=trackers)
    outcome = SyncOutcome(
        documents=len(documents),
        items=sum(len(d.items) for d in documents if not d.errors),
        parsed=world.parsed,
        errors=tuple(p for d in documents for p in d.errors),
        warnings=tuple(p for d in documents for p in d.warnings),
        plan=plan,
        result=result,
        unavailable=unavailable,
        headings={d.source: document_heading(d) for d in documents},
        lines={item.key: item.line for d in documents for item in d.items},
        owners={item.key: item.owner for d in documents for item in d.items if item.owner},
    )
    lost = result.state_lost if result is not None else None
    if lost is None:
        try:
            if result is not None:
                # Matches are recorded (apply_plan): the quiet documents' records can stand.
                fresh, forget = world.settled_changes()
                store.record_settled(fresh, forget=forget)
            store.record_run(
                started=started,
                finished=now(),
                command="plan" if dry_run else "sync",
                summary=outcome.summary(),
            )
        except StateError as exc:
            if dry_run or isinstance(exc, StateLockedError):
                raise
            lost = str(exc)
    if lost is not None:
        # Lost after changes may have been made: not "nothing was done" (exit 2).
        raise StateLostError(
            f"{lost}; the changes made before are found again by the next run", done=outcome
        )
    return outcome
