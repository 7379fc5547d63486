"""Reading action-item tables: which column is which, and which tables are broken.

Column names are matched on their words, case and punctuation aside: "Action Item",
"Description" and "Task" are the title; "Owner", "Assignee", "Who" the owner; "Due date",
"Deadline", "ETA", "By" the due date; "Priority"; "Ticket", "Bug", "Issue", "Link", "Tracking" the
ticket; "Status", "Done", "State" the done state; "ID" an explicit item id. A table with no
recognisable title column takes its first column that has no other role.

markdown-it silently drops cells past the header's count and turns a table whose delimiter
row does not match its header into a paragraph of pipes; ``check_rows`` and
``looks_like_table`` notice both so the document gets a warning instead of a silent loss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from syncer.core.parse.sections import normalise_heading

Role = Literal["title", "owner", "due", "priority", "ticket", "status", "id"]

_ROLE_WORDS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    ("status", re.compile(r"^(?:status|state|done|complete[d]?|progress|resolved|closed)\b")),
    ("id", re.compile(r"^(?:id|#|no|number|ref id|item id|ai)$")),
    (
        "owner",
        re.compile(r"\b(?:owners?|assignees?|assigned(?: to)?|who|responsible|dri|poc|lead)\b"),
    ),
    (
        "due",
        re.compile(r"\b(?:due|deadline|eta|target|by when|when|date|completion date)\b|^by$"),
    ),
    ("priority", re.compile(r"\b(?:priority|prio|pri|urgency|importance)\b")),
    (
        "ticket",
        re.compile(
            r"\b(?:tickets?|bugs?|issues?|links?|tracking|tracker|jira|github|pr|ref|references?)\b"
        ),
    ),
    (
        "title",
        re.compile(
            r"\b(?:action|actions|items?|description|task|tasks|what|follow[ -]?ups?|remediation|"
            r"title|summary|todo|to do|measure|measures|step|steps|fix|work)\b"
        ),
    ),
)


@dataclass(frozen=True)
class Columns:
    """The index of each role's column in a table."""

    title: int
    owner: int | None = None
    due: int | None = None
    priority: int | None = None
    ticket: int | None = None
    status: int | None = None
    id: int | None = None


def classify_columns(headers: list[str]) -> Columns | None:
    """The role of each header cell, or None when no column could hold a title."""
    roles: dict[Role, int] = {}
    free: list[int] = []
    for index, header in enumerate(headers):
        words = normalise_heading(header)
        role = _role_of(words)
        # "Action Item" is a title even though "item" alone could be one too; first wins.
        if role is None or role in roles:
            if words:
                free.append(index)
            continue
        roles[role] = index
    if "title" not in roles:
        if not free:
            return None
        roles["title"] = free[0]
    return Columns(
        title=roles["title"],
        owner=roles.get("owner"),
        due=roles.get("due"),
        priority=roles.get("priority"),
        ticket=roles.get("ticket"),
        status=roles.get("status"),
        id=roles.get("id"),
    )


def _role_of(words: str) -> Role | None:
    if not words:
        return None
    # "Action item" and "Task description" are titles before "item"/"date" could be anything.
    if re.match(r"^(?:action|task|description|item|title|follow)", words):
        return "title"
    for role, pattern in _ROLE_WORDS:
        if pattern.search(words):
            return role
    return None


_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CODE_SPAN = re.compile(r"`[^`]*`")


def count_cells(line: str) -> int:
    """Cells in one raw table row, outer pipes optional, escaped pipes and code aside."""
    text = line.strip()
    if "`" in text:
        text = _CODE_SPAN.sub("``", text)
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return len(_CELL_SPLIT.split(text))


_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def looks_like_table(lines: list[str]) -> int | None:
    """For a paragraph's raw lines: the index of a delimiter row if this was meant as a table."""
    if len(lines) < 2 or "|" not in lines[0]:
        return None
    for index, line in enumerate(lines[:3]):
        if "-" in line and ("|" in line or index == 1) and _DELIMITER.match(line):
            return index
    return None
