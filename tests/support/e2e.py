"""The end-to-end scenario many suites share: two post-mortems, seven items, one tracker.

The fixtures that build it on a running sandbox (``kind``, ``sandbox``, ``memory``,
``workspace``) are in ``tests/conftest.py``; these are the values and helpers around them.
"""

from __future__ import annotations

from pathlib import Path

from syncer.cli import main
from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

INCIDENT_DB = """\
# Post-Mortem: Incident INC-3101

**Date**: 2026-10-02
**Authors**: Dana Kim
**Status**: Published
**Severity**: SEV2

## Summary
The orders database ran out of connections for 40 minutes.

## Action Items
*   [ ] Raise the connection pool limit on orders-db @alice due 2026-11-01
*   [ ] Add an alert on pool saturation above 80% @bob
*   [x] Roll back the ORM upgrade @carol
*   [ ] Write a runbook for connection exhaustion (Link to Ticket)
"""

INCIDENT_CDN = """\
---
id: INC-3102
title: CDN certificate expired
date: 2026-10-09
severity: SEV1
team: web
---

# CDN certificate expired

## Follow-ups

| Action | Owner | Due | Priority | Status |
| --- | --- | --- | --- | --- |
| Move the CDN certificate to automatic renewal | alice | 2026-10-30 | P1 | Open |
| Alert 30 days before any certificate expires | bob | 2026-10-20 | P2 | Done |
| Inventory every certificate we own | carol | | P3 | Open |
"""

ITEMS = 7
KINDS = ("jira-cloud", "jira-server", "github")


FORGET = "forget-state-before-every-run"
"""A file in the workspace telling ``sync`` and ``plan`` here to delete the state file first."""


def issues(sandbox: Sandbox, kind: str) -> list[tuple[str, bool]]:
    """(title, open) of every issue in the tracker under test."""
    if kind == "github":
        return [(i.title, i.state == "open") for i in sandbox.github_issues("acme/platform")]
    return [(i.summary, i.status != "Done") for i in sandbox.jira_issues("OPS")]


def delete_ticket(sandbox: Sandbox, kind: str, title: str) -> str:
    """What a person does by hand: delete the issue with this title; its key as syncer names it."""
    if kind == "github":
        [gone] = [i for i in sandbox.github_issues("acme/platform") if i.title == title]
        sandbox.delete_github_issue("acme/platform", gone.number)
        return f"acme/platform#{gone.number}"
    [jira] = [i for i in sandbox.jira_issues("OPS") if i.summary == title]
    sandbox.delete_jira_issue(jira.key)
    return jira.key


def forget_state(workspace: Path) -> None:
    """Delete the state file (and its journal), when this workspace runs without state."""
    if (workspace / FORGET).exists():
        for leftover in workspace.glob("state.db*"):
            leftover.unlink()


def sync(workspace: Path, *extra: str) -> int:
    forget_state(workspace)
    return main(["sync", "--config", str(workspace / "syncer.toml"), *extra])


def writes(sandbox: Sandbox) -> list[str]:
    return [f"{r.method} {r.path}" for r in sandbox.requests if r.method in WRITES]


def comments(sandbox: Sandbox, kind: str, title: str) -> list[str]:
    """The comment bodies on the issue with this title, markup reduced to plain words."""
    if kind == "github":
        [issue] = [i for i in sandbox.github_issues("acme/platform") if i.title == title]
        bodies = [c.body for c in issue.comments]
    else:
        [jira] = [i for i in sandbox.jira_issues("OPS") if i.summary == title]
        bodies = [c.body for c in jira.comments]
    return [b.replace("`", "").replace("{{", "").replace("}}", "") for b in bodies]


def scenario(folder: Path, sandbox: Sandbox, *, tracker: str) -> str:
    """Write the two post-mortems into ``folder/postmortems`` and return the sandbox's
    configuration sending them to ``tracker``."""
    docs = folder / "postmortems"
    docs.mkdir()
    (docs / "inc-3101.md").write_text(INCIDENT_DB)
    (docs / "inc-3102.md").write_text(INCIDENT_CDN)
    accounts = {p: jira_account_id(p) if sandbox.flavor == "cloud" else p for p in demo.PEOPLE}
    config = demo.sandbox_config(
        sandbox.url,
        flavor=sandbox.flavor,
        project="OPS",
        repository="acme/platform",
        jira_accounts=accounts,
        jira_email=sandbox.jira_email,
    )
    return config.replace(
        f'default_tracker = "{demo.JIRA_TRACKER}"', f'default_tracker = "{tracker}"'
    )


def sandbox_environment(sandbox: Sandbox) -> dict[str, str]:
    """The ``SYNCER_*`` variables holding the sandbox's credentials."""
    return demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor=sandbox.flavor,
    )
