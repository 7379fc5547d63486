"""Bulk creates through ``syncer sync`` against the Jira stand-in, with faults on the bulk
request: a lost answer, a 502, a 429. However the first run ends, the runs after it leave exactly
one issue per item (0 duplicates, 0 lost), with state kept and with state lost before each run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from syncer.sandbox import Sandbox
from tests.test_e2e import ITEMS, issues, memory, sandbox, sync, workspace

__all__ = ["memory", "sandbox", "workspace"]  # fixtures, imported to be used here

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
