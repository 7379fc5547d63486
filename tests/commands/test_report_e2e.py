"""The report end to end: the ``syncer`` command, the real clients, the sandbox on loopback.

After a sync, tickets are changed behind syncer's back (closed as won't do, reassigned,
deleted, aged), an incident recurs, and the report says so; ``--as-of`` ages everything; the
digest reaches a webhook receiver on loopback; the published issues are updated in place over
several runs (and found again by their marker when state is lost); nudges go out once per
interval, never to a closed ticket.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import requests

from syncer.cli import main
from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from tests.support.receiver import Receiver

PROXY_1 = """\
---
id: INC-5001
title: Payments proxy pool exhausted
date: 2026-06-01
severity: SEV2
team: payments
service: payments-proxy
status: Published
---

# Payments proxy pool exhausted

## Action items
- [ ] Raise the proxy pool limit @alice due 2026-07-01
- [ ] Alert on pool saturation @bob
- [ ] Write the proxy runbook @carol
- [ ] Drop the legacy proxy @alice
"""

PROXY_2 = """\
---
id: INC-5002
title: Payments proxy pool exhausted again
date: 2026-08-10
severity: SEV2
team: payments
service: payments-proxy
status: Published
related: [INC-5001]
---

# Payments proxy pool exhausted again

## Action items
- [ ] Load-test the proxy before each release @bob
"""

WEB = """\
---
id: INC-5003
title: Certificate expired
date: 2026-09-01
severity: SEV3
team: web
status: Published
---

# Certificate expired

## Action items
- [ ] Renew certificates automatically @alice due 2026-10-01
- [ ] Inventory the certificates @bob
"""

DELIVERY = """
[report]
url = "https://wiki.example.test/follow-ups"
deliver = "every-run"

[report.teams.payments]
publish_to = "ops-jira"
webhook = true
nudge_every_days = 7

[report.teams.web]
publish_to = "platform-github"
nudge_every_days = 7
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture(params=["cloud", "server"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    flavor: Literal["cloud", "server"] = "server" if request.param == "server" else "cloud"
    with Sandbox(flavor, jira_projects=("OPS",), github_repos=("acme/platform",)) as running:
        yield running


def account(sandbox: Sandbox, person: str) -> str:
    return jira_account_id(person) if sandbox.flavor == "cloud" else person


@pytest.fixture
def workspace(tmp_path: Path, sandbox: Sandbox, receiver: Receiver) -> tuple[Path, dict[str, str]]:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-5001.md").write_text(PROXY_1)
    (docs / "inc-5002.md").write_text(PROXY_2)
    (docs / "inc-5003.md").write_text(WEB)
    config = demo.sandbox_config(
        sandbox.url,
        flavor=sandbox.flavor,
        project="OPS",
        repository="acme/platform",
        jira_accounts={p: account(sandbox, p) for p in demo.PEOPLE},
        jira_email=sandbox.jira_email,
    )
    (tmp_path / "syncer.toml").write_text(config + DELIVERY)
    env = demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor=sandbox.flavor,
    )
    env["SYNCER_PAYMENTS_WEBHOOK"] = receiver.url
    return tmp_path, env


def run(folder: Path, env: dict[str, str], *args: str) -> int:
    return main([*args, "--config", str(folder / "syncer.toml")], env=env)


def jira_key(sandbox: Sandbox, title: str) -> str:
    return next(i.key for i in sandbox.jira_issues("OPS") if i.summary == title)


def report_issues(sandbox: Sandbox) -> tuple[list[Any], list[Any]]:
    jira = [i for i in sandbox.jira_issues("OPS") if "syncer-report" in i.labels]
    github = [i for i in sandbox.github_issues("acme/platform") if "syncer-report" in i.labels]
    return jira, github


def test_the_report_sees_what_happened_behind_syncers_back(
    workspace: tuple[Path, dict[str, str]],
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, env = workspace
    assert run(folder, env, "sync") == 0
    raise_key = jira_key(sandbox, "Raise the proxy pool limit")
    alert_key = jira_key(sandbox, "Alert on pool saturation")
    runbook_key = jira_key(sandbox, "Write the proxy runbook")
    legacy_key = jira_key(sandbox, "Drop the legacy proxy")
    renew = next(i for i in sandbox.github_issues("acme/platform") if i.title.startswith("Renew"))
    sandbox.close_jira_issue(runbook_key, resolution="Won't Do")
    sandbox.delete_jira_issue(legacy_key)
    sandbox.close_github_issue("acme/platform", renew.number, reason="not_planned")
    # A person reassigns a ticket in Jira, through the REST API like anyone else.
    cloud = sandbox.flavor == "cloud"
    answer = requests.put(
        f"{sandbox.url}/rest/api/2/issue/{alert_key}",
        json={"fields": {"assignee": {"accountId": account(sandbox, "carol")}}}
        if cloud
        else {"fields": {"assignee": {"name": "carol"}}},
        auth=(sandbox.jira_email, sandbox.jira_token) if cloud else None,
        headers={} if cloud else {"Authorization": f"Bearer {sandbox.jira_token}"},
        timeout=10,
    )
    assert answer.status_code == 204
    sandbox.age_jira_issue(raise_key, updated=dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC))
    capsys.readouterr()

    today = dt.datetime.now(dt.UTC).date()
    as_of = (today + dt.timedelta(days=30)).isoformat()
    code = run(folder, env, "report", "--as-of", as_of, "--format", "json", "--fail-on", "drift")
    data = json.loads(capsys.readouterr().out)
    assert code == 4

    drift = {(e["kind"], e["ticket"]["key"] if e["ticket"] else None) for e in data["drift"]}
    assert ("wont_do", runbook_key) in drift
    assert ("wont_do", f"acme/platform#{renew.number}") in drift
    assert ("ticket_missing", legacy_key) in drift
    assert ("assignee", alert_key) in drift
    # Every open ticket is idle 30 days at --as-of; the aged one since July.
    stale = {e["row"]["ticket"]["key"]: e["idle_days"] for e in data["stale"]}
    assert stale[raise_key] >= 30 + (today - dt.date(2026, 7, 1)).days - 1
    assert runbook_key not in stale  # closed tickets are not stale
    assert all(days >= 29 for days in stale.values())
    [recurrence] = [r for r in data["recurrence"] if r["incident_id"] == "INC-5002"]
    assert recurrence["earlier_id"] == "INC-5001"
    assert recurrence["days_after"] == 70
    # Raise, Alert and the deleted ticket's item were open then; the runbook too (won't do,
    # but closed only now).
    assert recurrence["open_count"] == 4
    assert data["untracked"] == []
    assert {e["row"]["item_key"].split(".")[0] for e in data["overdue"]} == {
        "inc-5001",
        "inc-5002",
        "inc-5003",
    }


def test_delivery_updates_one_issue_per_team_posts_the_digest_and_nudges_once(
    workspace: tuple[Path, dict[str, str]],
    sandbox: Sandbox,
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, env = workspace
    assert run(folder, env, "sync") == 0
    capsys.readouterr()
    for _ in range(3):
        assert run(folder, env, "report", "--output", str(folder / "report.md")) == 0
    out, err = capsys.readouterr()
    assert receiver.url not in out + err  # the webhook URL is a secret
    jira, github = report_issues(sandbox)
    assert len(jira) == 1
    assert len(github) == 1
    assert jira[0].summary == "Follow-up report: payments"
    assert "INC-5001" in (jira[0].description or "")
    assert "INC-5003" not in (jira[0].description or "")
    assert "INC-5003" in (github[0].body or "")
    assert out.count("payments: report created in") == 1
    # Nothing changed between the runs: the issue is not edited again (no notification).
    assert out.count("payments: report unchanged in") == 2

    # The digest: counts, the five most overdue with links, a link to the full report.
    assert len(receiver.bodies) == 3
    digest = receiver.bodies[-1]
    text = json.dumps(digest)
    assert "https://wiki.example.test/follow-ups" in text
    assert f"{sandbox.url}/browse/OPS-" in text
    assert "INC-5003" not in text  # the web team's items are not in the payments digest
    assert digest["text"].startswith("Follow-up report: payments")

    # Nudges: every overdue, assigned, open ticket once; not again within 7 days.
    nudged = {i.key: [c.body for c in i.comments] for i in sandbox.jira_issues("OPS") if i.comments}
    overdue_keys = {i.key for i in sandbox.jira_issues("OPS") if "syncer-report" not in i.labels}
    assert set(nudged) == overdue_keys
    mention = "[~accountid:712020:" if sandbox.flavor == "cloud" else "[~"
    for bodies in nudged.values():
        assert len(bodies) == 1
        assert bodies[0].startswith(mention)
    web_comments = [c.body for i in sandbox.github_issues("acme/platform") for c in i.comments]
    assert len(web_comments) == 2
    assert all(body.startswith(("@alice ", "@bob ")) for body in web_comments)

    # State lost: the published issues are found again by their marker, not duplicated.
    (folder / "state.db").unlink()
    assert run(folder, env, "report", "--no-deliver", "--output", str(folder / "r.md")) == 0
    assert run(folder, env, "report", "--output", str(folder / "report.md")) == 0
    jira, github = report_issues(sandbox)
    assert (len(jira), len(github)) == (1, 1)


def test_a_closed_ticket_is_never_nudged(
    workspace: tuple[Path, dict[str, str]], sandbox: Sandbox
) -> None:
    folder, env = workspace
    assert run(folder, env, "sync") == 0
    runbook = jira_key(sandbox, "Write the proxy runbook")
    sandbox.close_jira_issue(runbook, resolution="Done")
    assert run(folder, env, "report", "--output", str(folder / "report.md")) == 0
    assert sandbox.jira_issue(runbook).comments == []
    assert sandbox.jira_issue(jira_key(sandbox, "Alert on pool saturation")).comments != []


def _since(query: str) -> str:
    """A query with the moment its "changed since" question starts left out (each cycle asks
    from its own last read: GitHub's ``since``, Jira's ``updated >= "-<n>m"``)."""
    return re.sub(r"-\d+m\b", "-<n>m", re.sub(r"since=[^&]*", "since=<last read>", query))


def test_the_report_reads_what_a_no_op_sync_reads(
    workspace: tuple[Path, dict[str, str]], sandbox: Sandbox
) -> None:
    folder, env = workspace
    assert run(folder, env, "sync") == 0
    sandbox.clear_requests()
    assert run(folder, env, "sync") == 0
    synced = sorted((r.method, r.path, _since(r.query)) for r in sandbox.requests)
    sandbox.clear_requests()
    assert run(folder, env, "report", "--no-deliver", "--output", str(folder / "r.md")) == 0
    reported = sorted((r.method, r.path, _since(r.query)) for r in sandbox.requests)
    assert reported == synced
    assert {method for method, _, _ in reported} <= {"GET", "POST"}  # Cloud searches by POST
    assert all("search" in path for method, path, _ in reported if method == "POST")
