"""Every JSON document syncer prints carries ``schema_version``, and one thing has one shape.

``parse``, ``plan``, ``sync``, ``run --once`` and ``report`` print JSON for scripts; a script
must be able to tell which shape it reads. A tracker that could not be read is listed as
``[{"tracker", "reason"}]`` wherever it appears (the report's ``unavailable`` is a list too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox


@pytest.fixture
def kind() -> str:
    return "github"


@pytest.fixture
def memory() -> str:
    return "state-kept"


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_every_json_output_carries_its_schema_version(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(workspace / "syncer.toml")]
    code, parsed = _json(capsys, "parse", "--format", "json", str(workspace / "postmortems"))
    assert code == 0
    assert [(d["schema_version"], d["incident"]["id"]) for d in parsed]
    for command in ("plan", "sync"):
        code, data = _json(capsys, command, *config, "--format", "json")
        assert (code, data["schema_version"]) == (0, 1), command
        assert data["unavailable"] == []
    code, data = _json(capsys, "run", "--once", *config, "--format", "json")
    assert (code, data["schema_version"], data["sync"]["schema_version"]) == (0, 1, 1)
    code, data = _json(capsys, "report", *config, "--format", "json", "--no-deliver")
    assert data["schema_version"] == 2  # the report's own schema (schema-v2.json)
    assert data["unavailable"] == []


def test_a_tracker_that_cannot_be_read_is_a_list_entry_as_in_the_report(
    workspace: Path,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNCER_PLATFORM_GITHUB_TOKEN", "wrong-token-value")
    config = str(workspace / "syncer.toml")
    code, data = _json(capsys, "plan", "--config", config, "--format", "json")
    assert code == 3
    [entry] = data["unavailable"]
    assert entry["tracker"] == "platform-github"
    assert entry["reason"]
    assert "wrong-token-value" not in json.dumps(data)
