"""Real signals to ``syncer run`` processes syncing against the sandbox.

SIGTERM at random moments of the long-running worker: exit 143 every time, state consistent,
no duplicate afterwards. SIGTERM or SIGINT in the middle of ``run --once``'s writes: the write
in flight finishes, the rest are reported as not attempted, the summary is printed, and the next
run finishes the job without a duplicate; the same as PID 1 of its own PID namespace (a
container without an init), where the kernel drops any signal the process has no handler for.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncer.config import load_config
from syncer.sandbox import Sandbox
from syncer.shell.state import open_store, read_heartbeat, state_target
from tests.support.e2e import ITEMS, issues, sync

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kind() -> str:
    return "jira-cloud"


@pytest.fixture
def memory() -> str:
    return "state-kept"  # the worker keeps its state; test_e2e also runs without it


def start(workspace: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """``syncer run ARGS`` in a child process (see ``wait_for`` for its readiness)."""
    return subprocess.Popen(
        [
            *prefix,
            sys.executable,
            "-m",
            "syncer.cli",
            "run",
            "--config",
            str(workspace / "syncer.toml"),
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(child: subprocess.Popen[str], text: str) -> list[str]:
    """Read the child's stderr up to the first line containing ``text``; the lines read."""
    assert child.stderr is not None
    seen = []
    for line in child.stderr:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never logged: {''.join(seen)}")


def no_duplicates_afterwards(workspace: Path, sandbox: Sandbox, kind: str) -> None:
    sandbox.clear_faults()
    assert sync(workspace) == 0
    made = issues(sandbox, kind)
    assert len(made) == ITEMS
    assert len({title for title, _ in made}) == ITEMS
    with open_store(
        state_target(
            load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
        )
    ) as store:
        managed = [link for link in store.links().values() if link.status == "managed"]
        assert len(managed) == ITEMS
        assert not [link for link in store.links().values() if link.status == "pending"]


@pytest.mark.slow
def test_sigterm_at_random_moments_exits_143_and_never_duplicates(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    sandbox.inject_latency(60, times=None)
    rng = random.Random(10)
    for _ in range(20):
        child = start(workspace)
        wait_for(child, "worker started")  # the handlers are in place
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment: mid-sync or between cycles
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 143, stderr
        assert "worker stopped (SIGTERM)" in stderr
    no_duplicates_afterwards(workspace, sandbox, kind)
    beat = read_heartbeat(
        state_target(
            load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
        )
    )
    assert beat is not None
    assert beat.last_success is not None


def _stop_mid_writes(
    workspace: Path,
    sandbox: Sandbox,
    sig: signal.Signals,
    *,
    prefix: tuple[str, ...] = (),
) -> tuple[int, str, str]:
    sandbox.inject_latency(200, method="POST", times=None)  # each create takes a while
    # One create per request, so that a signal can fall between two of them (a bulk create of
    # all the items is one write in flight: nothing would be left to report).
    config = workspace / "syncer.toml"
    text = config.read_text()
    config.write_text(
        text.replace("search_lag_seconds = 0", "search_lag_seconds = 0\nbulk_create = false", 1)
    )
    child = start(workspace, "--once", prefix=prefix)
    seen = wait_for(child, ": created OPS-")  # one write done, more to come
    target = child.pid if not prefix else _only_child(child.pid)
    os.kill(target, sig)
    stdout, stderr = child.communicate(timeout=60)
    return child.returncode, stdout, "".join(seen) + stderr


def _only_child(pid: int) -> int:
    """The process ``unshare --fork`` started (PID 1 of its namespace), by its host PID."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_run_finishes_the_write_reports_the_rest_and_exits(
    workspace: Path, sandbox: Sandbox, kind: str, sig: signal.Signals, code: int
) -> None:
    returncode, stdout, stderr = _stop_mid_writes(workspace, sandbox, sig)
    assert returncode == code, stderr
    assert f"{sig.name} received: finishing the write in flight" in stderr
    [stopped] = [line for line in stdout.splitlines() if line.startswith("stopped by")]
    left = int(stopped.split(": ")[1].split()[0])
    assert 0 < left < ITEMS
    made = len(issues(sandbox, kind))
    assert made + left == ITEMS  # every create either done and recorded, or not attempted
    [summary] = [line for line in stderr.splitlines() if "cycle finished" in line]
    assert f"(exit {code})" in summary
    assert f"stopped by {sig.name}: {left} changes not attempted" in summary
    with open_store(
        state_target(
            load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
        )
    ) as store:
        recorded = [link for link in store.links().values() if link.status == "managed"]
        assert len(recorded) == made
    no_duplicates_afterwards(workspace, sandbox, kind)


@pytest.mark.skipif(
    shutil.which("unshare") is None or os.geteuid() != 0,
    reason="needs unshare(1) and root for a PID namespace; see the README",
)
def test_as_pid_1_sigterm_still_finishes_the_write_and_exits_143(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    returncode, stdout, stderr = _stop_mid_writes(
        workspace, sandbox, signal.SIGTERM, prefix=("unshare", "--pid", "--fork")
    )
    assert returncode == 143, stderr
    assert "stopped by SIGTERM" in stdout
    no_duplicates_afterwards(workspace, sandbox, kind)


def test_a_second_signal_exits_at_once(workspace: Path, sandbox: Sandbox) -> None:
    sandbox.inject_latency(3000, method="POST", times=None)  # a write that takes long
    child = start(workspace, "--once")
    wait_for(child, "cycle started")
    time.sleep(0.5)  # into the first (slow) create; nothing is measured
    child.send_signal(signal.SIGTERM)
    wait_for(child, "SIGTERM received")
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 143
    assert "SIGTERM again: exiting now" in stderr


def test_the_long_running_worker_announces_the_next_run_and_records_it(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    child = start(workspace)
    seen = wait_for(child, "next: sync at")
    assert any("cycle finished" in line for line in seen)  # the first sync ran at start
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 143, stderr
    assert len(issues(sandbox, kind)) == ITEMS
    beat = read_heartbeat(
        state_target(
            load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
        )
    )
    assert beat is not None
    assert beat.last_success is not None
    assert beat.next_due is not None
    assert beat.next_due > beat.last_success
