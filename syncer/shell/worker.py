"""The scheduled worker: one cycle (``run_once``) or the long-running loop (``run_forever``).

This is the only module that sleeps. It knows nothing of syncing or reporting: the CLI passes
the jobs in as callables (``Job``), so the worker never imports the CLI, trackers or the report.

The loop runs on the ``schedule`` library with a scheduler of its own (never the library's
global one): the sync job every ``[worker] sync_every_minutes`` (once at start too), the report
job daily at ``[worker] report_at`` in ``[worker] timezone``. Each job is isolated: an exception
is logged with its traceback and recorded as the heartbeat's last error, and the loop goes on
(the library itself lets exceptions escape). ``schedule`` runs a job that is overdue once and
then schedules it from now, so after a pause (a suspended laptop, a stopped container, a long
cycle) each job fires once, never once per missed interval.

Signals: SIGTERM and SIGINT set a flag (``StopSignal``) and wake the loop's sleep. A job in
flight is not interrupted: it sees ``stop.requested`` and should return after the write it is
doing; the loop then records the heartbeat and returns 128 + the signal number (143 for SIGTERM,
130 for SIGINT). A second signal exits at once with that same code. Handlers are installed by
the process itself, so this holds as PID 1 in a container too.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Protocol

import schedule

from syncer import startup
from syncer.config import WorkerConfig
from syncer.errors import ConfigError, ExitCode, StateError, StateLockedError, SyncerError
from syncer.shell.health import REFUSED

log = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60.0
"""The loop wakes at least this often, so a jump of the wall clock is noticed."""


class StopSignal:
    """Whether a stop was asked for, and by which signal; also the loop's interruptible sleep."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    @property
    def exit_code(self) -> int:
        """128 + the signal's number (143 SIGTERM, 130 SIGINT); 0 when none was received."""
        return 0 if self.signum is None else 128 + self.signum

    def request(self, signum: int) -> None:
        self.signum = signum
        self._event.set()

    def sleep(self, seconds: float) -> None:
        """Sleep, returning early when a stop is requested."""
        self._event.wait(max(0.0, seconds))


Job = Callable[[StopSignal], int]
"""A job: runs one sync, one report, or one whole cycle; returns its exit code (an
``ExitCode``).

It receives the ``StopSignal`` so that it can stop between two writes once a stop is asked for.
"""


class HeartbeatWriter(Protocol):
    """Where the worker records each job's end (``functools.partial(write_heartbeat, config)``)."""

    def __call__(
        self, *, now: datetime, ok: bool, next_due: datetime | None, error: str | None = None
    ) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def handle_signals(
    stop: StopSignal, *, exit_now: Callable[[int], object] = os._exit
) -> Iterator[StopSignal]:
    """Turn SIGTERM and SIGINT into ``stop`` for the block's duration (main thread only).

    The first signal asks for a stop; a second one calls ``exit_now(128 + signal)`` at once,
    without waiting for the write in flight.
    """

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.requested:
            os.write(2, f"syncer: {name} again: exiting now\n".encode())
            exit_now(128 + signum)
            return
        stop.request(signum)
        log.warning(
            "%s received: finishing the write in flight, then stopping (send it again to stop "
            "at once)",
            name,
        )

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    if (early := startup.take()) is not None:
        on_signal(early, None)  # it arrived while syncer was still starting
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class _Outcome:
    job: str
    finished: datetime
    ok: bool
    error: str | None


def _call(name: str, job: Job, stop: StopSignal, clock: Callable[[], datetime]) -> _Outcome:
    """Run one job, never letting its failure escape: the loop must go on."""
    try:
        status = job(stop)
    except SyncerError as exc:  # an expected failure: its one line says it all
        log.warning("%s failed: %s; the worker carries on", name, exc)
        return _Outcome(name, clock(), ok=False, error=_failure(name, exc))
    except Exception as exc:  # isolation is the point: any job failure is logged, not fatal
        log.exception("%s failed; the worker carries on", name)
        return _Outcome(name, clock(), ok=False, error=f"{name}: {_one_line(exc)}")
    if stop.requested:
        return _Outcome(name, clock(), ok=False, error=f"{name}: {_stopped(stop)}")
    return _judge(name, ExitCode(status), clock())


def _stopped(stop: StopSignal) -> str:
    name = signal.Signals(stop.signum).name if stop.signum else "a signal"
    return f"stopped by {name} before the end"


def _judge(name: str, status: ExitCode, finished: datetime) -> _Outcome:
    """A job's exit code as the heartbeat records it (``ExitCode.completes_cycle``): a cycle
    that ran while a tracker was down completed, with the outage as its note; health stays
    good (the worker is not stuck) and says so."""
    if status.completes_cycle:
        note = f"{name}: a tracker could not be used" if status == ExitCode.TRACKER else None
        return _Outcome(name, finished, ok=True, error=note)
    log.warning("%s ended with exit status %d; the worker carries on", name, status)
    return _Outcome(name, finished, ok=False, error=f"{name}: exit status {int(status)}")


def _failure(name: str, exc: BaseException) -> str:
    """What the heartbeat records of a job that raised: a configuration the worker cannot run
    with (an unmounted source, a bad file) is a refusal health reports at once."""
    text = f"{name}: {_one_line(exc)}"
    return REFUSED + text if isinstance(exc, ConfigError) else text


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:500] if first else type(exc).__name__


def _record(
    heartbeat: HeartbeatWriter | None, outcome: _Outcome, next_due: datetime | None
) -> None:
    if heartbeat is None:
        return
    try:
        heartbeat(now=outcome.finished, ok=outcome.ok, next_due=next_due, error=outcome.error)
    except Exception as exc:  # a heartbeat that cannot be written must not stop the work
        log.warning("heartbeat not recorded: %s", _one_line(exc))


def run_once(
    cycle: Job,
    *,
    stop: StopSignal,
    heartbeat: HeartbeatWriter | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """One whole cycle (``syncer run --once``): its status, or 128 + signal if stopped.

    The heartbeat is recorded either way; an exception is recorded, then re-raised for the
    CLI to turn into its one line and exit code.
    """
    try:
        status = cycle(stop)
    except StateLockedError:
        raise  # another run holds the state and records its own cycle: nothing happened here
    except StateError:
        raise  # the state cannot be opened: no heartbeat can be written there either
    except Exception as exc:
        _record(heartbeat, _Outcome("cycle", clock(), ok=False, error=_failure("cycle", exc)), None)
        raise
    if stop.requested:
        _record(heartbeat, _Outcome("cycle", clock(), ok=False, error=_stopped(stop)), None)
        return stop.exit_code
    _record(heartbeat, _judge("cycle", ExitCode(status), clock()), None)
    return status


def _build_scheduler(
    config: WorkerConfig,
    *,
    sync: Job,
    report: Job | None,
    stop: StopSignal,
    clock: Callable[[], datetime],
    outcomes: list[_Outcome],
) -> tuple[schedule.Scheduler, schedule.Job]:
    """A private scheduler with the sync job and, if configured, the daily report job."""
    scheduler = schedule.Scheduler()

    def run(name: str, job: Job) -> None:
        if not stop.requested:
            outcomes.append(_call(name, job, stop, clock))

    sync_job = scheduler.every(config.sync_every_minutes).minutes.do(run, "sync", sync).tag("sync")
    if report is not None and config.report_at is not None:
        every = scheduler.every()
        # Weekly on report_day (schedule names its weekday jobs as properties), else daily.
        when = getattr(every, config.report_day) if config.report_day else every.day
        when.at(config.report_at, config.timezone).do(run, "report", report).tag("report")
    return scheduler, sync_job


def _aware(moment: datetime | None) -> datetime | None:
    # schedule keeps naive local times; heartbeats and logs speak UTC.
    return None if moment is None else moment.astimezone(UTC)


def next_due(scheduler: schedule.Scheduler) -> tuple[str, datetime] | None:
    """The job that runs next and when (UTC)."""
    jobs = [j for j in scheduler.get_jobs() if j.next_run is not None]
    if not jobs:
        return None
    first = min(jobs)
    when = _aware(first.next_run)
    assert when is not None
    return (str(next(iter(first.tags), "job")), when)


def run_forever(
    config: WorkerConfig,
    *,
    sync: Job,
    report: Job | None,
    stop: StopSignal,
    heartbeat: HeartbeatWriter | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """The long-running worker: returns 128 + signal once a stop is asked for.

    ``sleep`` defaults to ``stop.sleep`` (woken by a signal); tests pass one that moves a fake
    clock. ``schedule`` reads the system clock, so tests move that too (time-machine).
    """
    sleep = stop.sleep if sleep is None else sleep
    outcomes: list[_Outcome] = []
    scheduler, sync_job = _build_scheduler(
        config, sync=sync, report=report, stop=stop, clock=clock, outcomes=outcomes
    )
    log.info(
        "worker started: sync every %d min%s",
        config.sync_every_minutes,
        f", report daily at {config.report_at} {config.timezone}"
        if report is not None and config.report_at
        else "",
    )
    # Sync at start, not one interval later; run() also schedules the next one.
    sync_job.run()  # type: ignore[no-untyped-call]  # schedule leaves Job.run unannotated
    announced: tuple[str, datetime] | None = None
    while True:
        scheduler.run_pending()
        upcoming = next_due(scheduler)
        for outcome in outcomes:
            _record(heartbeat, outcome, upcoming[1] if upcoming else None)
        outcomes.clear()
        if stop.requested:
            break
        if upcoming != announced and upcoming is not None:
            log.info("next: %s at %s", upcoming[0], upcoming[1].strftime("%Y-%m-%d %H:%M:%S %Z"))
            announced = upcoming
        idle = scheduler.idle_seconds or 0.0
        sleep(min(max(idle, 0.0), MAX_SLEEP_SECONDS))
        if stop.requested:
            break
    log.info("worker stopped (%s)", signal.Signals(stop.signum).name if stop.signum else "done")
    return stop.exit_code
