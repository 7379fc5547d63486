"""Signals that arrive while syncer is still starting (``syncer.startup``), in real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_start_up_becomes_the_stop_request(sig: int, code: int) -> None:
    # Issue 17, defect 8: a SIGTERM in the first seconds killed the process, summary and all.
    done = python(
        f"""
        import os
        from syncer import startup
        startup.install()
        os.kill(os.getpid(), {int(sig)})  # while the slow imports below would still run
        from syncer.shell.worker import StopSignal, handle_signals
        with handle_signals(StopSignal()) as stop:
            print(stop.requested, stop.exit_code)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", str(code)]


def test_a_command_that_handles_no_signal_gets_the_default_back() -> None:
    done = python(
        """
        import os, signal
        from syncer import startup
        startup.install()
        os.kill(os.getpid(), signal.SIGTERM)
        print("recorded, still running", flush=True)
        startup.release()
        print("not reached")
        """
    )
    assert done.stdout.splitlines() == ["recorded, still running"]
    assert done.returncode == -signal.SIGTERM
