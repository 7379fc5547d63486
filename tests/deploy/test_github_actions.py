"""The GitHub Actions workflow: valid against the workflow schema, and doing what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "deploy" / "github-actions" / "syncer.yml"


def test_the_workflow_matches_the_github_workflow_schema() -> None:
    # check-jsonschema ships SchemaStore's workflow schema: nothing is fetched.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    result: list[dict[str, Any]] = workflow["jobs"]["cycle"]["steps"]
    return result


def test_it_runs_on_a_schedule_never_twice_at_once() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as True.
    triggers = workflow[True]
    assert triggers["schedule"] == [{"cron": "*/30 * * * *"}]
    assert workflow["concurrency"] == {"group": "syncer", "cancel-in-progress": False}


def test_state_is_cached_between_runs_and_the_report_uploaded() -> None:
    by_action = {s["uses"].split("@")[0]: s for s in steps() if "uses" in s}
    restore, save = by_action["actions/cache/restore"], by_action["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == ".syncer-state"
    assert restore["with"]["restore-keys"] == "syncer-state-"
    assert save["with"]["key"].startswith("syncer-state-")
    assert save["if"] == "always()"
    upload = by_action["actions/upload-artifact"]
    assert upload["with"]["path"].endswith(".html")
    run = next(s["run"] for s in steps() if "syncer run --once" in s.get("run", ""))
    assert "75)" in run
