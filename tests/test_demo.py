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
    assert "created 18" in out
    for name in ("syncer.toml", "syncer.env", "sandbox.json", "state.db", "report.md"):
        assert (workdir / name).is_file(), name
    assert len(list((workdir / "postmortems").glob("*.md"))) == 4
    saved = json.loads((workdir / "sandbox.json").read_text())
    assert len(saved["jira_issues"]) + len(saved["github_issues"]) == 18
    # The follow-up report: written, its path and headline counts printed. The examples hold
    # an unowned item (INC-2050's load test), a recurrence (INC-2050 after INC-2041 on
    # payments-proxy) and overdue items (dates in 2026, so any later day has them).
    assert f"  {workdir / 'followup-report.html'}" in out
    assert "1 unowned" in out
    assert "1 recurrence" in out
    assert "0 untracked" in out
    overdue = int(re.search(r"(\d+) overdue", out).group(1))  # type: ignore[union-attr]
    assert overdue >= 1
    markdown = (workdir / "followup-report.md").read_text()
    assert "INC-2050 recurred on payments-proxy 35 days after INC-2041" in markdown
    # An assignee that is the owner's mapped account (a Jira Cloud accountId) is not repeated.
    assert "(assignee 712020:" not in markdown
    assert "| alice |" in markdown
    assert "<svg" in (workdir / "followup-report.html").read_text()

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
    assert "unchanged 18" in capsys.readouterr().out


def test_the_demo_without_a_workdir_leaves_nothing_behind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    folder = re.search(r"post-mortems in (\S+)", out).group(1)  # type: ignore[union-attr]
    assert not Path(folder).exists()
