"""The parser against one hand-written post-mortem per layout: every field of every item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from syncer.core.parse import parse_bytes, parse_postmortem
from syncer.model import Incident
from tests.support.parse_rows import FIXTURES, Row, as_rows, expected_names, parse_fixture

# title, owner, due, priority, ticket keys, done, line, end_line, group

EXPECTED: dict[str, list[Row]] = {
    "template_filled": [
        ("Add a canary stage to proxy config rollouts", None, None, None, (), False, 32, 32, None),
        (
            "Restore max_client_conn to 2000 in all regions",
            None,
            None,
            None,
            (),
            True,
            33,
            33,
            None,
        ),
        (
            "Alert on proxy pool saturation above 80%",
            "tomasz",
            date(2026, 11, 30),
            None,
            (),
            False,
            34,
            34,
            None,
        ),
        (
            "Update the payments runbook with the rollback steps",
            None,
            None,
            None,
            (),
            False,
            35,
            35,
            None,
        ),
    ],
    "tasklist": [
        (
            "Add backpressure to the indexer queue consumer",
            "alice",
            date(2026, 10, 1),
            "P1",
            ("OPS-412",),
            False,
            7,
            7,
            None,
        ),
        ("Raise the indexer memory limit to 4 GiB", "bob", None, None, (), True, 8, 8, None),
        (
            "Alert when queue age exceeds 10 minutes",
            "carol",
            date(2026, 10, 15),
            "High",
            ("OPS-415",),
            False,
            9,
            9,
            None,
        ),
        (
            "Document the manual re-index procedure in the runbook",
            "alice",
            None,
            None,
            (),
            True,
            10,
            10,
            None,
        ),
        (
            "Reject documents larger than 5 MB at the API; use SHA-256 digests, UTF-8 only "
            "(see ISO-8601 note)",
            None,
            date(2026, 10, 20),
            None,
            ("acme/search#88",),
            False,
            11,
            11,
            None,
        ),
        (
            "Load-test the indexer with a COVID-19-sized traffic spike",
            None,
            None,
            None,
            ("acme/search#91",),
            False,
            12,
            12,
            None,
        ),
        ("Switch the queue to Kafka", None, None, None, (), True, 13, 13, None),
        ("Fix the flaky ingest test", None, None, None, (), False, 14, 14, None),
        (
            "Page the on-call when HTTP-500 rate > 2%",
            None,
            None,
            "P2",
            ("OPS-430",),
            False,
            15,
            17,
            None,
        ),
    ],
    "table_pipes": [
        (
            "Move the CDN certificate to automatic renewal",
            "carol",
            date(2026, 9, 15),
            "P1",
            ("WEB-201",),
            False,
            15,
            15,
            None,
        ),
        (
            "Alert 30 days before any certificate expires",
            "bob",
            date(2026, 9, 1),
            "High",
            ("WEB-202",),
            True,
            16,
            16,
            None,
        ),
        (
            "Inventory every certificate we own",
            "Alice",
            date(2026, 10, 1),
            "P2",
            (),
            False,
            17,
            17,
            None,
        ),
        ("Buy a longer-lived certificate", None, None, "Low", (), True, 18, 18, None),
        (
            "Add certificate checks to the release checklist",
            "carol",
            None,
            "Medium",
            ("acme/web#17",),
            True,
            19,
            19,
            None,
        ),
    ],
    "table_no_pipes": [
        (
            "Cap worker batch size at 500 messages",
            "alice",
            date(2026, 12, 1),
            None,
            ("PLAT-77",),
            False,
            7,
            7,
            None,
        ),
        (
            "Add a memory-usage panel to the workers dashboard",
            "bob",
            date(2026, 11, 20),
            None,
            ("#41",),
            True,
            8,
            8,
            None,
        ),
        (
            "Make the OOM-kill alert page the owning team",
            "carol",
            None,
            None,
            ("platform/workers#45",),
            False,
            9,
            9,
            None,
        ),
        ("Review other consumers for unbounded batches", None, None, None, (), False, 10, 10, None),
    ],
    "numbered_loose": [
        (
            "Write a rollback plan for every datastore migration and review it before the "
            "change window opens",
            None,
            None,
            None,
            (),
            False,
            10,
            11,
            None,
        ),
        (
            "Add an end-to-end login check to the post-deploy smoke tests, so a broken "
            "session store fails the deploy instead of paging on-call",
            None,
            None,
            None,
            ("AUTH-310",),
            False,
            13,
            16,
            None,
        ),
        (
            "Keep the old session store readable for 7 days after a migration",
            None,
            None,
            None,
            ("acme/auth#52",),
            False,
            18,
            19,
            None,
        ),
    ],
    "bold_labels": [
        (
            "Circuit breaker: add one to the payment client so a slow provider cannot exhaust "
            "our worker pool",
            "carol",
            None,
            None,
            (),
            False,
            5,
            5,
            None,
        ),
        (
            "Timeouts: lower the provider call timeout from 30s to 5s",
            None,
            None,
            "P2",
            (),
            False,
            6,
            6,
            None,
        ),
        (
            "Fallback provider - route card payments to the secondary provider when the error "
            "rate passes 5%",
            None,
            date(2026, 12, 15),
            None,
            (),
            False,
            7,
            7,
            None,
        ),
    ],
    "no_marker": [
        (
            "Alert when the export has not completed by 06:00 UTC",
            None,
            None,
            None,
            (),
            False,
            10,
            10,
            None,
        ),
        (
            "Move the export schedule from cron on a single VM to the job scheduler",
            "bob",
            None,
            None,
            (),
            False,
            11,
            11,
            None,
        ),
        (
            "Add the export to the on-call handover checklist",
            None,
            None,
            None,
            (),
            False,
            12,
            12,
            None,
        ),
    ],
    "grouped": [
        (
            "Roll back the notification worker to 4.2.1",
            None,
            None,
            None,
            (),
            True,
            7,
            7,
            "Completed",
        ),
        ("Drain the backlog with extra workers", None, None, None, (), True, 8, 8, "Completed"),
        (
            "Add a queue-depth alert for the push topic",
            "alice",
            None,
            None,
            ("acme/mobile#300",),
            False,
            12,
            12,
            "Short-term",
        ),
        (
            "Pin the APNs client library version",
            None,
            None,
            None,
            ("acme/mobile#300",),
            True,
            13,
            13,
            "Short-term",
        ),
        ("Split push and email onto separate queues", None, None, None, (), True, 18, 18, "Done"),
        (
            "Load-test the notification worker at 3x peak",
            None,
            None,
            None,
            (),
            False,
            20,
            20,
            "Later",
        ),
    ],
    "setext": [
        (
            "Enable automatic volume growth on the metrics database",
            "carol",
            None,
            None,
            (),
            False,
            12,
            12,
            None,
        ),
        (
            "Lower the raw-sample retention from 90 to 30 days",
            None,
            None,
            None,
            (),
            False,
            13,
            13,
            None,
        ),
    ],
    "front_matter": [
        ("Invalidate the flag cache on failover", "alice", None, None, (), False, 18, 18, None),
        (
            "Add a flag-staleness metric to the flags-api dashboard",
            None,
            None,
            None,
            (),
            False,
            19,
            19,
            None,
        ),
    ],
    "decoys": [
        ("Add disk-usage alerts to the upload nodes", "bob", None, None, (), False, 19, 19, None),
    ],
    "empty_template": [],
    "malformed_table": [
        (
            "Rotate the leaked API key",
            "alice",
            date(2026, 6, 1),
            None,
            (),
            False,
            7,
            7,
            None,
        ),
        ("Audit API key scopes", "bob", date(2026, 6, 15), None, (), False, 8, 8, None),
    ],
    "no_section": [],
    "jira_table_and_prefixes": [
        (
            "Add p99 latency SLO alert",
            "alice",
            date(2026, 4, 1),
            None,
            ("API-12",),
            True,
            7,
            7,
            None,
        ),
        ("Cache tenant config", "Bob Smith", None, None, ("API-13",), False, 8, 8, None),
        (
            "Add alerting to the ingest path",
            "bob",
            None,
            None,
            ("OPS-123",),
            False,
            12,
            12,
            "Process",
        ),
        ("Fix the retry storm in the SDK", None, None, "P1", (), False, 13, 13, "Process"),
        ("Rotate credentials", "Carol", None, None, (), False, 14, 14, "Process"),
        (
            "Upgrade Postgres to 16 \u2014 blocked on vendor",
            None,
            None,
            None,
            (),
            False,
            15,
            15,
            "Process",
        ),
        (
            "Review dashboards with on-call",
            "carol",
            date(2026, 5, 1),
            None,
            (),
            False,
            16,
            16,
            "Process",
        ),
    ],
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_items_of_each_layout(name: str, expected: list[Row]) -> None:
    document = parse_fixture(name)
    assert as_rows(document) == expected
    assert not document.errors
    assert all(item.source == f"postmortems/{name}.md" for item in document.items)


def test_every_fixture_has_expectations() -> None:
    here = Path(__file__).parent
    more = expected_names(here / "test_parse_more_layouts.py")
    unseen = expected_names(here / "test_parse_unseen.py")
    confidence = expected_names(here / "test_parse_confidence.py")

    assert not set(EXPECTED) & more
    assert not (set(EXPECTED) | more) & unseen
    assert not (set(EXPECTED) | more | unseen) & confidence
    assert {path.stem for path in FIXTURES.glob("*.md")} == (
        set(EXPECTED) | more | unseen | confidence
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "template_filled",
            Incident(
                id="INC-2041",
                title="Post-Mortem: Incident INC-2041",
                date=date(2026, 10, 14),
                severity="SEV2",
                status="Published",
                authors=("Priya Raman", "tomasz"),
            ),
        ),
        (
            "front_matter",
            Incident(
                id="PM-2026-017",
                title="Stale feature flags served after cache failover",
                date=date(2026, 7, 8),
                severity="SEV3",
                status="Review",
                team="web",
                service="flags-api",
                authors=("alice", "bob"),
            ),
        ),
        (
            "empty_template",
            Incident(
                id="INC-0000", title="Post-Mortem: Incident INC-0000", date=date(2026, 11, 20)
            ),
        ),
        (
            "table_pipes",
            Incident(
                id="postmortems-table-pipes",
                title="Post-mortem: CDN certificate expiry",
                date=date(2026, 8, 19),
                severity="SEV1",
            ),
        ),
        (
            "setext",
            Incident(id="postmortems-setext", title="Disk full on the metrics database"),
        ),
        (
            "tasklist",
            Incident(
                id="postmortems-tasklist",
                title="Search indexer backlog, 2026-09-03",
                date=date(2026, 9, 3),
            ),
        ),
    ],
)
def test_incident_metadata(name: str, expected: Incident) -> None:
    assert parse_fixture(name).incident == expected


def test_ticket_systems_and_urls() -> None:
    tickets = {ref.key: ref for item in parse_fixture("tasklist").items for ref in item.tickets}
    assert tickets["OPS-412"].system == "jira"
    assert tickets["OPS-412"].url is None
    assert tickets["OPS-415"].url == "https://acme.atlassian.net/browse/OPS-415"
    # A reference-style link resolved through the document's link definitions.
    assert tickets["acme/search#88"].system == "github"
    assert tickets["acme/search#88"].url == "https://github.com/acme/search/pull/88"


def test_explicit_ids_make_keys() -> None:
    items = parse_fixture("tasklist").items
    assert items[0].key == "postmortems-tasklist.ai-1"
    assert items[5].key == "postmortems-tasklist.ai-7"
    assert items[7].key == "postmortems-tasklist.ingest-flake"


def test_descriptions_hold_sub_bullets() -> None:
    items = parse_fixture("numbered_loose").items
    assert items[1].description == (
        "- Start with the web login; mobile follows.\n- Tracked in AUTH-310"
    )
    assert items[0].description is None


def test_a_group_tracking_issue_tracks_the_items_of_its_group() -> None:
    item = parse_fixture("grouped").items[2]
    assert [(ref.key, ref.url) for ref in item.tickets] == [
        ("acme/mobile#300", "https://github.com/acme/mobile/issues/300")
    ]
    assert item.description is None


def test_an_item_naming_its_own_ticket_keeps_it_under_a_tracked_group() -> None:
    text = (
        "# I\n\n## Follow-ups\n\n### Short term ([follow along](https://github.com/o/r/issues/1))"
        "\n\n- Add an alert (o/r#7)\n- Add a dashboard\n\n### Later\n\n- Load-test\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, tuple(ref.key for ref in item.tickets)) for item in items] == [
        ("Add an alert", ("o/r#7",)),
        ("Add a dashboard", ("o/r#1",)),
        ("Load-test", ()),
    ]
    assert items[0].description == "Group tracking issue: o/r#1"
    # Only the inherited one is marked as the group's: the plan lets an item's own ticket win.
    assert [item.group_tracked for item in items] == [False, True, False]


def test_decoy_sections_have_no_items_but_the_section_counts() -> None:
    document = parse_fixture("decoys")
    assert document.has_action_section
    assert not document.warnings


def test_no_action_section_is_a_warning() -> None:
    document = parse_fixture("no_section")
    assert not document.has_action_section
    assert [str(problem) for problem in document.warnings] == [
        "postmortems/no_section.md: no action-item section found"
    ]
    assert not document.errors


def test_malformed_tables_are_located() -> None:
    document = parse_fixture("malformed_table")
    assert [(problem.line, problem.message.split(";")[0]) for problem in document.warnings] == [
        (7, "table row has 5 cells but the header has 3"),
        (
            12,
            "this looks like a table but is not one (do the header and the delimiter row "
            "have the same number of cells?)",
        ),
    ]
    assert not document.errors


def test_content_hash_is_of_the_raw_bytes() -> None:
    import hashlib

    data = (FIXTURES / "setext.md").read_bytes()
    assert parse_bytes(data, source="x.md").content_hash == hashlib.sha256(data).hexdigest()
