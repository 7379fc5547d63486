"""The GitHub Actions workflow: valid against the workflow schema, and doing what it says."""

from __future__ import annotations

import re
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
    run = next(s["run"] for s in steps() if "syncer run --once" in s.get("run", ""))
    assert "75)" in run
    # The report is the artifact and the job's summary page, whatever the exit code.
    written = run.split("--report-output ", 1)[1].split()[0]
    assert upload["with"]["path"] == written
    assert upload["if"] == "always()"
    assert f'cat {written} >> "$GITHUB_STEP_SUMMARY"' in run
    assert run.index("code=$?") < run.index("GITHUB_STEP_SUMMARY")


def test_every_action_is_pinned_by_commit_sha() -> None:
    uses = [s["uses"] for s in steps() if "uses" in s]
    assert uses
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", use), use
    # The tag each SHA stands for is written beside it, for the reviewer.
    assert all(
        re.search(r"@[0-9a-f]{40} # v\d", line)
        for line in WORKFLOW.read_text().splitlines()
        if "uses:" in line
    )


def test_syncer_is_installed_from_its_lock_files_at_the_pinned_tag() -> None:
    fetch = next(s for s in steps() if s.get("with", {}).get("repository") == "acme/syncer")
    assert fetch["with"]["ref"] == "v${{ env.SYNCER_VERSION }}"
    source = fetch["with"]["path"]
    install = next(s["run"] for s in steps() if "pip install" in s.get("run", ""))
    commands = [line.strip() for line in install.splitlines() if "pip install" in line]
    assert commands == [
        f".syncer-venv/bin/pip install --require-hashes --no-deps -r {source}/requirements.lock",
        f".syncer-venv/bin/pip install --require-hashes --no-deps -r {source}/"
        "requirements-build.lock",
        f".syncer-venv/bin/pip install --no-deps --no-build-isolation ./{source}",
    ]
