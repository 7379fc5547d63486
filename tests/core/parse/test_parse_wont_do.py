"""Won't do, as a post-mortem writes it: resolved, never done (issue 20)."""

from __future__ import annotations

import pytest

from syncer.core.parse import parse_postmortem
from syncer.model import TicketRef


def items_of(body: str) -> list[tuple[str, bool, bool, tuple[str, ...]]]:
    document = parse_postmortem(f"# Incident\n\n## Action Items\n\n{body}\n", source="pm/x.md")
    return [(i.title, i.done, i.wont_do, tuple(r.key for r in i.tickets)) for i in document.items]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [-] Drop the cache", ("Drop the cache", False, True, ())),
        ("- [ ] Drop the cache", ("Drop the cache", False, False, ())),
        ("- [x] Drop the cache", ("Drop the cache", True, False, ())),
        ("- ~~Drop the cache~~ (won't do: OPS-123)", ("Drop the cache", False, True, ("OPS-123",))),
        ("- ~~Drop the cache~~ (won't do)", ("Drop the cache", False, True, ())),
        ("- Drop the cache (won\u2019t fix)", ("Drop the cache", False, True, ())),
        ("- Drop the cache (status: won't do)", ("Drop the cache", False, True, ())),
        ("- Drop the cache (status: wontfix)", ("Drop the cache", False, True, ())),
        ("- [-] Drop the cache ([OPS-7](https://j.example/browse/OPS-7))",
         ("Drop the cache", False, True, ("OPS-7",))),
        # Words that only look alike stay in the title.
        ("- Write up why we won't do a rollback", ("Write up why we won't do a rollback", False,
                                                  False, ())),
        ("- ~~Drop the cache~~", ("Drop the cache", True, False, ())),
    ],
)  # fmt: skip
def test_list_items(line: str, expected: tuple[str, bool, bool, tuple[str, ...]]) -> None:
    assert items_of(line) == [expected]


@pytest.mark.parametrize(
    ("status", "done", "wont_do"),
    [
        ("Won't do", False, True),
        ("won\u2019t do", False, True),
        ("Not doing", False, True),
        ("wontfix", False, True),
        ("Won't Fix", False, True),
        ("Done", True, False),
        ("Open", False, False),
    ],
)
def test_status_cell(status: str, done: bool, wont_do: bool) -> None:
    table = f"| Action | Owner | Status |\n|---|---|---|\n| Drop the cache | bob | {status} |"
    assert items_of(table) == [("Drop the cache", done, wont_do, ())]


def test_box_cell() -> None:
    table = "| | Action |\n|---|---|\n| [-] | Drop the cache |\n| [x] | Rotate keys |"
    assert [i[1:3] for i in items_of(table)] == [(False, True), (True, False)]


def test_wont_do_keeps_the_key_of_the_open_item() -> None:
    before = parse_postmortem("# I\n\n## Action Items\n\n- [ ] Drop the cache\n", source="x.md")
    after = parse_postmortem(
        "# I\n\n## Action Items\n\n- [-] Drop the cache (won't do: OPS-1)\n", source="x.md"
    )
    assert before.items[0].key == after.items[0].key
    assert after.items[0].tickets == (TicketRef(system="jira", key="OPS-1"),)
