"""Delivery of the report through ``produce_report`` with an in-memory tracker, on both state
backends: one published issue per team (updated, found again, replaced when gone), nudges once
per interval and never on closed or unassigned tickets, webhook failures that never show the
URL; the delivery configuration's validation; the digest's escaping."""

from __future__ import annotations

import datetime as dt
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from syncer.config import Config, parse_config
from syncer.core.report.digest import digest_payload, most_overdue, mrkdwn
from syncer.errors import ConfigError, TrackerUnavailableError
from syncer.model import Ticket, TicketRef
from syncer.shell.reporting import ReportRun, produce_report
from syncer.shell.state import StateStore
from syncer.shell.world import read_world
from tests.support.fakes import FakeTracker

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)

DOCUMENT = """\
---
id: INC-7001
date: 2026-09-01
severity: SEV2
team: payments
---

# Pool exhausted

## Action items
- [ ] [AI-1] Raise the pool limit @alice due 2026-10-01
- [ ] [AI-2] Alert on saturation @bob due 2026-10-05
- [ ] [AI-3] Write the runbook due 2026-10-10
"""


def ticket(number: int, part: str, **fields: Any) -> Ticket:
    return Ticket(
        ref=TicketRef(system="jira", key=f"OPS-{number}", url=f"https://fake/OPS-{number}"),
        title=f"item {part}",
        item_key=f"inc-7001.{part}",
        **({"status_category": "todo"} | fields),
    )


def reported(
    config: Config,
    *,
    store: StateStore,
    trackers: dict[str, FakeTracker],
    now: dt.datetime,
    deliver: bool = True,
) -> ReportRun:
    """The report stage on a fresh read of the world, as ``syncer report`` runs it."""
    world = read_world(config, store, trackers)
    return produce_report(
        config, store=store, world=world, trackers=trackers, now=now, deliver=deliver
    )


@pytest.fixture
def tracker() -> FakeTracker:
    fake = FakeTracker(name="ops")
    fake.add(ticket(1, "ai-1", assignee="acc-alice"))
    fake.add(ticket(2, "ai-2", assignee="acc-bob"))
    fake.add(ticket(3, "ai-3"))  # nobody assigned: nobody to nudge
    return fake


def configure(
    tmp_path: Path,
    teams: str,
    environ: dict[str, str] | None = None,
    *,
    require_secrets: bool = True,
) -> Config:
    docs = tmp_path / "postmortems"
    docs.mkdir(exist_ok=True)
    (docs / "inc-7001.md").write_text(DOCUMENT)
    text = f"""
[sources]
paths = ["{docs}"]
root = "{docs}"

[trackers.ops]
type = "jira"
url = "https://jira.example.test"
flavor = "server"
project = "OPS"
pacing = {{ seconds_between_writes = 0 }}

{teams}
"""
    return parse_config(
        tomllib.loads(text),
        base_dir=tmp_path,
        environ={"SYNCER_OPS_TOKEN": "t", **(environ or {})},
        require_secrets=require_secrets,
    )


def test_publish_creates_once_then_updates_and_finds_again_by_marker(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(
        tmp_path, '[report]\ndeliver = "daily"\n[report.teams.payments]\npublish_to = "ops"'
    )
    runs = [
        reported(config, store=store, trackers={"ops": tracker}, now=NOW + dt.timedelta(i))
        for i in range(3)
    ]
    assert [d.detail for r in runs for d in r.deliveries] == ["created", "updated", "updated"]
    assert tracker.writes.count("create report payments") == 1
    ref, title, body = tracker.reports["payments"]
    assert title == "Follow-up report: payments"
    assert "Raise the pool limit" in body
    assert store.published_report("payments") == ("ops", ref)

    # Gone (deleted in the tracker): state's issue is not found; a new one is made.
    del tracker.reports["payments"]
    run = reported(config, store=store, trackers={"ops": tracker}, now=NOW + dt.timedelta(3))
    assert [d.detail for d in run.deliveries] == ["created"]


def test_publish_to_an_unreadable_tracker_fails_without_stopping_the_report(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    def down() -> list[Ticket]:
        raise TrackerUnavailableError("ops", "cannot reach it")

    tracker.list_managed = down  # type: ignore[method-assign]
    config = configure(tmp_path, '[report.teams.payments]\npublish_to = "ops"')
    run = reported(config, store=store, trackers={"ops": tracker}, now=NOW)
    [delivery] = run.failed_deliveries
    assert delivery.detail == "ops could not be read: cannot reach it"
    assert run.unavailable == {"ops": "cannot reach it"}
    assert run.report.unavailable[0].items == 3
    assert tracker.reports == {}


def test_nudges_once_per_interval_never_closed_or_unassigned(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(tmp_path, "[report.teams.payments]\nnudge_every_days = 7")
    first = reported(config, store=store, trackers={"ops": tracker}, now=NOW)
    assert [(d.channel, d.target) for d in first.deliveries] == [
        ("nudge", "OPS-1"),
        ("nudge", "OPS-2"),
    ]
    [comment] = tracker.comments["OPS-1"]
    assert comment.startswith("@acc-alice this follow-up of INC-7001 is 57 days overdue")
    # Bob's ticket is closed now: never nudged again; Alice's waits for the interval.
    tracker.add(ticket(2, "ai-2", assignee="acc-bob", done=True, status_category="done"))
    later = [
        reported(config, store=store, trackers={"ops": tracker}, now=NOW + dt.timedelta(d))
        for d in (1, 6, 7)
    ]
    assert [[d.target for d in r.deliveries] for r in later] == [[], [], ["OPS-1"]]
    assert len(tracker.comments["OPS-1"]) == 2
    assert len(tracker.comments["OPS-2"]) == 1
    assert "OPS-3" not in tracker.comments
    # A preview with deliver=False nudges nobody.
    quiet = reported(
        config, store=store, trackers={"ops": tracker}, now=NOW + dt.timedelta(30), deliver=False
    )
    assert quiet.deliveries == ()


class Answering:
    """A loopback webhook that answers every POST with ``status``."""

    def __init__(self, status: int) -> None:
        code = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/very-secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def failing_hook() -> Iterator[Answering]:
    hook = Answering(500)
    yield hook
    hook.close()


def test_a_failing_webhook_is_reported_by_its_variable_never_its_url(
    tmp_path: Path, store: StateStore, tracker: FakeTracker, failing_hook: Answering
) -> None:
    closed = Answering(200)
    closed.close()  # nobody listens there any more: connection refused
    config = configure(
        tmp_path,
        '[report.teams.payments]\nwebhook = true\n[report.teams."*"]\nwebhook = true\n'
        'webhook_env = "ALL_HOOK"',
        {"SYNCER_PAYMENTS_WEBHOOK": failing_hook.url, "ALL_HOOK": closed.url},
    )
    run = reported(config, store=store, trackers={"ops": tracker}, now=NOW)
    failed = {(d.team, d.target, d.detail) for d in run.failed_deliveries}
    assert failed == {
        ("payments", "SYNCER_PAYMENTS_WEBHOOK", "answered HTTP 500"),
        ("*", "ALL_HOOK", "request failed (ConnectionError)"),
    }
    assert "very-secret-token" not in repr(run)


@pytest.mark.parametrize(
    ("teams", "environ", "problem"),
    [
        (
            "[report.teams.payments]\nwebhook = true",
            {},
            "report.teams.payments.webhook: set the environment variable SYNCER_PAYMENTS_WEBHOOK",
        ),
        (
            '[report.teams."web ops"]\nwebhook = true\nwebhook_env = "HOOK"',
            {"HOOK": "ftp://hooks.example/very-secret-token"},
            "report.teams.web ops.webhook: HOOK must be an http:// or https:// URL with a host",
        ),
        (
            '[report.teams.payments]\npublish_to = "nowhere"',
            {},
            "report.teams.payments.publish_to: no tracker named 'nowhere'",
        ),
        (
            "[report.teams.payments]\nnudge_every_days = 0",
            {},
            "report.teams.payments.nudge_every_days: must be at least 1, not 0",
        ),
    ],
)
def test_delivery_configuration_is_validated(
    tmp_path: Path, teams: str, environ: dict[str, str], problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        configure(tmp_path, teams, environ)
    assert problem in caught.value.problems
    assert "very-secret-token" not in " ".join(caught.value.problems)


def test_the_default_webhook_variable_of_a_team_with_odd_characters(tmp_path: Path) -> None:
    config = configure(
        tmp_path,
        '[report.teams."web-ops 2"]\nwebhook = true',
        {"SYNCER_WEB_OPS_2_WEBHOOK": "https://hooks.example/x"},
    )
    assert config.webhooks["web-ops 2"].get_secret_value() == "https://hooks.example/x"


def test_the_digest_lists_the_five_latest_and_escapes_for_slack(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(tmp_path, "")
    report = reported(config, store=store, trackers={"ops": tracker}, now=NOW).report
    payload = digest_payload(report, team="pay<ments>", report_url="https://wiki.example/r|x")
    text = payload["text"]
    assert text.startswith("Follow-up report: pay&lt;ments&gt;, 2026-11-27: 3 overdue")
    assert "<https://wiki.example/r%7Cx|full report>" in text
    listed = payload["blocks"][2]["text"]["text"]
    assert listed.index("OPS-1") < listed.index("OPS-2") < listed.index("OPS-3")
    assert "<https://fake/OPS-1|OPS-1> Raise the pool limit (INC-7001): 57 days late" in listed
    assert [e.row.ticket.key for e in most_overdue(report, limit=2) if e.row.ticket] == [
        "OPS-1",
        "OPS-2",
    ]
    assert mrkdwn("<!channel> & <https://evil|click>") == (
        "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
    )


class Counting:
    """A loopback webhook that answers 200 and counts the digests it was sent."""

    def __init__(self) -> None:
        self.posts: list[bytes] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                posts.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/x"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_run_every_fifteen_minutes_delivers_once_a_week_on_time(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    # Seen before: 96 digests and 96 issue edits a day. Weekly on Monday at 09:00 Berlin:
    # the first run delivers, then Monday 2026-11-30 09:00 (08:00 UTC), whatever runs between.
    hook = Counting()
    try:
        config = configure(
            tmp_path,
            '[report]\ntimezone = "Europe/Berlin"\ndeliver = "weekly"\ndeliver_day = "monday"\n'
            'deliver_at = "09:00"\n[report.teams.payments]\npublish_to = "ops"\nwebhook = true',
            {"SYNCER_PAYMENTS_WEBHOOK": hook.url},
        )
        start = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
        delivered: list[tuple[dt.datetime, str, str]] = []
        # Friday noon to the next Tuesday noon, one run every 15 minutes, but none on Monday
        # between 07:00 and 10:00 UTC: the missed slot is made up by the first run after it.
        moments = [start + dt.timedelta(minutes=15 * i) for i in range(4 * 24 * 4 + 1)]
        missed = [m for m in moments if not (m.day == 30 and 7 <= m.hour < 10)]
        for now in missed:
            run = reported(config, store=store, trackers={"ops": tracker}, now=now)
            delivered += [(now, d.channel, d.detail) for d in run.deliveries]
        monday = dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)
        assert delivered == [
            (start, "publish", "created"),
            (start, "webhook", ""),
            (monday, "publish", "updated"),
            (monday, "webhook", ""),
        ]
        assert len(hook.posts) == 2
        assert tracker.writes.count("create report payments") == 1
    finally:
        hook.close()


def test_the_published_issue_is_not_edited_when_nothing_changed(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(
        tmp_path, '[report]\ndeliver = "every-run"\n[report.teams.payments]\npublish_to = "ops"'
    )
    later = NOW + dt.timedelta(minutes=15)
    details = [
        [
            d.detail
            for d in reported(config, store=store, trackers={"ops": tracker}, now=t).deliveries
        ]
        for t in (NOW, later)
    ]
    assert details == [["created"], ["unchanged"]]
    assert [w for w in tracker.writes if "report" in w] == ["create report payments"]
    # The next day the ages moved: the content changed, so it is edited.
    next_day = reported(
        config, store=store, trackers={"ops": tracker}, now=NOW + dt.timedelta(days=1)
    )
    assert [d.detail for d in next_day.deliveries] == ["updated"]


def test_a_webhook_variable_set_to_something_not_a_url_is_not_reported_as_not_set(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(
        tmp_path,
        "[report.teams.payments]\nwebhook = true",
        {"SYNCER_PAYMENTS_WEBHOOK": "hooks.example/very-secret-token"},
        require_secrets=False,
    )
    run = reported(config, store=store, trackers={"ops": tracker}, now=NOW)
    [failed] = run.failed_deliveries
    assert (failed.target, failed.detail) == (
        "SYNCER_PAYMENTS_WEBHOOK",
        "set, but must be an http:// or https:// URL with a host",
    )
    assert "very-secret-token" not in repr(run)
    unset = configure(tmp_path, "[report.teams.payments]\nwebhook = true", require_secrets=False)
    [missing] = reported(unset, store=store, trackers={"ops": tracker}, now=NOW).deliveries
    assert missing.detail == "not set"


def test_the_digest_has_one_line_per_person(
    tmp_path: Path, store: StateStore, tracker: FakeTracker
) -> None:
    config = configure(tmp_path, "")
    report = reported(config, store=store, trackers={"ops": tracker}, now=NOW).report
    payload = digest_payload(report, team="payments")
    [block] = [b for b in payload["blocks"] if "*Per owner*" in b.get("text", {}).get("text", "")]
    lines = block["text"]["text"].splitlines()[1:]
    assert lines == [
        "• alice: 1 open, 1 overdue, 0 due soon (OPS-1)",
        "• bob: 1 open, 1 overdue, 0 due soon (OPS-2)",
    ]
    assert "0 due soon" in payload["text"]
