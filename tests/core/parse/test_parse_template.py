"""The team template's own example items are not action items until someone fills them in."""

from __future__ import annotations

import pytest

from syncer.core.parse import parse_postmortem

TEMPLATE = """\
# Post-Mortem: Incident INC-0000

**Date**: 2026-11-20
**Authors**: [Names]
**Status**: [Draft/Review/Published]
**Severity**: [SEV1/SEV2]

## Action Items
*   [ ] Fix the bug (Link to Ticket)
*   [ ] Add monitoring (Link to Ticket)
*   [ ] Update documentation (Link to Ticket)
"""


def test_the_unfilled_template_has_no_items_and_says_why() -> None:
    document = parse_postmortem(TEMPLATE, source="incident-INC-0000-post-mortem.md")
    assert document.items == ()
    assert document.has_action_section
    assert [(w.line, w.message) for w in document.warnings] == [
        (
            9,
            "3 example action items of the post-mortem template are not filled in yet; "
            "they are not action items",
        )
    ]


@pytest.mark.parametrize(
    ("line", "title"),
    [
        # the title was filled in; the ticket placeholder stays until a ticket exists
        (
            "*   [ ] Fix the connection leak in the pool (Link to Ticket)",
            "Fix the connection leak in the pool",
        ),
        # the placeholder was replaced by a real ticket
        ("*   [ ] Add monitoring (OPS-12)", "Add monitoring"),
        # written by hand, without the template's placeholder
        ("*   [ ] Add monitoring", "Add monitoring"),
    ],
)
def test_a_filled_in_item_is_an_item(line: str, title: str) -> None:
    text = TEMPLATE.replace("*   [ ] Fix the bug (Link to Ticket)", line)
    document = parse_postmortem(text, source="inc.md")
    assert [item.title for item in document.items] == [title]
