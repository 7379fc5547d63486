"""What the layout tests compare: a fixture's items as plain rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from syncer.core.parse import parse_bytes
from syncer.model import Document

FIXTURES = Path(__file__).parents[2] / "fixtures" / "postmortems"

# (title, owner, due, priority, tickets, done, line, end_line, group)
Row = tuple[str, str | None, date | None, str | None, tuple[str, ...], bool, int, int, str | None]


def parse_fixture(name: str) -> Document:
    path = FIXTURES / f"{name}.md"
    return parse_bytes(path.read_bytes(), source=f"postmortems/{name}.md")


def as_rows(document: Document) -> list[Row]:
    return [
        (
            item.title,
            item.owner,
            item.due,
            item.priority,
            tuple(ref.key for ref in item.tickets),
            item.done,
            item.line,
            item.end_line,
            item.group,
        )
        for item in document.items
    ]
