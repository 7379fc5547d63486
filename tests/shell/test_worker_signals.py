"""Real signals to a real worker process: it finishes the write in flight, records, exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncer.shell.state import SqliteTarget, read_heartbeat

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path: Path, mode: str) -> subprocess.Popen[str]:
    out = tmp_path / "writes.txt"
    out.touch()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.worker_child",
            str(out),
            str(tmp_path / "state.db"),
            mode,
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # Signal only once the worker is in its first write (its handlers are installed by then).
    assert child.stderr is not None
    for line in child.stderr:
        if "worker started" in line:
            break
    while "start 2" not in out.read_text():
        assert child.poll() is None, "the worker ended early"
        time.sleep(0.01)  # polling politely; nothing is measured
    return child


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_finishes_the_write_in_flight_records_state_and_exits(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    child = start(tmp_path, "polite")
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == code, stderr
    lines = (tmp_path / "writes.txt").read_text().splitlines()
    starts = [line for line in lines if line.startswith("start")]
    ends = [line for line in lines if line.startswith("end")]
    assert [s.split()[1] for s in starts] == [e.split()[1] for e in ends]  # none cut in half
    assert f"{sig.name} received: finishing the write in flight" in stderr
    # The heartbeat records what happened: a cycle stopped before its end, not a success.
    beat = read_heartbeat(SqliteTarget(path=tmp_path / "state.db"))
    assert beat is not None
    assert beat.last_cycle is not None
    assert beat.last_success is None
    assert beat.last_error == f"sync: stopped by {sig.name} before the end"


def test_a_second_signal_exits_at_once(tmp_path: Path) -> None:
    child = start(tmp_path, "stubborn")
    child.send_signal(signal.SIGTERM)
    assert child.stderr is not None
    for line in child.stderr:
        if "SIGTERM received" in line:
            break
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 143
    assert "SIGTERM again: exiting now" in stderr
