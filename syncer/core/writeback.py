"""Document edits: a post-mortem's bytes and the edits planned for its items in, new bytes out.

Pure: no files, no clock. ``rewrite_document`` changes only the lines an edit must change; every
other byte stays as it was: line endings (LF, CRLF, mixed), the trailing newline or its absence,
a UTF-8 byte-order mark, front matter, trailing spaces. What it writes, by layout:

- **a link** to the item's ticket (``ItemEdit.link``): the template's ``(Link to Ticket)``
  placeholder becomes ``([OPS-123](https://jira.example.com/browse/OPS-123))``; a list item
  without one gets `` ([OPS-123](...))`` at the end of its first line; a table row gets it in
  its Ticket column (a column is added to the whole table only with ``ticket_column``);
- **done** (``ItemEdit.status == "done"``): the item's box ``[ ]`` becomes ``[x]`` (a list item
  without a box gets ``[x]``), a table's Status cell says ``Done``, its box cell ``[x]``;
- **won't do**: the box becomes ``[-]`` (inserted when there is none), a Status cell says
  ``Won't do``.

The parser reads all of these back (``syncer.core.parse``), and the link it reads becomes the
item's identity: ``verify_rewrite`` parses the result and refuses a rewrite after which any
item's key, title or place changed, or an edited item does not read as intended.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from syncer.core.parse import parse_bytes
from syncer.core.parse.tables import classify_columns
from syncer.model import ItemEdit, ItemKey, TicketRef

_BOM = b"\xef\xbb\xbf"
_LIST = re.compile(
    r"^(?P<lead>[ \t]*(?:>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)"
    r"(?:(?P<box>\[(?P<mark>[ xX-]?)\])(?P<gap>[ \t]+|$))?"
)
_PLACEHOLDER = re.compile(
    r"[\(\[]\s*link\s+to\s+(?:the\s+)?(?:ticket|issue|jira|bug)\s*[\)\]]", re.IGNORECASE
)
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_BOX_CELL = re.compile(r"^(\s*)\[([ xX-]?)\](\s*)$")
_TITLE_BOX = re.compile(r"\s*\[([ xX-]?)\]\s")
_EMPTY_CELL = re.compile(r"^\s*(?:|-+|\u2013|\u2014|n/?a|tbd|none|\?+)\s*$", re.IGNORECASE)

STATUS_WORDS = {"done": "Done", "wont_do": "Won't do"}
BOX_MARKS = {"done": "x", "wont_do": "-"}


def link_text(ref: TicketRef) -> str:
    """How a ticket is written into a document: ``[OPS-123](url)``, ``[#42](url)``."""
    label = ref.key
    if ref.system == "github" and "#" in label:
        label = "#" + label.rsplit("#", 1)[1]
    return f"[{label}]({ref.url})" if ref.url else label


@dataclass
class Rewrite:
    """The new bytes, the items edited, and the edits that found no place to go (and why)."""

    data: bytes
    applied: list[ItemKey] = field(default_factory=list)
    skipped: list[tuple[ItemKey, str]] = field(default_factory=list)

    def changed(self, original: bytes) -> bool:
        return self.data != original


@dataclass
class _Line:
    body: str
    end: str  # "\n", "\r\n" or "" for a last line without one


def _split(text: str) -> list[_Line]:
    lines = []
    for raw in text.split("\n"):
        lines.append(_Line(raw, "\n"))
    last = lines.pop()
    if last.body:
        lines.append(_Line(last.body, ""))
    for line in lines:
        if line.end and line.body.endswith("\r"):
            line.body, line.end = line.body[:-1], "\r\n"
    return lines


def _join(lines: Sequence[_Line]) -> str:
    return "".join(line.body + line.end for line in lines)


def _pipes(body: str) -> list[int]:
    """Positions of the cell-separating pipes of a table row: not escaped, not in code."""
    found, code, i = [], False, 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            code = not code
        elif char == "|" and not code:
            found.append(i)
        i += 1
    return found


def _cells(body: str) -> list[tuple[int, int]]:
    """The (start, end) span of each cell of a table row, outer pipes optional."""
    pipes = _pipes(body)
    bounds = [-1, *pipes, len(body)]
    spans = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    if body.strip().startswith("|"):
        spans = spans[1:]
    if pipes and body.rstrip().endswith("|") and pipes[-1] == len(body.rstrip()) - 1:
        spans = spans[:-1]
    return spans


def _set_cell(body: str, span: tuple[int, int], text: str) -> str:
    """``body`` with one cell's content replaced, its padding kept where it fits."""
    start, end = span
    cell = body[start:end]
    content = cell.strip()
    if not content:
        pad = " " * max(len(cell) - len(text) - 1, 1)
        return body[:start] + " " + text + pad + body[end:]
    lead = cell[: len(cell) - len(cell.lstrip())] or " "
    trail_len = len(cell) - len(cell.rstrip())
    trail = " " * max(trail_len - max(len(text) - len(content), 0), 1)
    return body[:start] + lead + text + trail + body[end:]


@dataclass
class _Table:
    header: int  # index of the header line
    end: int  # index past the last row
    title: int
    ticket: int | None
    status: int | None


def _table_of(lines: Sequence[_Line], index: int) -> _Table | None:
    """The table whose row is line ``index``: found by its delimiter row above."""
    top = index
    while top > 0 and "|" in lines[top - 1].body and lines[top - 1].body.strip():
        top -= 1
        if _DELIMITER.match(lines[top].body) and top >= 1:
            header = top - 1
            end = index + 1
            while end < len(lines) and "|" in lines[end].body and lines[end].body.strip():
                end += 1
            head = lines[header].body
            columns = classify_columns([head[s:e].strip() for s, e in _cells(head)])
            if columns is None:
                return None
            return _Table(header, end, columns.title, columns.ticket, columns.status)
    return None


def _add_ticket_column(lines: list[_Line], table: _Table) -> _Table:
    for index in range(table.header, table.end):
        body = lines[index].body
        stripped = body.rstrip()
        closed = stripped.endswith("|") and not stripped.endswith("\\|")
        if index == table.header:
            cell = " Ticket "
        elif index == table.header + 1:
            cell = " --- " if " " in body else "---"
        else:
            cell = "  "
        tail = body[len(stripped) :]
        lines[index].body = (
            stripped + cell + "|" + tail if closed else stripped + " |" + cell.rstrip() + tail
        )
    head = lines[table.header].body
    table.ticket = len(_cells(head)) - 1
    return table


class _Editor:
    def __init__(self, lines: list[_Line], *, ticket_column: bool) -> None:
        self.lines = lines
        self.ticket_column = ticket_column
        self.tables: dict[int, _Table] = {}

    def table(self, index: int) -> _Table | None:
        if "|" not in self.lines[index].body:
            return None
        table = _table_of(self.lines, index)
        if table is None:
            return None
        return self.tables.setdefault(table.header, table)

    def link(self, edit: ItemEdit, ref: TicketRef) -> str | None:
        """Write the link; return why not when there is no place for it."""
        first = edit.line - 1
        text = link_text(ref)
        table = self.table(first)
        last = first if table else min(edit.end_line, len(self.lines)) - 1
        for index in range(first, last + 1):
            line = self.lines[index]
            if match := _PLACEHOLDER.search(line.body):
                line.body = line.body[: match.start()] + f"({text})" + line.body[match.end() :]
                return None
        if table is None:
            line = self.lines[first]
            content = line.body.rstrip()
            line.body = content + f" ({text})" + line.body[len(content) :]
            return None
        if table.ticket is None:
            if not self.ticket_column:
                return (
                    "its table has no Ticket column and no (Link to Ticket) placeholder "
                    "(sources.write_back_ticket_column adds one)"
                )
            table = _add_ticket_column(self.lines, table)
        row = self.lines[first]
        spans = _cells(row.body)
        assert table.ticket is not None
        if table.ticket >= len(spans):
            return "its row has fewer cells than the table's header"
        span = spans[table.ticket]
        current = row.body[span[0] : span[1]].strip()
        value = text if _EMPTY_CELL.match(current) else f"{current} {text}"
        row.body = _set_cell(row.body, span, value)
        return None

    def status(self, edit: ItemEdit, status: str) -> str | None:
        index = edit.line - 1
        line = self.lines[index]
        table = self.table(index)
        if table is not None:
            spans = _cells(line.body)
            if table.status is not None and table.status < len(spans):
                line.body = _set_cell(line.body, spans[table.status], STATUS_WORDS[status])
                return None
            for number, span in enumerate(spans):
                if number != table.title and _BOX_CELL.match(line.body[span[0] : span[1]]):
                    box = line.body.index("[", span[0])
                    close = line.body.index("]", box)
                    mark = BOX_MARKS[status]
                    line.body = line.body[: box + 1] + mark + line.body[close:]
                    return None
            if table.title < len(spans):
                start, end = spans[table.title]
                if found := _TITLE_BOX.match(line.body, start, end):
                    mark = BOX_MARKS[status]
                    line.body = line.body[: found.start(1)] + mark + line.body[found.end(1) :]
                    return None
            return "its table has no Status column and no box to tick"
        match = _LIST.match(line.body)
        if match is None:
            return "it is not a list item or a table row"
        mark = BOX_MARKS[status]
        if match["box"] is not None:
            start = match.start("box")
            line.body = line.body[:start] + f"[{mark}]" + line.body[match.end("box") :]
        else:
            end = match.end("lead")
            line.body = line.body[:end] + f"[{mark}] " + line.body[end:]
        return None


def rewrite_document(
    data: bytes, edits: Sequence[ItemEdit], *, ticket_column: bool = False
) -> Rewrite:
    """Apply ``edits`` (planned from these very bytes) to ``data``; bytes not edited stay."""
    bom = _BOM if data.startswith(_BOM) else b""
    try:
        text = data[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        return Rewrite(data, skipped=[(e.item_key, "the file is not UTF-8") for e in edits])
    lines = _split(text)
    editor = _Editor(lines, ticket_column=ticket_column)
    result = Rewrite(data)
    for edit in sorted(edits, key=lambda e: (e.line, e.item_key)):
        if not 1 <= edit.line <= len(lines):
            result.skipped.append((edit.item_key, f"line {edit.line} is past the end"))
            continue
        why = None
        if edit.status is not None:
            why = editor.status(edit, edit.status)
        if why is None and edit.link is not None:
            why = editor.link(edit, edit.link)
        if why is None:
            result.applied.append(edit.item_key)
        else:
            result.skipped.append((edit.item_key, why))
    result.data = bom + _join(lines).encode("utf-8")
    return result


def verify_rewrite(
    before: bytes, after: bytes, edits: Sequence[ItemEdit], *, source: str
) -> str | None:
    """Why the rewritten document does not read as intended, or None when it does.

    Every item keeps its key, title and first line; an edited item carries the ticket it was
    given and the status it was set to. Anything else means this writer and the parser
    disagree about the document: it is not written.
    """
    old = parse_bytes(before, source=source)
    new = parse_bytes(after, source=source)
    if [(i.key, i.title, i.line) for i in old.items] != [
        (i.key, i.title, i.line) for i in new.items
    ]:
        return "after the edit the document's items would read differently"
    wanted = {e.item_key: e for e in edits}
    for item in new.items:
        edit = wanted.get(item.key)
        if edit is None:
            continue
        if edit.link is not None and not any(
            r.key == edit.link.key or r.key.endswith("#" + edit.link.key.rsplit("#", 1)[-1])
            for r in item.tickets
        ):
            return f"{item.key}: the link to {edit.link.key} would not be read as its ticket"
        if edit.status == "done" and not item.done:
            return f"{item.key}: would not read as done"
        if edit.status == "wont_do" and not item.wont_do:
            return f"{item.key}: would not read as won't do"
    return None


def document_diff(before: bytes, after: bytes, *, source: str) -> str:
    """A unified diff of the edit, as ``git diff`` would show it (line endings made visible
    only by their absence: a CRLF file shows as its lines)."""
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{source}", tofile=f"b/{source}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
