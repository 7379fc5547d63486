"""The demo post-mortems in examples/: clean, owned by the demo users, no existing tickets."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.core.parse import parse_bytes

EXAMPLES = Path(__file__).parents[3] / "examples" / "postmortems"


def test_there_are_three_or_four_examples() -> None:
    assert 3 <= len(list(EXAMPLES.glob("*.md"))) <= 4


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.md")), ids=lambda path: path.stem)
def test_example_is_ready_for_the_demo(path: Path) -> None:
    document = parse_bytes(path.read_bytes(), source=f"postmortems/{path.name}")
    assert not document.errors
    assert not document.warnings
    assert document.incident.team in {"platform", "web"}
    assert 3 <= len(document.items) <= 6
    # None: INC-2050 keeps one unowned item, so the demo's follow-up report has one.
    assert {item.owner for item in document.items} <= {"alice", "bob", "carol", None}
    assert all(item.tickets == () for item in document.items)
    assert len({item.key for item in document.items}) == len(document.items)
