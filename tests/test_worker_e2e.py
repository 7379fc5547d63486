"""SIGTERM at random moments of a worker syncing against the sandbox: exit 143 every time,
state consistent, and no duplicate afterwards."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncer.config import load_config
from syncer.sandbox import Sandbox
from syncer.state import read_heartbeat
from tests.test_e2e import ITEMS, issues, sandbox, sync, workspace

__all__ = ["sandbox", "workspace"]  # fixtures, imported to be used here

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kind() -> str:
    return "jira-cloud"


@pytest.fixture
def memory() -> str:
    return "state-kept"  # the worker keeps its state; test_e2e also runs without it


@pytest.mark.slow
def test_sigterm_at_random_moments_exits_143_and_never_duplicates(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    sandbox.inject_latency(15, times=None)
    rng = random.Random(10)
    for _ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.worker_sync_child", str(workspace / "syncer.toml")],
            cwd=ROOT,
            env=dict(os.environ),
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stderr is not None
        for line in child.stderr:
            if "worker started" in line:  # the handlers are in place
                break
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment: mid-sync or between cycles
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 143, stderr
    sandbox.clear_faults()
    assert sync(workspace) == 0
    made = issues(sandbox, kind)
    assert len(made) == ITEMS
    assert len({title for title, _ in made}) == ITEMS
    beat = read_heartbeat(load_config(workspace / "syncer.toml"))
    assert beat is not None
    assert beat.last_success is not None
