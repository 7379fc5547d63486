"""``syncer report`` through the CLI: from the documents alone, and after a sync against the
sandbox; formats, --output, --as-of, --team, --fail-on (exit 4) and the run history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.commands import demo
from syncer.commands.report import parse_as_of
from syncer.config import load_config
from syncer.sandbox import Sandbox
from syncer.shell.state import RunRecord, open_store, state_target

PAYMENTS = """\
---
id: INC-4001
date: 2026-09-01
severity: SEV2
team: payments
service: payments-proxy
---

# Proxy pool exhausted

## Action items
- [ ] Raise the proxy pool limit @alice due 2026-10-01
- [ ] Alert on pool saturation
- [x] Roll back the proxy upgrade @bob
"""

SEARCH = """\
---
id: INC-4002
date: 2026-11-20
severity: SEV3
team: search
---

# Indexer lag

## Action items
- [ ] Autoscale the indexer @carol due 2027-01-15
"""

NO_TRACKERS = """\
[sources]
paths = ["postmortems"]
root = "postmortems"

[state]
path = "state.db"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-4001.md").write_text(PAYMENTS)
    (docs / "inc-4002.md").write_text(SEARCH)
    (tmp_path / "syncer.toml").write_text(NO_TRACKERS)
    return tmp_path


def report(folder: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return main(["report", "--config", str(folder / "syncer.toml"), *args], env=env or {})


def test_without_trackers_the_report_comes_from_the_documents_alone(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(folder, "--as-of", "2026-11-27") == 0
    out = capsys.readouterr().out
    assert out.startswith("# Follow-up report")
    assert "no tracker is configured" in out
    # Raise (due 2026-10-01) and Alert (SEV2: 28 days after 2026-09-01 = 2026-09-29) are late.
    assert "[**2 overdue**](#overdue)" in out
    assert "[**1 unowned**](#unowned)" in out  # the alert has no owner


def test_json_to_a_file_with_the_headline_counts_printed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = folder / "out" / "report.json"
    target.parent.mkdir()
    assert report(folder, "--as-of", "2026-11-27", "--output", str(target)) == 0
    data = json.loads(target.read_text())
    assert data["schema_version"] == 2
    assert len(data["overdue"]) == 2
    assert {e["reason"] for e in data["untracked"]} == {"no_tracker"}
    assert len(data["untracked"]) == 3  # the done item is not untracked
    out = capsys.readouterr().out
    assert f"report written to {target}" in out
    assert "2 overdue" in out


def test_fail_on_exits_4_only_for_the_kinds_present(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(folder, "--as-of", "2026-11-27", "--fail-on", "stale,drift") == 0
    assert report(folder, "--as-of", "2026-11-27", "--fail-on", "overdue") == 4
    assert "--fail-on: the report has 2 overdue" in capsys.readouterr().err
    # Before anything was due, the same gate passes.
    assert report(folder, "--as-of", "2026-09-02", "--fail-on", "overdue") == 0
    assert report(folder, "--fail-on", "late") == 2
    assert "unknown --fail-on kind 'late'" in capsys.readouterr().err


def test_team_filter_and_html(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(folder, "--as-of", "2026-11-27", "--team", "search", "--format", "html") == 0
    html = capsys.readouterr().out
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "INC-4002" in html
    assert "INC-4001" not in html


def test_a_team_no_post_mortem_has_is_a_usage_error(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A misspelt --team used to give an all-zero report that passed any --fail-on gate.
    assert report(folder, "--team", "serch", "--fail-on", "overdue") == 2
    err = capsys.readouterr().err
    assert "--team: no post-mortem belongs to team 'serch'; did you mean 'search'?" in err
    assert "teams: payments, search" in err
    assert _report_runs(folder) == []
    assert report(folder, "--as-of", "2026-11-27", "--team", "SEARCH") == 0  # case ignored


def test_a_report_is_recorded_in_the_history_and_a_preview_is_not(folder: Path) -> None:
    assert report(folder, "--as-of", "2026-11-27") == 0
    assert not (folder / "state.db").exists() or not _report_runs(folder)
    assert report(folder, "--no-deliver") == 0
    assert report(folder, "--team", "search") == 0  # a team's counts stay out of the trend
    runs = _report_runs(folder)
    assert len(runs) == 1
    assert runs[0].summary["items"] == 4
    assert {"open", "overdue"} <= set(runs[0].summary)


def _report_runs(folder: Path) -> list[RunRecord]:
    config = load_config(folder / "syncer.toml", environ={})
    with open_store(state_target(config, environ={})) as store:
        return store.runs(command="report")


def test_a_configured_tracker_without_credentials_is_unknown_with_the_reason(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = demo.sandbox_config(
        "http://127.0.0.1:9",
        flavor="server",
        project="OPS",
        repository="acme/platform",
        jira_accounts={},
        jira_email=None,
    )
    (folder / "syncer.toml").write_text(config)
    assert report(folder, "--as-of", "2026-11-27") == 3
    captured = capsys.readouterr()
    assert "ops-jira could not be read" in captured.out
    assert r"set SYNCER\_OPS\_JIRA\_TOKEN" in captured.out
    assert "ops-jira: could not be read" in captured.err


def test_after_a_sync_the_report_reads_the_tickets(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox:
        config = demo.sandbox_config(
            sandbox.url,
            flavor="cloud",
            project="OPS",
            repository="acme/platform",
            jira_accounts={},
            jira_email=sandbox.jira_email,
        )
        (folder / "syncer.toml").write_text(config.replace('"postmortems"', '"postmortems"'))
        env = demo.sandbox_env(
            jira_token=sandbox.jira_token,
            jira_email=sandbox.jira_email,
            github_token=sandbox.github_token,
            flavor="cloud",
        )
        assert main(["sync", "--config", str(folder / "syncer.toml")], env=env) == 0
        capsys.readouterr()
        before = len(sandbox.requests)
        assert report(folder, "--as-of", "2026-11-27", "--format", "json", env=env) == 0
        reads = sandbox.requests[before:]
    data = json.loads(capsys.readouterr().out)
    assert data["untracked"] == []
    assert all(r.method == "GET" or "search" in r.path for r in reads)
    states = {e["row"]["ticket_state"] for e in data["overdue"]}
    assert states == {"read"}


def test_as_of_is_the_end_of_that_day_where_the_report_counts_days() -> None:
    berlin = parse_as_of("2026-12-01", timezone="Europe/Berlin")
    assert berlin == dt.datetime(2026, 12, 1, 22, 59, 59, tzinfo=dt.UTC)
    assert parse_as_of("2026-12-01T08:00", timezone="Europe/Berlin") == dt.datetime(
        2026, 12, 1, 8, tzinfo=dt.UTC
    )
    assert parse_as_of("2026-12-01T08:00+01:00", timezone="UTC") == dt.datetime(
        2026, 12, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )


def test_a_bad_as_of_is_a_usage_error(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(folder, "--as-of", "yesterday") == 2
    assert "--as-of: not a date or ISO moment: 'yesterday'" in capsys.readouterr().err
