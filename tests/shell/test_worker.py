"""The worker loop with a moved clock: jobs fire when due, failures are isolated, no bursts.

``schedule`` reads the system clock, so time-machine moves it; the loop's sleep is injected and
moves the clock instead of sleeping. Nothing here waits in real time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from syncer.config import WorkerConfig
from syncer.shell.state import SqliteTarget, read_heartbeat, write_heartbeat
from syncer.shell.worker import StopSignal, run_forever, run_once, utc_now

START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@dataclass
class Clock:
    """Moves time-machine's clock on every sleep; asks the loop to stop at ``until``."""

    traveller: time_machine.Traveller
    stop: StopSignal
    until: datetime
    pauses: dict[int, timedelta] = field(default_factory=dict)
    sleeps: int = 0

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.traveller.shift(timedelta(seconds=seconds) + self.pauses.get(self.sleeps, timedelta()))
        if utc_now() > self.until:
            self.stop.request(15)


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as moving:
        yield moving


@dataclass
class Beats:
    """A heartbeat writer that remembers what it was told."""

    seen: list[tuple[datetime, bool, datetime | None, str | None]] = field(default_factory=list)

    def __call__(
        self, *, now: datetime, ok: bool, next_due: datetime | None, error: str | None = None
    ) -> None:
        self.seen.append((now, ok, next_due, error))


def recorder(
    log: list[datetime], *, fail_on: set[int] | None = None
) -> Callable[[StopSignal], int]:
    def job(stop: StopSignal) -> int:
        log.append(utc_now())
        if fail_on and len(log) in fail_on:
            raise RuntimeError(f"boom {len(log)}")
        return 0

    return job


def at(hour: int, minute: int) -> datetime:
    return START.replace(hour=hour, minute=minute)


def test_jobs_fire_when_due(traveller: time_machine.Traveller) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(10, 0))
    syncs: list[datetime] = []
    reports: list[datetime] = []
    code = run_forever(
        WorkerConfig(sync_every_minutes=15, report_at="09:00", timezone="UTC"),
        sync=recorder(syncs),
        report=recorder(reports),
        stop=stop,
        sleep=clock.sleep,
    )
    assert code == 143
    assert syncs == [START + timedelta(minutes=15 * i) for i in range(9)]
    assert reports == [at(9, 0)]


def test_a_weekly_report_runs_on_its_day_only(traveller: time_machine.Traveller) -> None:
    # START is Friday 2026-11-27; a Monday report runs on 11-30 and 12-07, not in between.
    stop = StopSignal()
    clock = Clock(traveller, stop, until=START + timedelta(days=11))
    reports: list[datetime] = []
    run_forever(
        WorkerConfig(
            sync_every_minutes=720, report_at="09:00", report_day="monday", timezone="UTC"
        ),
        sync=recorder([]),
        report=recorder(reports),
        stop=stop,
        sleep=clock.sleep,
    )
    assert reports == [
        datetime(2026, 11, 30, 9, tzinfo=UTC),
        datetime(2026, 12, 7, 9, tzinfo=UTC),
    ]


def test_the_report_time_is_read_in_the_configured_time_zone(
    traveller: time_machine.Traveller,
) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(12, 0))
    reports: list[datetime] = []
    run_forever(
        # 11:30 in Paris is 10:30 UTC in November (CET, UTC+1).
        WorkerConfig(sync_every_minutes=60, report_at="11:30", timezone="Europe/Paris"),
        sync=recorder([]),
        report=recorder(reports),
        stop=stop,
        sleep=clock.sleep,
    )
    assert reports == [at(10, 30)]


def test_a_failing_job_is_logged_and_the_next_still_runs(
    traveller: time_machine.Traveller, caplog: pytest.LogCaptureFixture
) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(9, 0))
    syncs: list[datetime] = []
    reports: list[datetime] = []
    beats = Beats()
    with caplog.at_level(logging.INFO, logger="syncer.shell.worker"):
        run_forever(
            WorkerConfig(sync_every_minutes=15, report_at="08:20", timezone="UTC"),
            sync=recorder(syncs, fail_on={1, 2}),
            report=recorder(reports, fail_on={1}),
            stop=stop,
            sleep=clock.sleep,
            heartbeat=beats,
        )
    assert syncs == [START + timedelta(minutes=15 * i) for i in range(5)]
    assert reports == [at(8, 20)]
    failures = [r for r in caplog.records if "failed; the worker carries on" in r.getMessage()]
    assert [r.getMessage() for r in failures] == [
        "sync failed; the worker carries on",
        "sync failed; the worker carries on",
        "report failed; the worker carries on",
    ]
    assert all(r.exc_info for r in failures)  # the traceback is in the log
    assert [(when, ok, error) for when, ok, _, error in beats.seen] == [
        (at(8, 0), False, "sync: RuntimeError: boom 1"),
        (at(8, 15), False, "sync: RuntimeError: boom 2"),
        (at(8, 20), False, "report: RuntimeError: boom 1"),
        (at(8, 30), True, None),
        (at(8, 45), True, None),
        (at(9, 0), True, None),
    ]


def test_a_pause_fires_each_job_once_not_once_per_missed_run(
    traveller: time_machine.Traveller,
) -> None:
    stop = StopSignal()
    # The second sleep takes an hour longer than asked (a suspended machine, a paused pod).
    clock = Clock(traveller, stop, until=at(9, 50), pauses={2: timedelta(hours=1)})
    syncs: list[datetime] = []
    reports: list[datetime] = []
    run_forever(
        WorkerConfig(sync_every_minutes=15, report_at="08:40", timezone="UTC"),
        sync=recorder(syncs),
        report=recorder(reports),
        stop=stop,
        sleep=clock.sleep,
    )
    # Sleeps are at most a minute: the pause starts at 08:01 and ends at 09:02.
    assert syncs == [at(8, 0), at(9, 2), at(9, 17), at(9, 32), at(9, 47)]
    assert reports == [at(9, 2)]


def test_the_heartbeat_names_the_next_due_run_and_failed_statuses(
    traveller: time_machine.Traveller, caplog: pytest.LogCaptureFixture
) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(8, 20))
    beats = Beats()
    with caplog.at_level(logging.INFO, logger="syncer.shell.worker"):
        run_forever(
            WorkerConfig(sync_every_minutes=15, report_at="08:10", timezone="UTC"),
            sync=lambda stop: 3,
            report=lambda stop: 2,
            stop=stop,
            sleep=clock.sleep,
            heartbeat=beats,
        )
    # A cycle that ran while a tracker was down completed (the worker is alive: a probe must
    # not restart it), with the outage as its note; a configuration it cannot run with did not.
    assert beats.seen == [
        (at(8, 0), True, at(8, 10), "sync: a tracker could not be used"),
        (at(8, 10), False, at(8, 15), "report: exit status 2"),
        (at(8, 15), True, at(8, 30), "sync: a tracker could not be used"),
    ]
    assert "next: report at 2026-11-27 08:10:00 UTC" in caplog.messages
    assert "next: sync at 2026-11-27 08:15:00 UTC" in caplog.messages


def test_a_stop_during_a_job_ends_the_loop_after_it_with_the_signal_status(
    traveller: time_machine.Traveller,
) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(12, 0))
    syncs: list[datetime] = []
    beats = Beats()

    def sync(stop: StopSignal) -> int:
        syncs.append(utc_now())
        if len(syncs) == 2:
            stop.request(2)  # as SIGINT would, in the middle of the second sync
        return 0

    code = run_forever(
        WorkerConfig(sync_every_minutes=15),
        sync=sync,
        report=None,
        stop=stop,
        sleep=clock.sleep,
        heartbeat=beats,
    )
    assert code == 130
    assert syncs == [at(8, 0), at(8, 15)]
    # The stopped cycle is recorded as what it was: not a completed cycle.
    assert [(ok, error) for _, ok, _, error in beats.seen] == [
        (True, None),
        (False, "sync: stopped by SIGINT before the end"),
    ]


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_worker(
    traveller: time_machine.Traveller, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stop = StopSignal()
    clock = Clock(traveller, stop, until=at(8, 30))
    (tmp_path / "a-file").write_text("")
    unwritable = SqliteTarget(path=tmp_path / "a-file" / "state.db")
    syncs: list[datetime] = []
    run_forever(
        WorkerConfig(sync_every_minutes=15),
        sync=recorder(syncs),
        report=None,
        stop=stop,
        sleep=clock.sleep,
        heartbeat=lambda **kw: write_heartbeat(unwritable, **kw),
    )
    assert len(syncs) == 3
    assert any(
        m.startswith("heartbeat not recorded: StateError: state.path") for m in caplog.messages
    )


def test_run_once_records_the_heartbeat_and_returns_the_cycle_status(tmp_path: Path) -> None:
    target = SqliteTarget(path=tmp_path / "state.db")

    def heartbeat(
        *, now: datetime, ok: bool, next_due: datetime | None, error: str | None = None
    ) -> None:
        write_heartbeat(target, now=now, ok=ok, next_due=next_due, error=error)

    assert (
        run_once(lambda stop: 1, stop=StopSignal(), heartbeat=heartbeat, clock=lambda: START) == 1
    )
    beat = read_heartbeat(target)
    assert beat is not None
    assert (beat.last_success, beat.next_due, beat.last_error) == (START, None, None)

    def broken(stop: StopSignal) -> int:
        raise RuntimeError("tracker exploded")

    with pytest.raises(RuntimeError):
        run_once(broken, stop=StopSignal(), heartbeat=heartbeat, clock=lambda: START)
    beat = read_heartbeat(target)
    assert beat is not None
    assert (beat.last_success, beat.last_error) == (START, "cycle: RuntimeError: tracker exploded")

    def interrupted(stop: StopSignal) -> int:
        stop.request(15)
        return 0

    assert run_once(interrupted, stop=StopSignal(), heartbeat=heartbeat) == 143


@pytest.mark.parametrize(
    ("worker", "problem"),
    [
        ({"sync_every_minutes": 0}, "worker.sync_every_minutes: must be at least 1, not 0"),
        ({"report_at": "8:30"}, "worker.report_at: must be a time of day as HH:MM"),
        ({"report_at": "24:00"}, "worker.report_at: must be a time of day as HH:MM"),
        ({"timezone": "Mars/Olympus"}, "worker.timezone: unknown time zone"),
        ({"every": 5}, "worker.every: unknown key"),
    ],
)
def test_a_bad_worker_section_names_the_field(worker: dict[str, object], problem: str) -> None:
    from syncer.config import parse_config
    from syncer.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config({"worker": worker}, base_dir=Path(), environ={})
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
