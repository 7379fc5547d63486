"""The parser against more hand-written post-mortems, one per layout seen in real teams'
documents: SRE-book tables, Jira-keyed lists, HTML exports, per-team sub-sections, yes/no and
checkbox columns, bold-label sections, emoji status and combined headings."""

from __future__ import annotations

from datetime import date

import pytest

from syncer.core.parse import parse_postmortem
from syncer.model import ActionItem
from tests.support.parse_rows import Row, as_rows, parse_fixture

# title, owner, due, priority, ticket keys, done, line, end_line, group

EXPECTED: dict[str, list[Row]] = {
    "bold_label_bare_lines": [
        (
            "Add a PodDisruptionBudget for CoreDNS",
            None,
            None,
            None,
            ("PLAT-1402",),
            True,
            10,
            10,
            None,
        ),
        (
            "Run two CoreDNS replicas on separate nodes",
            None,
            None,
            None,
            ("PLAT-1403",),
            False,
            11,
            11,
            None,
        ),
        ("Alert on DNS lookup error rate above 1%", None, None, None, (), False, 12, 12, None),
        (
            "Review node-drain automation with the cluster team",
            "Sven Olsen",
            None,
            None,
            (),
            False,
            13,
            13,
            None,
        ),
    ],
    "bold_label_heading": [
        (
            "Fetch IdP metadata daily and alert on a signing-certificate change",
            "felix",
            None,
            None,
            (),
            False,
            12,
            12,
            None,
        ),
        (
            "Add a second trusted certificate slot to the SAML config",
            "nadia",
            None,
            None,
            (),
            False,
            13,
            13,
            None,
        ),
        (
            "Write a runbook for manual certificate pinning",
            "Nadia",
            date(2026, 3, 31),
            None,
            (),
            False,
            14,
            14,
            None,
        ),
        (
            "Subscribe the SRE list to the IdP's change notifications",
            None,
            None,
            None,
            (),
            False,
            15,
            15,
            None,
        ),
    ],
    "combined_lessons_actions": [
        ("Rate-limit outbound mail per account", "Aiko", None, "P1", (), False, 10, 10, None),
        (
            "Require 2FA for accounts that send more than 1,000 mails a day",
            None,
            None,
            "High",
            (),
            False,
            11,
            11,
            None,
        ),
        (
            "Set up blocklist monitoring for all relay IPs",
            None,
            date(2026, 2, 28),
            None,
            (),
            False,
            12,
            12,
            None,
        ),
        (
            "Move password-reset mail to a separate IP pool",
            None,
            None,
            None,
            (),
            True,
            13,
            13,
            None,
        ),
    ],
    "confluence_html_table": [
        (
            "Make the refund import idempotent (dedupe on refund ID)",
            "Guo Wei",
            date(2026, 10, 1),
            "P1",
            ("REC-210",),
            False,
            16,
            16,
            None,
        ),
        (
            "Compare daily totals with the PSP settlement report & alert on drift",
            "Zoë Martin",
            date(2026, 10, 15),
            "P2",
            ("REC-211",),
            False,
            17,
            23,
            None,
        ),
        ("Pause the reconciliation job until fixed", "Guo Wei", None, "P0", (), True, 24, 24, None),
    ],
    "emoji_status": [
        ("Flush the flag cache on every publish", "hana", None, None, (), True, 16, 16, None),
        (
            "Add a cache-version header to flag responses",
            "hana",
            None,
            None,
            (),
            False,
            17,
            17,
            None,
        ),
        ("Add an end-to-end freshness probe for flags", "olu", None, None, (), False, 18, 18, None),
        (
            "Write an ADR for the cache invalidation model",
            "olu",
            None,
            None,
            (),
            False,
            19,
            19,
            None,
        ),
        ("Page the flags on-call on publish failures", "marek", None, None, (), True, 20, 20, None),
        ("Remove the stale-while-revalidate setting", "marek", None, None, (), True, 21, 21, None),
        (
            "Reduce the cache TTL from 10 minutes to 30 seconds",
            None,
            None,
            None,
            ("flagco/flagd#1432",),
            True,
            22,
            24,
            None,
        ),
        ("Shard the flag cache per environment", None, None, None, (), False, 25, 26, None),
    ],
    "followup_team_sections": [
        (
            "Add a freshness check on the billing export table",
            "kofi",
            date(2026, 8, 15),
            None,
            (),
            False,
            18,
            19,
            "Data platform",
        ),
        (
            "Retry the export job automatically once before paging anyone",
            "kofi",
            None,
            None,
            (),
            False,
            20,
            22,
            "Data platform",
        ),
        (
            "Move the export off the shared Airflow worker pool",
            "sanna",
            date(2026, 9, 30),
            "P2",
            (),
            False,
            23,
            24,
            "Data platform",
        ),
        (
            "Make invoice sending idempotent so a re-run cannot double-send",
            "ines",
            date(2026, 8, 31),
            None,
            (),
            True,
            28,
            31,
            "Finance engineering",
        ),
        (
            'Add a "delayed invoices" banner to the customer portal',
            "ines",
            None,
            None,
            (),
            False,
            32,
            34,
            "Finance engineering",
        ),
    ],
    "gitlab_issue_links": [
        (
            "Make registry GC respect in-flight uploads",
            None,
            None,
            None,
            ("infra/registry#412",),
            False,
            17,
            17,
            None,
        ),
        ("infra/registry#413", None, None, None, ("infra/registry#413",), False, 18, 18, None),
        (
            "Restore job for deleted blobs",
            None,
            None,
            None,
            ("infra/registry#414",),
            True,
            19,
            19,
            None,
        ),
        (
            "Add a GC dry-run report to the weekly review",
            None,
            None,
            None,
            ("infra/registry!98",),
            False,
            20,
            20,
            None,
        ),
        ("Document the blob restore procedure", None, None, None, (), False, 21, 21, None),
    ],
    "html_export": [
        (
            "Set minimum_master_nodes to a quorum on all clusters",
            "wei",
            date(2026, 8, 10),
            None,
            (),
            True,
            21,
            21,
            None,
        ),
        (
            "Add a split-brain detector that pages the search on-call",
            "amara",
            date(2026, 9, 1),
            None,
            (),
            False,
            22,
            22,
            None,
        ),
        (
            "Practice the restore-from-snapshot runbook",
            "wei",
            date(2026, 9, 15),
            None,
            (),
            False,
            23,
            23,
            None,
        ),
        ("Upgrade the cluster to 8.x", None, None, None, (), True, 28, 28, None),
    ],
    "improvements_action_plan": [
        (
            "Replicate the EU ingestion partition across two zones",
            None,
            None,
            None,
            ("DATA-881",),
            False,
            9,
            11,
            None,
        ),
        (
            "Add the partition health to the ingestion dashboard so that on-call can see an "
            "offline partition at a glance",
            None,
            None,
            None,
            (),
            False,
            13,
            14,
            None,
        ),
        (
            "Run a failover drill for the ingestion pipeline every quarter",
            "Lucía Pérez",
            None,
            None,
            (),
            False,
            16,
            17,
            None,
        ),
        (
            "Automate partition failover",
            "Tomás",
            date(2027, 3, 15),
            "High",
            ("analytics-co/ingest#512",),
            False,
            23,
            23,
            None,
        ),
        ("Add an EU-only synthetic tenant", None, date(2027, 2, 1), "Low", (), False, 24, 24, None),
    ],
    "jira_prefixed_list": [
        (
            "Move poison messages to a dead-letter queue after 5 attempts",
            None,
            None,
            None,
            ("PAY-301",),
            False,
            13,
            13,
            None,
        ),
        (
            "Alert when the oldest webhook message is older than 10 minutes",
            "lena",
            None,
            None,
            ("PAY-302",),
            False,
            14,
            14,
            None,
        ),
        (
            "Add a replay tool for the dead-letter queue",
            None,
            None,
            None,
            ("PAY-303",),
            False,
            15,
            15,
            None,
        ),
        (
            "Document the manual queue purge",
            None,
            date(2026, 6, 1),
            None,
            ("PAY-304",),
            False,
            16,
            16,
            None,
        ),
        (
            "Split webhook consumers per partner tier",
            None,
            None,
            None,
            ("PAY-305", "PAY-306"),
            False,
            17,
            17,
            None,
        ),
        (
            "Review queue consumer timeouts with the platform team",
            None,
            None,
            None,
            ("payco/platform#88",),
            False,
            18,
            18,
            None,
        ),
    ],
    "paragraph_group_labels": [
        ("Disable the lifecycle rule", "noor", None, None, (), True, 19, 19, "Completed"),
        (
            "Throttle background rewrites to 500 objects/s",
            "noor",
            None,
            None,
            (),
            True,
            20,
            20,
            "Completed",
        ),
        (
            "Require review for lifecycle rule changes",
            "sam",
            None,
            "P1",
            (),
            False,
            24,
            24,
            "Short-term",
        ),
        (
            "Add a dry-run mode that reports how many objects a rule would touch",
            "sam",
            date(2026, 2, 28),
            None,
            (),
            False,
            25,
            26,
            "Short-term",
        ),
        (
            "Move background jobs to a separate I/O class",
            "Noor Haddad",
            None,
            None,
            (),
            False,
            30,
            30,
            "Long-term",
        ),
        (
            "Alert on rewrite throughput above the daily baseline",
            None,
            None,
            None,
            ("STOR-88",),
            False,
            31,
            32,
            "Long-term",
        ),
    ],
    "plan_headings": [
        (
            "Re-enable cache eviction and add it to the upgrade checklist",
            "mateo",
            None,
            None,
            (),
            False,
            15,
            15,
            None,
        ),
        (
            "Alert when runner disk usage exceeds 85% for 10 minutes",
            "yuki",
            None,
            None,
            (),
            False,
            16,
            16,
            None,
        ),
        ("Cap the per-job cache size at 5 GiB", "yuki", None, None, (), False, 17, 17, None),
        (
            "Run the upgrade in a staging pool first",
            "Mateo Ruiz",
            date(2026, 12, 1),
            None,
            (),
            False,
            21,
            21,
            None,
        ),
        (
            "Add a weekly job that prunes caches older than 14 days",
            None,
            date(2027, 1, 15),
            None,
            (),
            False,
            25,
            25,
            None,
        ),
    ],
    "sre_table_type_bug": [
        ("Revert the fan-out change in quota-config", "priya", None, None, (), True, 25, 25, None),
        (
            "Make the canary stage mandatory for quota-config pushes",
            "dmitri",
            None,
            None,
            ("Bug 8812345",),
            False,
            26,
            26,
            None,
        ),
        (
            "Add a fan-out budget check to the config linter",
            "priya",
            None,
            None,
            ("Bug 8812346",),
            True,
            27,
            27,
            None,
        ),
        (
            "Alert on quota backend p99 latency above 250 ms",
            "oscar",
            None,
            None,
            ("QUOTA-77",),
            False,
            28,
            28,
            None,
        ),
        (
            "Page on quota-config push failures",
            "oscar",
            None,
            None,
            ("b/4417001",),
            False,
            29,
            29,
            None,
        ),
        (
            "Write a load-shedding design for the quota service",
            None,
            None,
            None,
            (),
            False,
            30,
            30,
            None,
        ),
    ],
    "yes_no_checkbox_tables": [
        ("Renew the wildcard certificate", "Jonas", date(2026, 4, 2), None, (), True, 12, 12, None),
        (
            "Move the legacy CDN to managed certificates",
            "Jonas",
            date(2026, 5, 15),
            None,
            (),
            False,
            13,
            13,
            None,
        ),
        (
            "Alert 30 days before any certificate expires",
            "Ruth",
            date(2026, 4, 20),
            None,
            (),
            False,
            14,
            14,
            None,
        ),
        (
            "Inventory every certificate we serve",
            "ruth",
            None,
            None,
            (),
            True,
            20,
            20,
            "Added after the review meeting",
        ),
        (
            "Remove the expired certificate from the old load balancer",
            "jonas",
            None,
            None,
            (),
            False,
            21,
            21,
            "Added after the review meeting",
        ),
    ],
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_items_of_each_layout(name: str, expected: list[Row]) -> None:
    document = parse_fixture(name)
    assert as_rows(document) == expected
    assert not document.errors
    assert not document.warnings
    assert document.has_action_section


def test_ticket_urls_are_kept() -> None:
    tickets = {
        ref.key: ref
        for item in parse_fixture("confluence_html_table").items
        for ref in item.tickets
    }
    assert tickets["REC-210"].url == "https://finops.atlassian.net/browse/REC-210"
    assert tickets["REC-210"].system == "jira"
    sre = {
        ref.key: ref for item in parse_fixture("sre_table_type_bug").items for ref in item.tickets
    }
    assert sre["Bug 8812345"].system == "other"
    assert sre["QUOTA-77"].url == "https://issues.example.com/browse/QUOTA-77"
    assert sre["b/4417001"].url == "https://issuetracker.google.com/issues/4417001"


def test_field_lines_are_not_part_of_the_description_title() -> None:
    item = parse_fixture("emoji_status").items[6]
    assert item.description == "- Status: Done\n- PR: https://github.com/flagco/flagd/pull/1432"


def only_item(line: str, *, heading: str = "## Action Items") -> ActionItem:
    document = parse_postmortem(f"# Incident\n\n{heading}\n\n{line}\n", source="pm/x.md")
    assert len(document.items) == 1, document.items
    return document.items[0]


@pytest.mark.parametrize(
    ("line", "title", "owner", "due", "priority"),
    [
        ("- Rotate keys (@yuki, @mateo)", "Rotate keys", "yuki", None, None),
        ("- Rotate keys (owner: Aiko, P1)", "Rotate keys", "Aiko", None, "P1"),
        ("- Rotate keys (@kim, due 2026-12-01)", "Rotate keys", "kim", date(2026, 12, 1), None),
        ("- Rotate keys (see notes, slides)", "Rotate keys (see notes, slides)", None, None, None),
        ("- Rotate keys — Nadia, due 2026-03-31", "Rotate keys", "Nadia", date(2026, 3, 31), None),
        ("- Rotate keys (owner: Søren Ødegård)", "Rotate keys", "Søren Ødegård", None, None),
        ("- [Zoë] Rotate keys", "Rotate keys", "Zoë", None, None),
        ("- Rotate keys\n  Owner - Alice Smith", "Rotate keys", "Alice Smith", None, None),
        ("- Rotate keys (assigned: @kim)", "Rotate keys", "kim", None, None),
        ("- Rotate keys @acme/sre-oncall", "Rotate keys", "acme/sre-oncall", None, None),
        ("- Rotate keys, owner: @acme/sre", "Rotate keys", "acme/sre", None, None),
        (
            "- Give assigned owners to each key",
            "Give assigned owners to each key",
            None,
            None,
            None,
        ),
        ("- Rotate keys owned by Dana Scott", "Rotate keys", "Dana Scott", None, None),
    ],
)
def test_owner_lists_and_names(
    line: str, title: str, owner: str | None, due: date | None, priority: str | None
) -> None:
    item = only_item(line)
    assert (item.title, item.owner, item.due, item.priority) == (title, owner, due, priority)


@pytest.mark.parametrize(
    ("line", "title", "done"),
    [
        ("- Bump TLS ciphers. Status: done", "Bump TLS ciphers", True),
        ("- Bump TLS ciphers (status: in progress)", "Bump TLS ciphers", False),
        ("- Bump TLS ciphers - Status: Closed", "Bump TLS ciphers", True),
        ("- [ ] Bump TLS ciphers; status: completed", "Bump TLS ciphers", True),
        ("- [x] Bump TLS ciphers. Status: open", "Bump TLS ciphers", True),
        ("- Make the status: field mandatory", "Make the status: field mandatory", False),
        ("- Fix the status page", "Fix the status page", False),
    ],
)
def test_inline_status(line: str, title: str, done: bool) -> None:
    item = only_item(line)
    assert (item.title, item.done) == (title, done)


@pytest.mark.parametrize(
    ("line", "title", "keys"),
    [
        ("- Add alerts (JIRA: OPS-77)", "Add alerts", ("OPS-77",)),
        ("- Add alerts, tracked in OPS-78", "Add alerts", ("OPS-78",)),
        ("- Add alerts (see OPS-79 and OPS-80)", "Add alerts", ("OPS-79", "OPS-80")),
        (
            "- Update OPS-81 with the runbook link",
            "Update OPS-81 with the runbook link",
            ("OPS-81",),
        ),
        ("- Add alerts (Bug 5554900)", "Add alerts", ("Bug 5554900",)),
        ("- Fix bug 12 in the parser", "Fix bug 12 in the parser", ()),
        (
            "- Add alerts. Jira: [OPS-9](https://x.atlassian.net/browse/OPS-9). Owner: Kim.",
            "Add alerts",
            ("OPS-9",),
        ),
        ("- Add alerts. Jira: OPS-10.", "Add alerts", ("OPS-10",)),
        ("- Add alerts (see https://github.com/o/r/issues/5).", "Add alerts", ("o/r#5",)),
        (
            "- Add alerts (Ticket: https://github.com/o/r/issues/3, owner: @al)",
            "Add alerts",
            ("o/r#3",),
        ),
        ("- Add alerts (OPS-11, @al, P2)", "Add alerts", ("OPS-11",)),
        ("- Add alerts (b/1234567)", "Add alerts", ("b/1234567",)),
        ("- See https://example.com/b/12345", "See https://example.com/b/12345", ()),
        (
            "- Add alerts ([bug](https://bugzilla.example.org/show_bug.cgi?id=1700001))",
            "Add alerts",
            ("Bug 1700001",),
        ),
        (
            "- Add alerts (https://linear.app/acme/issue/ENG-42/add-alerts)",
            "Add alerts",
            ("ENG-42",),
        ),
    ],
)
def test_ticket_labels(line: str, title: str, keys: tuple[str, ...]) -> None:
    item = only_item(line)
    assert (item.title, tuple(ref.key for ref in item.tickets)) == (title, keys)


@pytest.mark.parametrize(
    "heading",
    [
        "## Action items (owner, due date)",
        "## Post-Incident Actions",
        "## Prevention measures",
        "## Action-items",
        "## Countermeasures",
        "## What we'll do differently",
        "## What we are doing about it",
        "## Changes we are making",
        "## Improvements we will make",
        "## 7) Next Steps",
        "**Action items:**",
    ],
)
def test_more_action_heading_variants(heading: str) -> None:
    assert only_item("- Add alerting", heading=heading).title == "Add alerting"


@pytest.mark.parametrize(
    "heading", ["## Actions taken (during the incident)", "## Mitigation steps taken"]
)
def test_actions_taken_are_not_action_items(heading: str) -> None:
    document = parse_postmortem(f"# X\n\n{heading}\n\n- Restarted the pods\n", source="x.md")
    assert document.items == ()


def test_checkbox_cell_without_a_status_column() -> None:
    text = "# X\n\n## Action items\n\n| | Action |\n|-|-|\n| [x] | Ship it |\n| [ ] | Plan it |\n"
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.done) for item in items] == [("Ship it", True), ("Plan it", False)]


def test_html_table_of_unclosed_tags_is_read_row_by_row() -> None:
    # How long it takes: bench/parse_bench.py --hostile.
    rows = "<tr><td>Fix it <a href='x'>" * 3000
    text = f"# X\n\n## Action items\n\n<table><tr><th>Action</th></tr>{rows}"
    document = parse_postmortem(text, source="x.md")
    assert len(document.items) == 3000
    assert document.items[0].title == "Fix it"


def test_oversized_html_table_is_reported() -> None:
    rows = "".join(f"<tr><td>Fix {n}</td></tr>\n" for n in range(6000))
    text = f"# X\n\n## Action items\n\n<table>\n<tr><th>Action</th></tr>\n{rows}</table>\n"
    document = parse_postmortem(text, source="x.md")
    assert document.items == ()
    assert [problem.message for problem in document.warnings] == [
        "HTML table too large; its rows were not read"
    ]


def test_under_indented_sub_bullets_of_the_last_numbered_item_are_details() -> None:
    text = (
        "# X\n\n## Action items\n\n"
        "9. Add a canary stage\n   - Tracked in OPS-9\n\n"
        "10. Alert on pool saturation\n   - Start with the EU pool\n   - Tracked in OPS-10\n\n"
        "- Separate item at the margin\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [
        (item.title, [ref.key for ref in item.tickets], item.line, item.end_line) for item in items
    ] == [
        ("Add a canary stage", ["OPS-9"], 5, 6),
        ("Alert on pool saturation", ["OPS-10"], 8, 10),
        ("Separate item at the margin", [], 12, 12),
    ]


def test_incident_id_from_a_label_line() -> None:
    assert parse_fixture("paragraph_group_labels").incident.id == "INC-3390"


def test_escapes_and_entities_are_kept_as_text() -> None:
    item = only_item(r"- Rename foo\_bar &amp; drop the \*legacy\* flag &mdash; Noor")
    assert (item.title, item.owner) == ("Rename foo_bar & drop the *legacy* flag", "Noor")


def test_documentation_links_are_descriptions_not_tickets() -> None:
    item = parse_fixture("gitlab_issue_links").items[4]
    assert item.tickets == ()
    assert item.description == "https://docs.example.com/registry/restore"


@pytest.mark.parametrize(
    ("line", "title", "due", "done"),
    [
        ("- [X] Fix it -- done 2026-01-02", "Fix it", None, True),
        ("- Fix it (completed on Jan 3, 2026)", "Fix it", None, True),
        ("- Fix it - fixed 01/04/2026", "Fix it", None, True),
        ("- Fix it, due 01.12.2026", "Fix it", date(2026, 12, 1), False),
        ("- Upgrade to 1.2.2026 release", "Upgrade to 1.2.2026 release", None, False),
        ("- Fix it ✓", "Fix it", None, True),
        ("- Fix it ✗", "Fix it", None, False),
    ],
)
def test_completion_dates_and_marks(line: str, title: str, due: date | None, done: bool) -> None:
    item = only_item(line)
    assert (item.title, item.due, item.done) == (title, due, done)


def test_intro_prose_is_not_an_item_but_bare_lines_in_a_group_are() -> None:
    text = (
        "# X\n\n## Action items\n\nWe agreed on the follow-up work below.\n\n"
        "### Done\nRestarted the pods\nRolled back the config\n\n### Open\n- [ ] Add alerting\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.done, item.line, item.group) for item in items] == [
        ("Restarted the pods", True, 8, "Done"),
        ("Rolled back the config", True, 9, "Done"),
        ("Add alerting", False, 12, "Open"),
    ]
