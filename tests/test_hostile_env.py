"""The pure core reads values, never the environment: hostile ``SYNCER_*`` variables change nothing.

The planner, apply and sync suites are run again in a child pytest with variables set that would
break them if anything below the shell's ``parse_config(environ=...)`` read ``os.environ``.
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


def test_planner_apply_and_sync_suites_pass_with_hostile_syncer_variables() -> None:
    suites = ["tests/core/test_plan.py", "tests/shell/test_apply.py", "tests/shell/test_sync.py"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCER_")} | HOSTILE
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
