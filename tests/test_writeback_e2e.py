"""Write-back end to end: the ``syncer`` command, the real ``jira`` and PyGithub clients and the
sandbox on loopback. The document and the tracker stay in step both ways (issue 20)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from syncer.cli import main
from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from tests.support.e2e import comments

DOCUMENT = """\
# Post-Mortem: Incident INC-3101

**Date**: 2026-10-02
**Severity**: SEV2

## Action Items
*   [ ] Raise the connection pool limit on orders-db @alice due 2026-11-01
*   [ ] Add an alert on pool saturation above 80% @bob
*   [ ] Write a runbook for connection exhaustion (Link to Ticket)

| Action | Owner | Status |
| --- | --- | --- |
| Drop the legacy pool proxy | carol | Open |
"""

TITLES = (
    "Raise the connection pool limit on orders-db",
    "Add an alert on pool saturation above 80%",
    "Write a runbook for connection exhaustion",
    "Drop the legacy pool proxy",
)


@pytest.fixture(params=["jira-cloud", "github"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox(kind: str) -> Iterator[Sandbox]:
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as running:
        yield running


@pytest.fixture
def workspace(tmp_path: Path, sandbox: Sandbox, kind: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-3101.md").write_bytes(DOCUMENT.encode())
    accounts = {p: jira_account_id(p) for p in demo.PEOPLE}
    config = demo.sandbox_config(
        sandbox.url,
        flavor="cloud",
        project="OPS",
        repository="acme/platform",
        jira_accounts=accounts,
        jira_email=sandbox.jira_email,
    )
    tracker = demo.GITHUB_TRACKER if kind == "github" else demo.JIRA_TRACKER
    config = config.replace(
        f'default_tracker = "{demo.JIRA_TRACKER}"', f'default_tracker = "{tracker}"'
    ).replace("[sources]\n", "[sources]\nwrite_back = true\nwrite_back_ticket_column = true\n")
    (tmp_path / "syncer.toml").write_text(config)
    env = demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor="cloud",
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def sync(workspace: Path, *extra: str) -> int:
    return main(["sync", "--config", str(workspace / "syncer.toml"), *extra])


def document(workspace: Path) -> str:
    return (workspace / "postmortems" / "inc-3101.md").read_bytes().decode()


def edit_document(workspace: Path, old: str, new: str) -> None:
    path = workspace / "postmortems" / "inc-3101.md"
    text = path.read_bytes().decode()
    assert old in text
    path.write_bytes(text.replace(old, new).encode())


Status = Literal["open", "done", "wont_do"]


def statuses(sandbox: Sandbox, kind: str) -> dict[str, Status]:
    """Title -> how its issue stands in the tracker."""
    found: dict[str, Status] = {}
    if kind == "github":
        for issue in sandbox.github_issues("acme/platform"):
            closed: Status = "done" if issue.state_reason == "completed" else "wont_do"
            found[issue.title] = "open" if issue.state == "open" else closed
    else:
        for jira in sandbox.jira_issues("OPS"):
            resolved: Status = "done" if jira.resolution in ("Done", None) else "wont_do"
            found[jira.summary] = "open" if jira.status != "Done" else resolved
    return found


def close_by_hand(sandbox: Sandbox, kind: str, title: str, *, wont_do: bool) -> None:
    if kind == "github":
        [issue] = [i for i in sandbox.github_issues("acme/platform") if i.title == title]
        reason = "not_planned" if wont_do else "completed"
        sandbox.close_github_issue("acme/platform", issue.number, reason=reason)
    else:
        [jira] = [i for i in sandbox.jira_issues("OPS") if i.summary == title]
        sandbox.close_jira_issue(jira.key, resolution="Won't Do" if wont_do else "Done")


def line_of(text: str, title: str) -> str:
    [line] = [line for line in text.splitlines() if title in line]
    return line


LINK = re.compile(r"\[(OPS-\d+|#\d+)\]\((http[^)]+)\)")


def test_first_sync_writes_each_ticket_into_the_document(
    workspace: Path, sandbox: Sandbox, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(workspace) == 0
    text = document(workspace)
    links = {title: LINK.findall(line_of(text, title)) for title in TITLES}
    assert all(len(found) == 1 for found in links.values()), links
    assert "(Link to Ticket)" not in text
    assert "| Action | Owner | Status | Ticket |" in text
    # Nothing else changed: without the links and the added column it is the document again.
    bare = re.sub(r" \(\[(?:OPS-\d+|#\d+)\]\([^)]+\)\)", "", text)
    bare = re.sub(r" \[(?:OPS-\d+|#\d+)\]\([^)]+\) \|\n", "\n", bare)
    bare = bare.replace(" Ticket |\n", "\n").replace(" --- |\n| Drop", "\n| Drop")
    assert bare == DOCUMENT.replace(" (Link to Ticket)", "")
    assert "written back 4" in capsys.readouterr().out
    # The links are the items' identity now: the next run writes nothing anywhere.
    sandbox.clear_requests()
    before = document(workspace)
    assert sync(workspace) == 0
    assert document(workspace) == before
    assert [r for r in sandbox.requests if r.method in {"POST", "PUT", "PATCH"}] == []


def test_a_ticket_closed_in_the_tracker_is_ticked_in_the_document(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    assert sync(workspace) == 0
    close_by_hand(sandbox, kind, TITLES[0], wont_do=False)
    close_by_hand(sandbox, kind, TITLES[1], wont_do=True)
    close_by_hand(sandbox, kind, TITLES[3], wont_do=True)
    assert sync(workspace) == 0
    text = document(workspace)
    assert line_of(text, TITLES[0]).startswith("*   [x] ")
    assert line_of(text, TITLES[1]).startswith("*   [-] ")
    assert "| Won't do |" in line_of(text, TITLES[3])
    assert statuses(sandbox, kind)[TITLES[0]] == "done"  # nothing reopened
    assert statuses(sandbox, kind)[TITLES[1]] == "wont_do"
    before = document(workspace)
    assert sync(workspace) == 0
    assert document(workspace) == before
    assert statuses(sandbox, kind)[TITLES[1]] == "wont_do"
    # The run after the write-back records it on the ticket, saying what happened: a person
    # closed it and the post-mortem followed.
    assert comments(sandbox, kind, TITLES[0]) == [
        "syncer: the post-mortem inc-3101.md marks it done too."
    ]


def test_an_item_ticked_in_the_document_closes_its_ticket(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    assert sync(workspace) == 0
    edit_document(workspace, "[ ] Raise the connection", "[x] Raise the connection")
    edit_document(workspace, "[ ] Add an alert", "[-] Add an alert")
    assert sync(workspace) == 0
    found = statuses(sandbox, kind)
    assert found[TITLES[0]] == "done"
    assert found[TITLES[1]] == "wont_do"
    assert found[TITLES[2]] == "open"


def test_both_sides_changed_is_a_conflict_and_neither_changes(
    workspace: Path, sandbox: Sandbox, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(workspace) == 0
    edit_document(workspace, "[ ] Raise the connection", "[x] Raise the connection")
    close_by_hand(sandbox, kind, TITLES[0], wont_do=True)
    before = document(workspace)
    capsys.readouterr()
    assert sync(workspace, "-v") == 0
    out = capsys.readouterr().out
    assert "changed on both sides since the last sync" in out
    assert document(workspace) == before
    assert statuses(sandbox, kind)[TITLES[0]] == "wont_do"


def test_plan_shows_the_edits_as_a_diff_and_writes_nothing(
    workspace: Path, sandbox: Sandbox, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(workspace) == 0
    close_by_hand(sandbox, kind, TITLES[0], wont_do=False)
    before = document(workspace)
    capsys.readouterr()
    assert main(["plan", "--config", str(workspace / "syncer.toml")]) == 0
    out = capsys.readouterr().out
    assert "--- a/inc-3101.md" in out
    assert f"+*   [x] {TITLES[0]}" in out
    assert main(["plan", "--config", str(workspace / "syncer.toml"), "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    [edit] = data["plan"]["document_edits"]
    assert edit["source"] == "inc-3101.md"
    assert edit["edits"][0]["status"] == "done"
    assert f"+*   [x] {TITLES[0]}" in edit["diff"]
    assert document(workspace) == before


def test_links_missing_after_a_lost_write_back_are_written_next_run_without_new_tickets(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    # A run that died after its creates and before its write-back leaves what a run without
    # write-back leaves: tickets, and a document without their links.
    config = workspace / "syncer.toml"
    enabled = config.read_text()
    config.write_text(enabled.replace("write_back = true\n", ""))
    assert sync(workspace) == 0
    assert document(workspace) == DOCUMENT
    config.write_text(enabled)
    sandbox.clear_requests()
    assert sync(workspace) == 0
    assert len(statuses(sandbox, kind)) == 4  # nothing created twice
    assert [r for r in sandbox.requests if r.method == "POST"] == []
    text = document(workspace)
    assert all(len(LINK.findall(line_of(text, title))) == 1 for title in TITLES)


def test_commit_records_the_write_back_in_git(
    workspace: Path, sandbox: Sandbox, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = workspace / "postmortems"
    for name, value in {
        "GIT_AUTHOR_NAME": "syncer",
        "GIT_AUTHOR_EMAIL": "syncer@example.com",
        "GIT_COMMITTER_NAME": "syncer",
        "GIT_COMMITTER_EMAIL": "syncer@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(docs), *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    git("init", "--quiet")
    git("add", ".")
    git("commit", "--quiet", "-m", "post-mortem")
    assert sync(workspace, "--commit") == 0
    assert git("status", "--porcelain") == ""
    message = git("log", "-1", "--format=%B")
    assert message.startswith("syncer: write back tickets to 4 action items")
    assert "inc-3101.md:" in message
    assert git("rev-list", "--count", "HEAD").strip() == "2"


@pytest.fixture
def pr_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Sandbox]]:
    """Post-mortems in a GitHub repository (and a checkout of it); write-back by pull request."""
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox:
        sandbox.commit_github_files(
            "acme/platform", {"docs/pm/inc-3101.md": DOCUMENT.encode()}, message="post-mortem"
        )
        docs = tmp_path / "postmortems"
        docs.mkdir()
        (docs / "inc-3101.md").write_bytes(DOCUMENT.encode())
        config = demo.sandbox_config(
            sandbox.url,
            flavor="cloud",
            project="OPS",
            repository="acme/platform",
            jira_accounts={p: jira_account_id(p) for p in demo.PEOPLE},
            jira_email=sandbox.jira_email,
        )
        config = config.replace(
            f'default_tracker = "{demo.JIRA_TRACKER}"', f'default_tracker = "{demo.GITHUB_TRACKER}"'
        ).replace("[sources]\n", "[sources]\nwrite_back = true\n")
        config += (
            f'\n[sources.pull_request]\ntracker = "{demo.GITHUB_TRACKER}"\n'
            'repository = "acme/platform"\nfolder = "docs/pm"\n'
        )
        (tmp_path / "syncer.toml").write_text(config)
        for name, value in _env(sandbox).items():
            monkeypatch.setenv(name, value)
        yield tmp_path, sandbox


def test_write_back_as_one_pull_request(
    pr_workspace: tuple[Path, Sandbox], capsys: pytest.CaptureFixture[str]
) -> None:
    workspace, sandbox = pr_workspace
    assert sync(workspace) == 0
    assert "proposed in pull request" in capsys.readouterr().out
    [pull] = sandbox.github_pulls("acme/platform")
    assert (pull.head, pull.base, pull.state) == ("syncer/write-back", "main", "open")
    proposed = sandbox.github_file("acme/platform", "docs/pm/inc-3101.md", branch=pull.head)
    assert proposed is not None
    assert all(len(LINK.findall(line_of(proposed.decode(), t))) == 1 for t in TITLES[:3])
    # Neither the default branch nor the checkout is written.
    assert sandbox.github_file("acme/platform", "docs/pm/inc-3101.md") == DOCUMENT.encode()
    assert document(workspace) == DOCUMENT
    assert "+*   [ ] Raise the connection pool limit" in (pull.body or "")

    # Next run: the same edits, the same pull request, nothing written.
    branches = sandbox.github_branches("acme/platform")
    assert sync(workspace) == 0
    assert [p.number for p in sandbox.github_pulls("acme/platform")] == [pull.number]
    assert sandbox.github_branches("acme/platform") == branches

    # A ticket closed meanwhile: the one pull request now ticks its item too.
    [issue] = [i for i in sandbox.github_issues("acme/platform") if i.title == TITLES[0]]
    sandbox.close_github_issue("acme/platform", issue.number, reason="completed")
    sandbox.clear_requests()
    assert sync(workspace) == 0
    pulls = sandbox.github_pulls("acme/platform")
    assert [p.number for p in pulls] == [pull.number]
    proposed = sandbox.github_file("acme/platform", "docs/pm/inc-3101.md", branch=pull.head)
    assert proposed is not None
    assert line_of(proposed.decode(), TITLES[0]).startswith("*   [x] ")
    assert sandbox.github_file("acme/platform", "docs/pm/inc-3101.md") == DOCUMENT.encode()


def _env(sandbox: Sandbox) -> dict[str, str]:
    return demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor="cloud",
    )


def test_the_default_branch_is_never_written(
    pr_workspace: tuple[Path, Sandbox], capsys: pytest.CaptureFixture[str]
) -> None:
    workspace, sandbox = pr_workspace
    config = workspace / "syncer.toml"
    config.write_text(config.read_text() + 'branch = "main"\n')
    main = sandbox.github_branches("acme/platform")["main"]
    assert sync(workspace) == 0
    assert "'main' is the default branch; syncer never writes to it" in capsys.readouterr().out
    assert sandbox.github_branches("acme/platform") == {"main": main}
    assert sandbox.github_pulls("acme/platform") == []


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "syncer",
    "GIT_AUTHOR_EMAIL": "syncer@example.com",
    "GIT_COMMITTER_NAME": "syncer",
    "GIT_COMMITTER_EMAIL": "syncer@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


def test_push_commits_the_edits_to_a_branch_of_a_bare_repository(
    workspace: Path, sandbox: Sandbox, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    bare = workspace / "remote.git"
    docs = workspace / "postmortems"

    def git(folder: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git(workspace, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(docs, "init", "--quiet", "--initial-branch=main")
    git(docs, "add", ".")
    git(docs, "commit", "--quiet", "-m", "post-mortem")
    git(docs, "remote", "add", "origin", str(bare))
    git(docs, "push", "--quiet", "origin", "main")
    config = workspace / "syncer.toml"
    config.write_text(config.read_text().replace("[state]\n", "[sources.push]\n\n[state]\n", 1))
    head = git(docs, "rev-parse", "HEAD")

    assert sync(workspace) == 0
    # The checkout is untouched: its files, its index, its branch.
    assert document(workspace) == DOCUMENT
    assert (git(docs, "rev-parse", "HEAD"), git(docs, "status", "--porcelain")) == (head, "")
    assert git(bare, "rev-parse", "main") == head
    pushed = git(bare, "show", "syncer/write-back:inc-3101.md")
    assert all(len(LINK.findall(line_of(pushed, title))) == 1 for title in TITLES)
    assert git(bare, "rev-parse", "syncer/write-back^") == head
    assert git(bare, "log", "-1", "--format=%s", "syncer/write-back") == (
        "syncer: write back tickets to 4 action items"
    )

    # The same edits next run: nothing pushed again.
    branch = git(bare, "rev-parse", "syncer/write-back")
    assert sync(workspace) == 0
    assert git(bare, "rev-parse", "syncer/write-back") == branch
    assert len(statuses(sandbox, kind)) == 4

    # Never the default branch.
    config.write_text(
        config.read_text().replace("[sources.push]\n", '[sources.push]\nbranch = "main"\n')
    )
    assert sync(workspace) == 0
    assert git(bare, "rev-parse", "main") == head


def test_a_reworded_item_keeps_its_written_back_ticket(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    assert sync(workspace) == 0
    edit_document(
        workspace,
        "Add an alert on pool saturation above 80%",
        "Page the on-call engineer when the pool is nearly full",
    )
    assert sync(workspace) == 0
    found = statuses(sandbox, kind)
    assert len(found) == 4  # no ticket created for the reworded item
    assert "Page the on-call engineer when the pool is nearly full" in found
    assert TITLES[1] not in found
