"""Tickets are created in document order: a reader of the tracker sees the items as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox


@pytest.fixture
def kind() -> str:
    return "github"


@pytest.fixture
def memory() -> str:
    return "state-kept"


def test_tickets_are_created_in_document_order(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", "--format", "json", str(workspace / "postmortems")]) == 0
    documents = json.loads(capsys.readouterr().out)
    written = [
        item["title"]
        for document in sorted(documents, key=lambda d: d["source"])
        for item in sorted(document["items"], key=lambda i: i["line"])
    ]
    assert main(["sync", "--config", str(workspace / "syncer.toml")]) == 0
    created = sorted(sandbox.github_issues("acme/platform"), key=lambda i: i.number)
    assert [issue.title for issue in created] == written
