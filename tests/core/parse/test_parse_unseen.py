"""Layouts the parser was not written against: each class of failure seen on post-mortems from
teams we never met, with variations of our own (another word order, inflection or nesting).

The fixtures under ``tests/fixtures/postmortems/`` used here were written for this project.
"""

from __future__ import annotations

import pytest

from syncer.core.parse import parse_postmortem
from syncer.core.parse.sections import is_action_heading
from syncer.core.parse.wording import has_template_syntax, is_instruction, is_written_done
from tests.support.parse_rows import Row, as_rows, parse_fixture

# title, owner, due, priority, ticket keys, done, line, end_line, group
EXPECTED: dict[str, list[Row]] = {
    "unseen_headings": [
        ("Cap the build cache at 80% of its volume", None, None, None, (), False, 9, 9, None),
        ("Alert when free disk space drops under 15%", None, None, None, (), False, 10, 10, None),
        ("Move cache eviction to a nightly job", "rin", None, None, (), False, 19, 19, None),
        ("Split the cache per team", None, None, None, (), False, 31, 31, None),
    ],
    "label_then_list": [
        ("Make the consumer reconnect with backoff", None, None, None, (), False, 7, 7, None),
        ("Page on backlog age over 10 minutes", None, None, None, (), False, 8, 8, None),
        (
            "Document the broker restart procedure",
            None,
            None,
            None,
            ("acme/ops#41",),
            False,
            14,
            14,
            None,
        ),
        ("Review the consumer's retry budget", None, None, None, (), False, 15, 15, None),
        ("Add a canary for broker upgrades", None, None, None, (), False, 21, 21, None),
        ("Raise the broker's file-descriptor limit", None, None, None, (), True, 22, 22, None),
    ],
    "template_instructions": [
        (
            "Add a retry budget to the export job",
            "mika",
            None,
            None,
            ("OPS-77",),
            False,
            21,
            21,
            None,
        ),
    ],
    "tracked_groups": [
        (
            "Throttle the backfill to 200 rows per second",
            None,
            None,
            None,
            ("acme/ingest#310",),
            False,
            7,
            7,
            "Short-term",
        ),
        (
            "Add a lag panel to the ingest dashboard",
            None,
            None,
            None,
            ("ING-90",),
            False,
            8,
            8,
            "Short-term",
        ),
        (
            "Partition the events table by day",
            None,
            None,
            None,
            ("ING-88",),
            False,
            12,
            12,
            "Longer term",
        ),
        (
            "Move backfills onto their own worker pool",
            None,
            None,
            None,
            ("ING-88",),
            False,
            13,
            13,
            "Longer term",
        ),
        (
            "Delete the migration's temporary tables",
            None,
            None,
            None,
            (),
            False,
            17,
            17,
            "Housekeeping",
        ),
    ],
    "done_in_words": [
        (
            "Switched the ingest workers to the new queue library",
            None,
            None,
            None,
            (),
            True,
            5,
            5,
            None,
        ),
        (
            "We've tightened the retry policy on the exporter",
            None,
            None,
            None,
            (),
            True,
            6,
            6,
            None,
        ),
        ("Exporter updated to skip empty batches", None, None, None, (), True, 7, 7, None),
        ("Added a dashboard for export lag", None, None, None, (), True, 8, 8, None),
        (
            "The stale feature flag has been removed from the config",
            None,
            None,
            None,
            (),
            True,
            9,
            9,
            None,
        ),
        (
            "Migrate the remaining jobs to the new scheduler",
            None,
            None,
            None,
            (),
            False,
            10,
            10,
            None,
        ),
        ("We will add an alert on export lag", None, None, None, (), False, 11, 11, None),
        ("Investigate why the lag alert did not fire", None, None, None, (), False, 12, 12, None),
        (
            "Created a ticket to rework the batch sizes",
            None,
            None,
            None,
            ("EXP-12",),
            False,
            13,
            13,
            None,
        ),
        ("Improved runbooks for exporter restarts", None, None, None, (), False, 14, 14, None),
    ],
    "ticket_cells": [
        ("Cap the relay queue size", "Dana", None, None, ("acme/relay#55",), True, 7, 7, None),
        ("Alert on relay saturation", "Ivo", None, None, ("REL-31",), False, 8, 8, None),
        (
            "Rotate the relay credentials",
            "Dana",
            None,
            None,
            ("acme/relay@4e5f6a7",),
            True,
            9,
            9,
            None,
        ),
        ("Load-test the relay at twice the peak", None, None, None, (), False, 10, 10, None),
    ],
    "title_notes": [
        ("Add a canary stage to the deploy pipeline", None, None, None, (), False, 5, 5, None),
        ("Agree on an on-call handover checklist", "Noor", None, None, (), False, 6, 6, None),
        ("Review the paging thresholds with SRE", "Tomás", None, None, (), False, 7, 7, None),
        (
            "Evaluate a managed queue (e.g. SQS) for the relay",
            None,
            None,
            None,
            (),
            False,
            8,
            8,
            None,
        ),
        ("Shorten the DNS TTL of the API", None, None, None, (), False, 9, 9, None),
    ],
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_items_of_each_unseen_layout(name: str, expected: list[Row]) -> None:
    document = parse_fixture(name)
    assert as_rows(document) == expected
    # Entries refused as template instructions are named, never dropped without a word.
    assert all("were not read as action items" in w.message for w in document.warnings)


def test_a_template_of_instructions_only_has_no_items() -> None:
    text = (
        "# Review\n\n## Follow-up tasks\n\n"
        "1. List the Jira issues created to prevent this class of incident in the future\n"
        "2. Note who is responsible for each, if any\n"
        "3. {{ task }}\n"
    )
    document = parse_postmortem(text, source="x.md")
    assert document.items == ()
    assert document.has_action_section


@pytest.mark.parametrize(
    "heading",
    [
        "Preventive Measure",
        "Corrective and preventative measure",
        "Measures, corrective",
        "Items to follow up",
        "Follow-Up Item",
        "Remediations and next steps",
        "Improvement actions",
        "What we will do about it",
        "Steps we're taking",
        "How do we stop this from happening again?",
        "Lessons learned / Next steps",
        "Bugs filed",
        "To-do",
        "Work items",
        "What comes next",
    ],
)
def test_headings_are_read_by_their_word_stems(heading: str) -> None:
    assert is_action_heading(heading)


@pytest.mark.parametrize(
    "heading",
    [
        "Lessons learnt",
        "Advice for operators",
        "Recommendations for customers",
        "Actions performed during the incident",
        "Resolution and recovery",
        "Root causes",
        "What could have gone better?",
        "Follow-up meeting notes",
        "Timeline of actions",
        "Open questions",
        "Recurrence",
        "What happened next",
        "Capacity",
        "Was it preventable?",
        "Workload changes",
    ],
)
def test_decoy_headings_stay_out(heading: str) -> None:
    assert not is_action_heading(heading)


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("Switched the build to the new runner", True),
        ("We've tightened the firewall rules", True),
        ("We have moved the cron to UTC", True),
        ("Alerting added for queue age", True),
        ("The old keys were revoked", True),
        ("Rewrote the retry loop", True),
        ("Rolled back the proxy change", True),
        ("Unused keys removed from the vault", True),
        ("Switch the build to the new runner", False),
        ("We will tighten the firewall rules", False),
        ("We'll move the cron to UTC", False),
        ("A status page will be set up", False),
        ("Investigate the slow queries", False),
        ("Opened an issue to track the flaky test", False),
        ("Created a ticket to rotate the keys", False),
        ("Improved runbooks for failover", False),
        ("Automated tests for the exporter", False),
        ("Proposed changes to the paging policy", False),
        ("Have a runbook for the failover", False),
        ("Make sure logs shipped to the archive are checked", False),
    ],
)
def test_done_is_read_from_the_verb_form_of_the_first_clause(text: str, done: bool) -> None:
    assert is_written_done(text) is done


def test_a_done_group_or_an_open_group_outranks_the_wording() -> None:
    text = (
        "# I\n\n## Remediation\n\n### Planned\n\n- Improved alert routing for the edge\n"
        "- Added a dashboard for edge errors\n\n### Completed\n\n- Rotate the edge certificates\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.done) for item in items] == [
        ("Improved alert routing for the edge", False),
        ("Added a dashboard for edge errors", False),
        ("Rotate the edge certificates", True),
    ]


@pytest.mark.parametrize(
    ("text", "instruction"),
    [
        ("List the issues created as corrective actions from this incident", True),
        ("For each issue, include the following", True),
        ("Describe what will be done differently", True),
        ("Link to the relevant Jira ticket", True),
        ("Add your follow-ups here", True),
        ("Include the owner and due date below", True),
        ("Fill in the table below with one row per fix", True),
        ("Add an alert on pool saturation above 80%", False),
        ("What will we change so that this cannot happen again?", True),
        ("Can we shard the sessions table?", False),
        ("List all consumers of the v1 API", False),
        ("Document the restore procedure in the runbook", False),
        ("Add an e.g. field to the form validator", False),
        ("Write down who deploys. Include what bit you last time", False),
    ],
)
def test_instructions_to_the_author(text: str, instruction: bool) -> None:
    assert is_instruction(text) is instruction


@pytest.mark.parametrize(
    ("raw", "template"),
    [
        ("{{ action_item }}", True),
        ("Fix {% service %}", True),
        ("${TICKET}", True),
        ("<action item> - <owner>", True),
        ("Escape <br> in titles", False),
        ("See <https://example.com/x>", False),
        ("Strike <s>this</s>", False),
    ],
)
def test_template_syntax(raw: str, template: bool) -> None:
    assert has_template_syntax(raw) is template


def test_the_section_heading_gives_its_state_and_tracking_issue_to_its_groups() -> None:
    text = (
        "# X\n\n## Completed follow-ups ([epic](https://acme.atlassian.net/browse/OPS-1))\n\n"
        "- Rotate keys\n\n### Database ([issue](https://github.com/o/r/issues/2))\n\n"
        "- Shard the sessions table\n\n### Planned\n\n- Add a probe\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.done, tuple(ref.key for ref in item.tickets)) for item in items] == [
        ("Rotate keys", True, ("OPS-1",)),
        ("Shard the sessions table", True, ("o/r#2",)),
        ("Add a probe", False, ("OPS-1",)),
    ]


@pytest.mark.parametrize(
    ("url", "system", "key"),
    [
        ("https://acme.atlassian.net/jira/software/c/projects/OPS/issues/OPS-12", "jira", "OPS-12"),
        ("https://jira.example.org/projects/WEB/issues/WEB-7?filter=all", "jira", "WEB-7"),
        ("https://youtrack.example.com/issue/ABC-12", "other", "ABC-12"),
        ("https://github.com/acme/api/commit/0a1b2c3d4e5f", "other", "acme/api@0a1b2c3"),
    ],
)
def test_issue_urls_of_other_layouts_name_their_ticket(url: str, system: str, key: str) -> None:
    item = parse_postmortem(f"# X\n\n## Action items\n\n- Rotate keys ({url})\n", source="x").items[
        0
    ]
    assert (item.title, [(ref.system, ref.key, ref.url) for ref in item.tickets]) == (
        "Rotate keys",
        [(system, key, url)],
    )


def test_labels_under_a_timeline_are_not_sections() -> None:
    text = (
        "# X\n\n## Timeline\n\nActions:\n\n- 10:00 restarted the proxy\n\n"
        "## Lessons learned\n\n- Alerts were late\n\n**Action items:**\n\n- Page on p99 latency\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [item.title for item in items] == ["Page on p99 latency"]


@pytest.mark.parametrize(
    ("line", "title", "keys", "note"),
    [
        (
            "- Add a dead-letter queue, see https://gitlab.example.com/grp/q/-/issues/52",
            "Add a dead-letter queue",
            ("grp/q#52",),
            None,
        ),
        (
            "- Add a dead-letter queue; details in OPS-4.",
            "Add a dead-letter queue",
            ("OPS-4",),
            None,
        ),
        (
            "- Review the other consumers (review scheduled)",
            "Review the other consumers",
            (),
            "review scheduled",
        ),
    ],
)
def test_words_pointing_at_a_ticket_or_noting_the_process_leave_the_title(
    line: str, title: str, keys: tuple[str, ...], note: str | None
) -> None:
    item = parse_postmortem(f"# X\n\n## Next steps\n\n{line}\n", source="x").items[0]
    assert (item.title, tuple(ref.key for ref in item.tickets), item.description) == (
        title,
        keys,
        note,
    )


def test_a_by_column_is_the_due_date() -> None:
    text = (
        "# X\n\n## Action items\n\n| What | Who | By |\n|---|---|---|\n"
        "| Add a probe | Omar | 2026-06-15 |\n"
    )
    item = parse_postmortem(text, source="x").items[0]
    assert (item.title, item.owner, str(item.due)) == ("Add a probe", "Omar", "2026-06-15")


@pytest.mark.parametrize(
    ("line", "title", "owner", "keys", "done"),
    [
        (
            "- ~~Move the job to the new scheduler~~ (superseded by BILL-230)",
            "Move the job to the new scheduler",
            None,
            ("BILL-230",),
            True,
        ),
        (
            "- [x] Probe DNS from every region (done 2026-03-02) — Ana",
            "Probe DNS from every region",
            "Ana",
            (),
            True,
        ),
        (
            "- Move the ~~old~~ job to the new scheduler",
            "Move the old job to the new scheduler",
            None,
            (),
            False,
        ),
    ],
)
def test_struck_items_and_done_dates_with_something_after_them(
    line: str, title: str, owner: str | None, keys: tuple[str, ...], done: bool
) -> None:
    item = parse_postmortem(f"# X\n\n## Action items\n\n{line}\n", source="x").items[0]
    assert (item.title, item.owner, tuple(ref.key for ref in item.tickets), item.done) == (
        title,
        owner,
        keys,
        done,
    )
