"""A due date written but not readable ("next Friday", "2026-13-01", "Q1 2027") leaves the
title and is kept as ``unread_due``, so plan, sync and the report can name it; it never becomes
a date by itself (the policy's date applies)."""

from __future__ import annotations

import pytest

from syncer.core.parse import parse_postmortem


def only_item(body: str) -> tuple[str, str | None, str | None, object]:
    document = parse_postmortem(f"# INC-1: x\n\n## Action items\n\n{body}", source="pm.md")
    (item,) = document.items
    return item.title, item.owner, item.unread_due, item.due


@pytest.mark.parametrize(
    ("line", "title", "owner", "unread"),
    [
        ("- [ ] Rotate the keys @frank due next Friday", "Rotate the keys", "frank", "next Friday"),
        (
            "- [ ] Rotate the keys — owner: Dana, due: tomorrow",
            "Rotate the keys",
            "Dana",
            "tomorrow",
        ),
        ("- [ ] Rotate the keys due 2026-13-01", "Rotate the keys", None, "2026-13-01"),
        (
            "- [ ] Rotate the keys (deadline end of sprint)",
            "Rotate the keys",
            None,
            "end of sprint",
        ),
    ],
)
def test_an_unreadable_due_date_leaves_the_title_and_is_kept(
    line: str, title: str, owner: str | None, unread: str
) -> None:
    assert only_item(line) == (title, owner, unread, None)


@pytest.mark.parametrize(
    "line",
    [
        "- [ ] Shed load due to retries @bob",
        "- [ ] Rotate the keys @bob due 2026-12-01",
        "- [ ] Rotate the keys @bob",
    ],
)
def test_readable_or_absent_due_dates_are_not_findings(line: str) -> None:
    _, _, unread, _ = only_item(line)
    assert unread is None


@pytest.mark.parametrize(
    ("cell", "unread"),
    [("Q1 2027", "Q1 2027"), ("end of sprint", "end of sprint"), ("2026-12-01", None), ("", None)],
)
def test_a_due_cell_that_is_not_a_date(cell: str, unread: str | None) -> None:
    table = f"| Action | Owner | Due |\n| --- | --- | --- |\n| Rotate the keys | bob | {cell} |\n"
    title, owner, found, _ = only_item(table)
    assert (title, owner, found) == ("Rotate the keys", "bob", unread)


def test_a_due_line_under_an_item_that_is_not_a_date() -> None:
    title, _, unread, due = only_item("- [ ] Rotate the keys\n  - Due: after the freeze\n")
    assert (title, unread, due) == ("Rotate the keys", "after the freeze", None)


@pytest.mark.parametrize(
    ("line", "done_on"),
    [
        ("- Rotate the keys -- done 2026-09-03", "2026-09-03"),
        ("- Rotate the keys (done 2026-09-04) @bob", "2026-09-04"),
        ("- [x] Rotate the keys", None),
    ],
)
def test_the_date_an_item_was_done_is_kept(line: str, done_on: str | None) -> None:
    document = parse_postmortem(f"# INC-1: x\n\n## Action items\n\n{line}\n", source="pm.md")
    (item,) = document.items
    assert item.done
    assert (item.done_on.isoformat() if item.done_on else None) == done_on
