"""End to end through the sandbox: the tracker options users of other sync tools expect (Jira's
close/reopen transitions, resolution, components and per-route issue type; GitHub's priority
labels, due-date milestones and close reason). Each is set, synced, and synced again: the second
run must write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import requests

from syncer.commands import demo
from syncer.sandbox import Sandbox
from tests.support.e2e import sandbox_environment, scenario, sync, writes

JIRA_OPTIONS = """\
components = ["Backend"]
close_transition = "done"
reopen_transition = "In Progress"
close_resolution = "Won't Do"
"""


@pytest.fixture(params=["cloud", "server"])
def flavor(request: pytest.FixtureRequest) -> Literal["cloud", "server"]:
    return "server" if request.param == "server" else "cloud"


@pytest.fixture
def jira_sandbox(flavor: Literal["cloud", "server"]) -> Iterator[Sandbox]:
    with Sandbox(flavor, jira_projects=("OPS",), github_repos=("acme/platform",)) as running:
        yield running


def workspace(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, *, tracker: str, edit: str
) -> Path:
    config = scenario(tmp_path, sandbox, tracker=tracker)
    if tracker == demo.JIRA_TRACKER:
        config = config.replace(
            f'tracker = "{demo.GITHUB_TRACKER}"',
            f'tracker = "{demo.JIRA_TRACKER}"\nissue_type = "Bug"',
            1,
        )
        config = config.replace("search_lag_seconds = 0\n", "search_lag_seconds = 0\n" + edit, 1)
    else:
        config = config.replace('team = "web"', 'team = "no-such-team"')
        config += edit
    (tmp_path / "syncer.toml").write_text(config)
    env = sandbox_environment(sandbox)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_jira_options_are_written_and_a_second_sync_writes_nothing(
    tmp_path: Path, jira_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace(
        tmp_path, jira_sandbox, monkeypatch, tracker=demo.JIRA_TRACKER, edit=JIRA_OPTIONS
    )

    assert sync(ws) == 0

    made = {i.summary: i for i in jira_sandbox.jira_issues("OPS")}
    assert len(made) == 7
    assert {i.components == ["Backend"] for i in made.values()} == {True}
    # INC-3102 is the web team's: its route names the issue type.
    web = {"Move the CDN certificate to automatic renewal", "Inventory every certificate we own"}
    assert {s for s, i in made.items() if i.issue_type == "Bug"} >= web
    assert {i.issue_type for s, i in made.items() if s.startswith(("Raise", "Add an"))} == {"Task"}
    closed = made["Roll back the ORM upgrade"]
    assert (closed.status, closed.resolution) == ("Done", "Won't Do")

    jira_sandbox.clear_requests()
    assert sync(ws) == 0
    assert writes(jira_sandbox) == []

    # Reopening takes the configured transition.
    doc = ws / "postmortems" / "inc-3101.md"
    doc.write_text(doc.read_text().replace("*   [x] Roll back", "*   [ ] Roll back"))
    assert sync(ws) == 0
    [reopened] = [i for i in jira_sandbox.jira_issues("OPS") if i.summary.startswith("Roll back")]
    assert reopened.status == "In Progress"
    jira_sandbox.clear_requests()
    assert sync(ws) == 0
    assert writes(jira_sandbox) == []


GITHUB_OPTIONS = """\
close_reason = "not_planned"
due_as_milestone = true
milestone_title = "Due {due}"
priorities = { P1 = "priority: high", P2 = "priority: medium", SEV2 = "priority: medium" }
"""


@pytest.fixture
def github_sandbox() -> Iterator[Sandbox]:
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as running:
        yield running


def test_github_options_are_written_and_a_second_sync_writes_nothing(
    tmp_path: Path, github_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = github_sandbox
    ws = workspace(tmp_path, sandbox, monkeypatch, tracker=demo.GITHUB_TRACKER, edit=GITHUB_OPTIONS)

    assert sync(ws) == 0

    made = {i.title: i for i in sandbox.github_issues("acme/platform")}
    assert len(made) == 7
    [repo] = [r for r in sandbox.state.github_repos if r.full_name == "acme/platform"]
    milestones = {m.number: m for m in repo.milestones}
    renewal = made["Move the CDN certificate to automatic renewal"]
    assert "priority: high" in renewal.labels
    assert renewal.milestone is not None
    due = milestones[renewal.milestone]
    assert (due.title, due.due_on and due.due_on.date().isoformat()) == (
        "Due 2026-10-30",
        "2026-10-30",
    )
    # Items of the SEV2 incident without a priority take the severity's label.
    assert "priority: medium" in made["Add an alert on pool saturation above 80%"].labels
    # One milestone per due date, however many items share it.
    assert len([m for m in repo.milestones if m.title.startswith("Due ")]) == len(
        {i.milestone for i in made.values() if i.milestone is not None}
    )
    closed = made["Roll back the ORM upgrade"]
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")

    sandbox.clear_requests()
    assert sync(ws) == 0
    assert writes(sandbox) == []

    # A person's label stays when the document changes the priority; the priority label moves.
    answer = requests.post(
        f"{sandbox.url}/repos/acme/platform/issues/{renewal.number}/labels",
        json={"labels": ["customer-facing"]},
        headers={"Authorization": f"token {sandbox.github_token}"},
        timeout=10,
    )
    assert answer.ok
    doc = ws / "postmortems" / "inc-3102.md"
    doc.write_text(
        doc.read_text().replace("| alice | 2026-10-30 | P1 |", "| alice | 2026-11-30 | P2 |")
    )
    assert sync(ws) == 0
    renewal = sandbox.github_issue("acme/platform", renewal.number)
    assert {"customer-facing", "priority: medium"} <= set(renewal.labels)
    assert "priority: high" not in renewal.labels
    [repo] = [r for r in sandbox.state.github_repos if r.full_name == "acme/platform"]
    assert [m.title for m in repo.milestones if m.number == renewal.milestone] == ["Due 2026-11-30"]
    sandbox.clear_requests()
    assert sync(ws) == 0
    assert writes(sandbox) == []
