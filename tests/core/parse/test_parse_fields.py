"""Single-item documents: how owner, due date, priority, tickets and done are read."""

from __future__ import annotations

from datetime import date

import pytest

from syncer.core.parse import parse_postmortem
from syncer.model import ActionItem, TicketRef


def only_item(line: str, *, heading: str = "## Action Items") -> ActionItem:
    document = parse_postmortem(f"# Incident\n\n{heading}\n\n{line}\n", source="pm/x.md")
    assert len(document.items) == 1, document.items
    return document.items[0]


@pytest.mark.parametrize(
    ("line", "title", "owner"),
    [
        ("- Rotate keys @alice", "Rotate keys", "alice"),
        ("- Rotate keys (@bob)", "Rotate keys", "bob"),
        ("- Rotate keys (owner: carol)", "Rotate keys", "carol"),
        ("- Rotate keys Owner: Dana Scott", "Rotate keys", "Dana Scott"),
        ("- [Alice] Rotate keys", "Rotate keys", "Alice"),
        ("- Rotate keys — Alice", "Rotate keys", "Alice"),
        ("- Ask @bob to rotate keys", "Ask @bob to rotate keys", "bob"),
        ("- Rotate keys - before the audit", "Rotate keys - before the audit", None),
        ("- Email ops@example.com about keys", "Email ops@example.com about keys", None),
    ],
)
def test_owner(line: str, title: str, owner: str | None) -> None:
    item = only_item(line)
    assert (item.title, item.owner) == (title, owner)


@pytest.mark.parametrize(
    ("line", "title", "due"),
    [
        ("- Rotate keys 2026-12-01", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys due 2026-12-01", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys due by 2026/12/01", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys (due: 2026-12-01)", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys by Dec 1, 2026", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys by 1 December 2026", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys ETA 12/01/2026", "Rotate keys", date(2026, 12, 1)),
        ("- Rotate keys deadline: 13/01/2026", "Rotate keys", date(2026, 1, 13)),
        (
            "- Freeze deploys until 2026-12-01 unless approved",
            "Freeze deploys until 2026-12-01 unless approved",
            None,
        ),
        # An impossible date leaves the title and is kept as unread_due (a finding).
        ("- Rotate keys due 2026-02-30", "Rotate keys", None),
    ],
)
def test_due(line: str, title: str, due: date | None) -> None:
    item = only_item(line)
    assert (item.title, item.due) == (title, due)


@pytest.mark.parametrize(
    ("line", "title", "priority"),
    [
        ("- P1: Rotate keys", "Rotate keys", "P1"),
        ("- Rotate keys [p0]", "Rotate keys", "P0"),
        ("- Rotate keys (High)", "Rotate keys", "High"),
        ("- Rotate keys priority: critical", "Rotate keys", "Critical"),
        ("- Rotate keys (low priority)", "Rotate keys", "Low"),
        ("- Page on a high priority alert", "Page on a high priority alert", None),
    ],
)
def test_priority(line: str, title: str, priority: str | None) -> None:
    item = only_item(line)
    assert (item.title, item.priority) == (title, priority)


JIRA_URL = "https://acme.atlassian.net/browse/OPS-9"
GH_URL = "https://github.com/acme/api/issues/5"


@pytest.mark.parametrize(
    ("line", "title", "tickets"),
    [
        ("- Rotate keys OPS-123", "Rotate keys", (TicketRef(system="jira", key="OPS-123"),)),
        (
            "- Rotate keys (OPS-1, OPS-2)",
            "Rotate keys",
            (TicketRef(system="jira", key="OPS-1"), TicketRef(system="jira", key="OPS-2")),
        ),
        (
            "- Fix OPS-7 regression",
            "Fix OPS-7 regression",
            (TicketRef(system="jira", key="OPS-7"),),
        ),
        (
            f"- Rotate keys ([OPS-9]({JIRA_URL}))",
            "Rotate keys",
            (TicketRef(system="jira", key="OPS-9", url=JIRA_URL),),
        ),
        (
            f"- Rotate keys {JIRA_URL}",
            "Rotate keys",
            (TicketRef(system="jira", key="OPS-9", url=JIRA_URL),),
        ),
        (
            f"- [Rotate keys]({GH_URL})",
            "Rotate keys",
            (TicketRef(system="github", key="acme/api#5", url=GH_URL),),
        ),
        ("- Rotate keys #44", "Rotate keys", (TicketRef(system="github", key="#44"),)),
        (
            "- Rotate keys acme/api#45",
            "Rotate keys",
            (TicketRef(system="github", key="acme/api#45"),),
        ),
        (
            "- Rotate keys Bug #5554823",
            "Rotate keys",
            (TicketRef(system="other", key="Bug #5554823"),),
        ),
        ("- Rotate keys (Link to Ticket)", "Rotate keys", ()),
        (
            "- Follow the [runbook](https://wiki.example.com/runbooks/keys)",
            "Follow the runbook",
            (),
        ),
        (
            "- Hash with SHA-256, store UTF-8, dates as ISO-8601, retry HTTP-500, COVID-19 leave",
            "Hash with SHA-256, store UTF-8, dates as ISO-8601, retry HTTP-500, COVID-19 leave",
            (),
        ),
        (
            "- Patch the parser (https://github.com/acme/api/commit/abc123)",
            "Patch the parser",
            (),
        ),
        (
            "- Patch the parser (https://github.com/acme/api/commit/0a1b2c3d4e5f60718293)",
            "Patch the parser",
            (
                TicketRef(
                    system="other",
                    key="acme/api@0a1b2c3",
                    url="https://github.com/acme/api/commit/0a1b2c3d4e5f60718293",
                ),
            ),
        ),
        (
            "- Stop double retries, fixed in <https://gitlab.example.com/grp/svc/-/commit/9f8e7d6c5b>",
            "Stop double retries, fixed in",
            (
                TicketRef(
                    system="other",
                    key="grp/svc@9f8e7d6",
                    url="https://gitlab.example.com/grp/svc/-/commit/9f8e7d6c5b",
                ),
            ),
        ),
    ],
)
def test_tickets(line: str, title: str, tickets: tuple[TicketRef, ...]) -> None:
    item = only_item(line)
    assert (item.title, item.tickets) == (title, tickets)


@pytest.mark.parametrize(
    ("line", "done"),
    [
        ("- [x] Rotate keys", True),
        ("* [X] Rotate keys", True),
        ("+ [ ] Rotate keys", False),
        ("- ~~Rotate keys~~", True),
        ("- Rotate keys ~~today~~", False),
        ("- Rotate keys DONE", True),
        ("- [DONE] Rotate keys", True),
        ("- Rotate keys (done)", True),
        ("- Rotate keys - done", True),
        ("- :white_check_mark: Rotate keys", True),
        ("- :construction: Rotate keys", False),
        ("- ✅ Rotate keys", True),
        ("- Rotate keys TODO", False),
        ("- Rotate keys FAILED", False),
        ("- Rotate keys (in progress)", False),
        ("- Rotate keys (ticket created)", False),
        ("- Mark the job done when it finishes", False),
    ],
)
def test_done(line: str, done: bool) -> None:
    item = only_item(line)
    assert item.done is done
    assert "done" not in item.title.lower() or "job done" in item.title


@pytest.mark.parametrize(
    "heading",
    [
        "## Action Items",
        "### Action items",
        "# Follow-ups",
        "## Follow up actions",
        "## Remediation",
        "## Corrective actions",
        "## Corrective and Preventative Measures",
        "## Next steps",
        "## Preventive actions",
        "## Review actions",
        "## TODO list and bugs filed",
        "## How are we preventing it from happening again?",
        "## 5. Action Items",
        "## 🛠 Follow-ups",
        "## Action items & owners",
        "## Lessons learned and action items",
        "Action items\n------------",
        "**Action items:**",
    ],
)
def test_action_heading_variants(heading: str) -> None:
    assert only_item("- Rotate keys", heading=heading).title == "Rotate keys"


@pytest.mark.parametrize(
    "heading",
    [
        "## Timeline",
        "## Lessons Learned",
        "## What went wrong",
        "## Resolution steps",
        "## Actions taken",
        "## Advice to customers",
        "## Post-mortem checklist",
        "## Follow-up meeting notes",
    ],
)
def test_other_headings_hold_no_items(heading: str) -> None:
    document = parse_postmortem(f"# Incident\n\n{heading}\n\n- [ ] Rotate keys\n", source="x.md")
    assert document.items == ()
    assert not document.has_action_section


def test_section_ends_at_a_heading_of_the_same_level() -> None:
    text = "# I\n\n## Action items\n\n### Database\n\n- Add index\n\n## Timeline\n\n- 10:00 down\n"
    document = parse_postmortem(text, source="x.md")
    assert [(item.title, item.group) for item in document.items] == [("Add index", "Database")]


def test_bold_label_list_section() -> None:
    text = (
        "# I\n\n- **Impact**: none\n- **Review actions**:\n"
        "  - Implement secret scanning (Done)\n  - Rotate CI tokens\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.done, item.line) for item in items] == [
        ("Implement secret scanning", True, 5),
        ("Rotate CI tokens", False, 6),
    ]


def test_numbered_items_with_unindented_detail_bullets() -> None:
    text = (
        "# I\n\n## Remediation\n\n1. **Migrate the table**\nWe will:\n\n- copy rows\n- swap\n\n"
        "2. **Add monitoring**\n"
    )
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.description, item.line, item.end_line) for item in items] == [
        ("Migrate the table", "We will:\n- copy rows\n- swap", 5, 9),
        ("Add monitoring", None, 11, 11),
    ]


def test_nested_field_lines_fill_the_item() -> None:
    text = (
        "# I\n\n## Action items\n\n- Add replica lag alert\n  - Owner: @carol\n"
        "  - Due: 2026-12-01\n  - Priority: p2\n  - Status: done\n- Next one\n"
    )
    items = parse_postmortem(text, source="x.md").items
    first = items[0]
    assert (first.owner, first.due, first.priority, first.done) == (
        "carol",
        date(2026, 12, 1),
        "P2",
        True,
    )
    assert (first.line, first.end_line) == (5, 9)
    assert first.description == (
        "- Owner: @carol\n- Due: 2026-12-01\n- Priority: p2\n- Status: done"
    )
    assert items[1].owner is None


def test_a_mis_levelled_other_section_ends_the_action_section() -> None:
    text = "# Action items\n\n- Add index\n\n## Timeline\n\n- 10:00 down\n"
    assert [item.title for item in parse_postmortem(text, source="x.md").items] == ["Add index"]


@pytest.mark.parametrize(
    ("group", "done"),
    [
        ("Immediate actions (completed)", True),
        ("Done", True),
        ("✅ Completed", True),
        ("Planned actions (planned or in-progress)", False),
        ("Not done yet", False),
        ("Database", False),
    ],
)
def test_group_headings_can_mark_items_done(group: str, done: bool) -> None:
    text = f"# I\n\n## Remediation\n\n### {group}\n\n1. **Migrate the table**\n"
    items = parse_postmortem(text, source="x.md").items
    assert [(item.title, item.group, item.done) for item in items] == [
        ("Migrate the table", group, done)
    ]
