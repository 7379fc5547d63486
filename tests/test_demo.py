"""``syncer demo``: the README's first command, and the by-hand idempotency check after it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox


def test_demo_syncs_the_examples_and_a_restarted_sandbox_gets_no_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "demo"
    assert main(["demo", "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "== plan (the dry run) ==" in out
    assert "created 15" in out
    for name in ("syncer.toml", "syncer.env", "sandbox.json", "state.db", "report.md"):
        assert (workdir / name).is_file(), name
    assert len(list((workdir / "postmortems").glob("*.md"))) == 3
    saved = json.loads((workdir / "sandbox.json").read_text())
    assert len(saved["jira_issues"]) + len(saved["github_issues"]) == 15

    for name in ("SYNCER_OPS_JIRA_TOKEN", "SYNCER_OPS_JIRA_EMAIL", "SYNCER_PLATFORM_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)  # the env file must be enough
    port = int(re.search(r"--port (\d+)", out).group(1))  # type: ignore[union-attr]
    sandbox = Sandbox("cloud", data_path=workdir / "sandbox.json")
    sandbox.start(port=port)
    try:
        code = main(
            [
                "sync",
                "--config",
                str(workdir / "syncer.toml"),
                "--env-file",
                str(workdir / "syncer.env"),
            ]
        )
        writes = [r for r in sandbox.requests if r.method != "GET"]
    finally:
        sandbox.stop()
    assert code == 0
    assert writes == []
    assert "unchanged 15" in capsys.readouterr().out


def test_the_demo_without_a_workdir_leaves_nothing_behind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    folder = re.search(r"post-mortems in (\S+)", out).group(1)  # type: ignore[union-attr]
    assert not Path(folder).exists()
