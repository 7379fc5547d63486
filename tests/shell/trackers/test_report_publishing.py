"""The adapters' report-publishing calls at the HTTP boundary: the exact requests and bodies
(one write per publish, the marker kept, the text cut to what the tracker takes), and the
mention a nudge carries."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from responses import matchers

from syncer.model import TicketRef
from syncer.shell.trackers.base import fit_text
from syncer.shell.trackers.github import GITHUB_BODY_LIMIT, GitHubTracker
from syncer.shell.trackers.jira import JIRA_TEXT_LIMIT, JiraTracker
from tests.support.tracker_payloads import (
    JIRA_URL,
    REPO,
    SECRETS,
    SERVER_SECRETS,
    github_config,
    jira_config,
    sent,
)

GH = f"https://api.github.com:443/repos/{REPO}/issues"
API = f"{JIRA_URL}/rest/api/2"


def test_fit_text_cuts_at_a_line_end_and_says_so() -> None:
    text = "".join(f"line {n}\n" for n in range(1000))
    assert fit_text(text, len(text)) == text
    cut = fit_text(text, 500)
    assert len(cut) <= 500
    assert cut.endswith("(cut here: the full report is longer than the tracker allows)\n")
    kept = cut[: cut.index("\n\n(cut here")]
    assert text.startswith(kept)
    assert kept.endswith("\n")  # whole lines only
    assert len(kept) > 400


def github_raw(number: int, body: str) -> dict[str, Any]:
    return {
        "number": number,
        "title": "Follow-up report: payments",
        "body": body,
        "state": "open",
        "repository_url": f"https://api.github.com/repos/{REPO}",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "labels": [{"name": "syncer-report"}],
    }


def test_github_finds_creates_and_updates_the_report_issue(rsps: responses.RequestsMock) -> None:
    tracker = GitHubTracker("gh", github_config(), SERVER_SECRETS)
    marker = "<!-- syncer:report=payments -->"
    rsps.get(
        GH,
        match=[
            matchers.query_param_matcher(
                {
                    "state": "all",
                    "labels": "syncer-report",
                    "sort": "created",
                    "direction": "asc",
                    "per_page": "100",
                }
            )
        ],
        json=[github_raw(3, "other team\n\n<!-- syncer:report=web -->")],
    )
    assert tracker.find_report("payments") is None
    rsps.post(GH, json=github_raw(4, f"# Report\n\n{marker}"), status=201)
    ref = tracker.create_report("payments", title="Follow-up report: payments", body="# Report")
    assert ref.key == f"{REPO}#4"
    created = json.loads(rsps.calls[-1].request.body or b"")
    assert created == {
        "title": "Follow-up report: payments",
        "body": f"# Report\n\n{marker}",
        "labels": ["syncer-report"],
    }
    rsps.patch(f"{GH}/4", json=github_raw(4, f"long\n\n{marker}"))
    huge = "x\n" * GITHUB_BODY_LIMIT
    assert tracker.update_report(ref, "payments", title="T", body=huge) == ref
    edited = json.loads(rsps.calls[-1].request.body or b"")
    assert len(edited["body"]) <= GITHUB_BODY_LIMIT
    assert edited["body"].endswith(f"\n\n{marker}")
    rsps.patch(f"{GH}/5", status=404, json={"message": "Not Found"})
    gone = ref.model_copy(update={"key": f"{REPO}#5", "url": None})
    assert tracker.update_report(gone, "payments", title="T", body="b") is None
    assert sent(rsps) == [
        f"GET /repos/{REPO}/issues",
        f"POST /repos/{REPO}/issues",
        f"PATCH /repos/{REPO}/issues/4",
        f"PATCH /repos/{REPO}/issues/5",
    ]


@pytest.mark.parametrize(
    ("flavor", "mention"), [("cloud", "[~accountid:acc-1]"), ("server", "[~acc-1]")]
)
def test_jira_updates_the_report_in_one_put_and_nudges_with_a_mention(
    rsps: responses.RequestsMock, flavor: str, mention: str
) -> None:
    secrets = SECRETS if flavor == "cloud" else SERVER_SECRETS
    tracker = JiraTracker("ops", jira_config(flavor), secrets)
    ref = TicketRef(system="jira", key="OPS-9", url=f"{JIRA_URL}/browse/OPS-9")
    rsps.put(f"{API}/issue/OPS-9", status=204)
    huge = "| a | b |\n" * JIRA_TEXT_LIMIT
    assert tracker.update_report(ref, "payments", title="Follow-up report: payments", body=huge)
    put = json.loads(rsps.calls[-1].request.body or b"")
    assert put["fields"]["summary"] == "Follow-up report: payments"
    assert len(put["fields"]["description"]) <= JIRA_TEXT_LIMIT
    rsps.post(f"{API}/issue/OPS-9/comment", json={"id": "1"}, status=201)
    tracker.nudge(ref, "this follow-up is *late*", account="acc-1")
    comment = json.loads(rsps.calls[-1].request.body or b"")
    assert comment["body"].startswith(f"{mention} this follow-up is")
    assert sent(rsps) == ["PUT /rest/api/2/issue/OPS-9", "POST /rest/api/2/issue/OPS-9/comment"]
