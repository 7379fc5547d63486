"""Bulk creates through ``syncer sync`` against the Jira stand-in, with faults on the bulk
request: a lost answer, a 502, a 429. However the first run ends, the runs after it leave exactly
one issue per item (0 duplicates, 0 lost), with state kept and with state lost before each run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox
from tests.support.e2e import ITEMS, issues, sync

BULK = "/rest/api/2/issue/bulk"


@pytest.fixture(params=["jira-cloud", "jira-server"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("fault", ["lost", "502", "429"])
def test_a_fault_on_the_bulk_create_leaves_one_issue_per_item(
    workspace: Path, sandbox: Sandbox, kind: str, fault: str
) -> None:
    if fault == "lost":
        sandbox.inject_lost_response(method="POST", path=BULK)
    elif fault == "502":
        sandbox.inject_error(502, method="POST", path=BULK)
    else:
        sandbox.inject_rate_limit(method="POST", path=BULK)
    assert sync(workspace) in (0, 1)
    assert sync(workspace) == 0
    assert sync(workspace) == 0
    made = Counter(title for title, _ in issues(sandbox, kind))
    assert len(made) == ITEMS
    assert set(made.values()) == {1}
    bulk = [r for r in sandbox.requests if r.method == "POST" and r.path == BULK]
    assert bulk  # the creates went out in bulk


@pytest.mark.parametrize("memory", ["state-kept"])
def test_a_deleted_ticket_is_seen_by_plan_full_and_the_report_says_when_that_ran(
    workspace: Path, sandbox: Sandbox, kind: str, memory: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(workspace) == 0
    assert sync(workspace) == 0  # reads back what the first wrote: the snapshot holds it all
    first = sandbox.jira_issues("OPS")[0]
    sandbox.delete_jira_issue(first.key)
    config = str(workspace / "syncer.toml")
    capsys.readouterr()

    def missing(*extra: str) -> list[str]:
        assert main(["plan", "--config", config, "--format", "json", *extra]) == 0
        plan = json.loads(capsys.readouterr().out)["plan"]
        assert plan["changes"] == []  # syncer never recreates a deleted ticket by itself
        return [f["message"] for f in plan["findings"] if f["kind"] == "missing_ticket"]

    assert missing() == []  # a changes question cannot see a delete
    assert missing("--full") == [
        f"{first.key}, this item's ticket, is gone from ops-jira (deleted?); `syncer sync "
        f"--recreate {first.key}` makes it again, else remove the item (state records the ticket)"
    ]
    assert main(["report", "--config", config, "--format", "md", "--no-deliver"]) in (0, 4)
    assert "Tickets last listed in full" in capsys.readouterr().out
