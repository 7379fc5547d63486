"""Hostile ``SYNCER_*`` variables in the caller's shell change nothing, in two senses.

The pure core reads values, never the environment: the planner, apply and sync suites are run
again in a child pytest with variables set that would break them if anything below the shell's
``parse_config(environ=...)`` read ``os.environ``.

The suite is isolated from whoever runs it: ``tests/conftest.py`` clears every ``SYNCER_*``
variable for each test, so neither the commands a test runs in-process nor the processes it
starts inherit an operator's settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = {
    "SYNCER_DEFAULT_TRACKER": "nope",
    "SYNCER_POLICIES__DEFAULT_DUE_DAYS": "1",
    "SYNCER_POLICIES__DUE_DAYS": '{"SEV1": 1, "SEV2": 1}',
    "SYNCER_ROUTES": '[{"tracker": "nope"}]',
    "SYNCER_STATE__PATH": "/nonexistent/state.db",
    "SYNCER_SOURCES__PATHS": '["/nonexistent"]',
    "SYNCER_TRACKERS": "{}",
    "SYNCER_MAIN_TOKEN": "hostile",
}


def run_pytest_with_hostile_variables(*tests: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCER_")} | HOSTILE
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_planner_apply_and_sync_suites_pass_with_hostile_syncer_variables() -> None:
    suites = ["tests/core/test_plan.py", "tests/shell/test_apply.py", "tests/shell/test_sync.py"]
    done = run_pytest_with_hostile_variables(*suites)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_commands_a_test_runs_or_starts_never_see_the_callers_syncer_variables() -> None:
    done = run_pytest_with_hostile_variables(
        # in-process: main() reads os.environ
        "tests/test_e2e.py::test_plan_is_a_dry_run[jira-cloud-state-kept]",
        # a child process: `syncer run --once` started with the test's environment
        "tests/commands/test_progress.py::test_no_bar_in_a_pipe",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
