"""Progress bars: drawn on a terminal (a real pseudo-terminal here), never in a pipe or JSON."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from syncer.sandbox import Sandbox
from tests.support.e2e import ITEMS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kind() -> str:
    return "jira-cloud"


@pytest.fixture
def memory() -> str:
    return "state-kept"  # a worker keeps its state (test_e2e also runs without it)


def run_on_terminal(workspace: Path, *extra: str) -> tuple[int, str, str]:
    """``syncer run --once`` with stderr on a pseudo-terminal; (exit, stdout, terminal text)."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", *extra[:1], "run", "--once", "--config",
         str(workspace / "syncer.toml"), *extra[1:]],
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm"},
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the child is done with it
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stdout, _ = child.communicate(timeout=60)
    return child.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_a_terminal_shows_bars_with_counts_and_rate(workspace: Path, sandbox: Sandbox) -> None:
    code, stdout, terminal = run_on_terminal(workspace, "--log-format=text")
    assert code == 0, terminal
    assert "created 7" in stdout
    assert "documents parsed" in terminal
    bars = [part for part in terminal.split("\r") if part.startswith("changes applied:")]
    assert bars, terminal
    assert all(f"/{ITEMS} [" in bar and "change/s]" in bar for bar in bars)
    assert "cycle finished" in terminal  # log lines still arrive, above the bar


def test_no_bar_with_json_output(workspace: Path, sandbox: Sandbox) -> None:
    code, stdout, terminal = run_on_terminal(workspace, "--log-format=text", "--format", "json")
    assert code == 0, terminal
    assert json.loads(stdout)["sync"]["summary"]["created"] == ITEMS
    assert "changes applied" not in terminal
    assert "cycle finished" in terminal


def test_no_bar_in_a_pipe(workspace: Path, sandbox: Sandbox) -> None:
    child = subprocess.run(
        [sys.executable, "-m", "syncer.cli", "run", "--once", "--config",
         str(workspace / "syncer.toml")],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, "TERM": "xterm"},
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    assert "changes applied" not in child.stderr
    assert "\r" not in child.stderr
