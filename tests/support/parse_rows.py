"""What the layout tests compare: items as plain rows; the fixtures a test module covers."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from syncer.core.parse import parse_bytes
from syncer.model import Document

FIXTURES = Path(__file__).parents[1] / "fixtures" / "postmortems"

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


def expected_names(module: Path) -> set[str]:
    """The fixture names a layout test module's ``EXPECTED`` table covers, read from its source.

    Read rather than imported: a test module never imports another one.
    """
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "EXPECTED"
            and isinstance(node.value, ast.Dict)
        ):
            return {ast.literal_eval(key) for key in node.value.keys if key is not None}
    raise LookupError(f"{module.name}: no EXPECTED table")
