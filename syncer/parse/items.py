"""Turning the blocks of an action section into items: lists, tables and bare lines.

- A list item is one item; its nested lists and extra paragraphs are its description (and
  their ticket links its tickets, their ``Owner:``/``Due:``/``Priority:``/``Status:`` lines
  its fields when it has none), never items of their own. When the item's first line is only
  a bold label (``1. **Migrate the table**`` followed by prose), the label is the title and
  the prose the description. A list item that is only a bold
  label (``- **Short-term**``) with a nested list is a group, and its nested items are items.
- A table row is one item (columns per ``tables``).
- In a group with no list or table, each line of a paragraph is one item, so that
  ``Add alerting\\nRotate keys`` under the heading gives two.
- A bullet list right after a numbered item that introduces it (a bold-only label, or text
  ending in ``:``) holds that item's details: some writers do not indent their sub-bullets.

Placeholders and instructions from templates ("[Action item]", "List action items here",
"e.g. ...", an all-italic paragraph, an empty row) are not items. Code blocks, block quotes
and HTML are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from syncer.model import Problem, TicketRef, normalise_title
from syncer.parse.fields import (
    Fields,
    clean_owner,
    dedupe_tickets,
    extract_fields,
    is_done_status,
    normalise_priority,
    parse_date,
)
from syncer.parse.markdown import InlineLine, Parsed, iter_blocks, join_lines, render_inline
from syncer.parse.sections import Group, Section, is_done_group
from syncer.parse.tables import Columns, classify_columns, count_cells, looks_like_table

MAX_ITEMS = 10_000

_PLACEHOLDER = re.compile(
    r"^(?:\[[^\]]*\]|\.{2,}|…|-+|\?+|x+|"
    r"(?:new |an? )?(?:action|action item|item|task|todo|to do|tbd|tbc|n/?a|none|description|"
    r"owner|follow[- ]?up|ticket|issue|link)s?|"
    r"(?:e\.?g|i\.?e|ex|example)\b.*|"
    r"(?:list|add|insert|enter|put|write)\b.{0,40}\b(?:here|below)\b.*|"
    r".*\bgoes here\b.*|.*\bto be (?:added|filled|determined)\b.*|placeholder.*|lorem ipsum.*"
    r")$",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"^(?:describe|include|enter|insert|fill in|list|note|summari[sz]e|explain|document|link to|"
    r"each action item|action items should|use this section|this section|delete this|"
    r"no (?:action items?|follow[- ]?ups?|actions?|further action)\b|none(?: yet| identified)?\b|"
    r"n/a\b|nothing\b|see (?:below|above)\b|tbd\b)",
    re.IGNORECASE,
)
_GROUP_WORDS = re.compile(
    r"^(?:completed?|done|finished|closed|open|in[ -]progress|planned|pending|todo|to do|"
    r"remaining|outstanding|short[ -]term|medium[ -]term|long[ -]term|immediate(?: actions?)?|"
    r"now|next|later|phase \d+)\b",
    re.IGNORECASE,
)


_FIELD_LINE = re.compile(
    r"^(owners?|assignee|assigned to|who|due(?: date)?|deadline|eta|target date|priority|prio|"
    r"status|state)\s*[:=]\s*(.+)$",
    re.IGNORECASE,
)


def is_placeholder(title: str) -> bool:
    """Template filler that is not an item: ``[Action item]``, ``e.g. ...``, ``TBD``."""
    value = title.strip(" .:")
    return not value or bool(_PLACEHOLDER.match(value))


TEMPLATE_EXAMPLES = frozenset({"fix the bug", "add monitoring", "update documentation"})
"""The action items the team's post-mortem template ships with (``incident-report.sh``)."""


def is_template_example(title: str, source_lines: list[str]) -> bool:
    """An example item of the team template left as written: its title and its
    ``(Link to Ticket)`` placeholder both untouched. A filled-in item changes one or the other."""
    return normalise_title(title) in TEMPLATE_EXAMPLES and any(
        "(link to ticket)" in line.casefold() for line in source_lines
    )


@dataclass
class Draft:
    """An item found in a document, before it gets its key."""

    fields: Fields
    group: str | None
    line: int
    end_line: int
    details: list[str] = field(default_factory=list)


@dataclass
class _Context:
    group: str | None
    done: bool
    tickets: list[TicketRef]


class ItemReader:
    """Reads the items of a document's action sections, collecting problems on the way."""

    def __init__(self, parsed: Parsed, lines: list[str], *, source: str) -> None:
        self.parsed = parsed
        self.lines = lines
        self.source = source
        self.drafts: list[Draft] = []
        self.warnings: list[Problem] = []
        self._capped = False

    def read_sections(self, sections: list[Section]) -> list[Draft]:
        """All items of ``sections``, in document order."""
        for section in sections:
            for group in section.groups:
                self._read_group(group)
        return self.drafts

    def _warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Problem(source=self.source, line=line, message=message))

    def _room(self) -> bool:
        if len(self.drafts) < MAX_ITEMS:
            return True
        if not self._capped:
            self._capped = True
            self._warn(None, f"more than {MAX_ITEMS} action items; the rest were not read")
        return False

    def _read_group(self, group: Group) -> None:
        tokens = self.parsed.tokens
        context = _Context(group=group.name, done=group.done, tickets=group.tickets)
        kinds = [tokens[start].type for start, _ in group.blocks]
        has_structure = any(
            kind in {"bullet_list_open", "ordered_list_open", "table_open"} for kind in kinds
        )
        detail_owner: Draft | None = None
        for position, (start, stop) in enumerate(group.blocks):
            kind = kinds[position]
            if kind in {"bullet_list_open", "ordered_list_open"}:
                if detail_owner is not None and kind == "bullet_list_open":
                    self._attach_list(detail_owner, start, stop)
                    continue
                before = len(self.drafts)
                self._read_list(start, stop, context)
                detail_owner = None
                if kind == "ordered_list_open" and len(self.drafts) > before:
                    last = self.drafts[-1]
                    if _introduces_details(last) or _numbering_continues(
                        tokens, group.blocks[position + 1 :]
                    ):
                        detail_owner = last
            elif kind == "table_open":
                detail_owner = None
                self._read_table(start, stop, context)
            elif kind == "paragraph_open":
                raw = self._raw(tokens[start])
                if looks_like_table(raw) is not None:
                    self._warn(
                        _first_line(tokens[start]),
                        "this looks like a table but is not one (do the header and the "
                        "delimiter row have the same number of cells?); its rows were not read",
                    )
                    continue
                if detail_owner is not None:
                    self._attach_paragraph(detail_owner, start)
                elif not has_structure:
                    self._read_lines(start, context)

    def _raw(self, token: Token) -> list[str]:
        if not token.map:
            return []
        return self.lines[token.map[0] : token.map[1]]

    def _span(self, token: Token) -> tuple[int, int]:
        """1-based first and last line of a block, trailing blank lines left out."""
        assert token.map is not None
        first, stop = token.map
        while stop - 1 > first and not self.lines[stop - 1].strip():
            stop -= 1
        return first + 1, max(first + 1, stop)

    def _read_list(self, start: int, stop: int, context: _Context) -> None:
        for item_start, item_stop in iter_blocks(self.parsed, start + 1, stop - 1):
            if not self._room():
                return
            self._read_list_item(item_start, item_stop, context)

    def _read_list_item(self, start: int, stop: int, context: _Context) -> None:
        tokens = self.parsed.tokens
        children = iter_blocks(self.parsed, start + 1, stop - 1)
        if not children or tokens[children[0][0]].type != "paragraph_open":
            return
        lines = render_inline(tokens[children[0][0] + 1].content, self.parsed.env)
        first = lines[0]
        nested = [
            child
            for child in children[1:]
            if tokens[child[0]].type in {"bullet_list_open", "ordered_list_open"}
        ]
        label = _label_only(first) if len(lines) == 1 else None
        if nested and label and (first.lead_strong or _GROUP_WORDS.match(label)):
            inner = _Context(
                group=label,
                done=context.done or is_done_group(label),
                tickets=context.tickets,
            )
            for child_start, child_stop in nested:
                self._read_list(child_start, child_stop, inner)
            return
        title_line, rest = _split_title(lines)
        fields = extract_fields(title_line)
        if is_placeholder(fields.title) or (first.italic and not fields.checkbox):
            return
        if title_line.struck and fields.title:
            fields.done = True
        line, end_line = self._span(tokens[start])
        draft = Draft(fields=fields, group=context.group, line=line, end_line=end_line)
        draft.details.extend(part.text.strip() for part in rest if part.text.strip())
        for child_start, child_stop in children[1:]:
            self._add_detail_block(draft, child_start, child_stop, depth=0)
        self._finish(draft, context)

    def _add_detail_block(self, draft: Draft, start: int, stop: int, *, depth: int) -> None:
        tokens = self.parsed.tokens
        kind = tokens[start].type
        if kind == "paragraph_open":
            line = join_lines(render_inline(tokens[start + 1].content, self.parsed.env))
            self._add_detail_line(draft, line, prefix="  " * depth)
        elif kind in {"bullet_list_open", "ordered_list_open"}:
            for item_start, item_stop in iter_blocks(self.parsed, start + 1, stop - 1):
                children = iter_blocks(self.parsed, item_start + 1, item_stop - 1)
                for number, (child_start, child_stop) in enumerate(children):
                    if number == 0 and tokens[child_start].type == "paragraph_open":
                        line = join_lines(
                            render_inline(tokens[child_start + 1].content, self.parsed.env)
                        )
                        self._add_detail_line(draft, line, prefix="  " * depth + "- ")
                    else:
                        self._add_detail_block(draft, child_start, child_stop, depth=depth + 1)

    def _add_detail_line(self, draft: Draft, line: InlineLine, *, prefix: str) -> None:
        text = " ".join(line.text.split())
        if not text:
            return
        draft.details.append(prefix + text)
        found = extract_fields(line)
        draft.fields.tickets.extend(found.tickets)
        # "- Owner: @bob" / "- Due: 2026-12-01" under an item are that item's fields.
        if (match := _FIELD_LINE.match(text)) is not None:
            fields = draft.fields
            label, value = match[1].lower(), match[2]
            if label in {"owner", "owners", "assignee", "assigned to", "who"}:
                fields.owner = fields.owner or clean_owner(value.split(",")[0])
            elif label in {"due", "due date", "deadline", "eta", "target date"}:
                fields.due = fields.due or parse_date(value) or found.due
            elif label in {"priority", "prio"}:
                fields.priority = fields.priority or normalise_priority(value)
            elif label in {"status", "state"} and fields.done is not True:
                said = is_done_status(value)
                fields.done = said if said is not None else fields.done

    def _attach_list(self, draft: Draft, start: int, stop: int) -> None:
        self._add_detail_block(draft, start, stop, depth=0)
        draft.end_line = max(draft.end_line, self._span(self.parsed.tokens[start])[1])
        draft.fields.tickets = dedupe_tickets(draft.fields.tickets)

    def _attach_paragraph(self, draft: Draft, start: int) -> None:
        self._add_detail_block(draft, start, start + 3, depth=0)
        draft.end_line = max(draft.end_line, self._span(self.parsed.tokens[start])[1])
        draft.fields.tickets = dedupe_tickets(draft.fields.tickets)

    def _read_lines(self, start: int, context: _Context) -> None:
        """Items written one per line with no list marker."""
        tokens = self.parsed.tokens
        # Each line is its own item, so each is rendered on its own: a long paragraph of
        # one-line items is not cut by the inline length cap.
        content = tokens[start + 1].content.strip()
        if _wholly_italic(content):
            return
        raw_lines = content.split("\n")
        first_line = _first_line(tokens[start]) or 1
        for offset, raw in enumerate(raw_lines):
            if not self._room():
                return
            line = join_lines(render_inline(raw, self.parsed.env))
            text = line.text.strip()
            if not text or text.endswith(":") or _INSTRUCTION.match(text) or line.italic:
                continue
            fields = extract_fields(line)
            if is_placeholder(fields.title):
                continue
            if line.struck:
                fields.done = True
            number = first_line + offset
            draft = Draft(fields=fields, group=context.group, line=number, end_line=number)
            self._finish(draft, context)

    def _read_table(self, start: int, stop: int, context: _Context) -> None:
        tokens = self.parsed.tokens
        headers: list[str] = []
        rows: list[tuple[Token, list[InlineLine]]] = []
        row_token: Token | None = None
        cells: list[InlineLine] = []
        for index in range(start, stop):
            token = tokens[index]
            if token.type == "tr_open":
                row_token, cells = token, []
            elif token.type == "inline":
                cells.append(join_lines(render_inline(token.content, self.parsed.env)))
            elif token.type == "tr_close" and row_token is not None:
                if not headers:
                    headers = [" ".join(cell.text.split()) for cell in cells]
                else:
                    rows.append((row_token, cells))
                row_token = None
        columns = classify_columns(headers)
        if columns is None:
            return
        for row, cells in rows:
            if not self._room():
                return
            number = _first_line(row) or 1
            raw = self.lines[number - 1] if number - 1 < len(self.lines) else ""
            if (found := count_cells(raw)) > len(headers):
                self._warn(
                    number,
                    f"table row has {found} cells but the header has "
                    f"{len(headers)}; the extra cells were ignored",
                )
            self._read_row(cells, columns, number, context)

    def _read_row(
        self, cells: list[InlineLine], columns: Columns, number: int, context: _Context
    ) -> None:
        def cell(index: int | None) -> InlineLine | None:
            if index is None or index >= len(cells):
                return None
            return cells[index]

        title_cell = cell(columns.title)
        if title_cell is None or not title_cell.text.strip():
            return
        fields = extract_fields(title_cell)
        if is_placeholder(fields.title) or title_cell.italic:
            return
        if title_cell.struck:
            fields.done = True
        if (owner := cell(columns.owner)) is not None and (name := clean_owner(owner.text)):
            fields.owner = name
        if (due := cell(columns.due)) is not None and due.text.strip():
            fields.due = parse_date(due.text) or extract_fields(due).due or fields.due
        if (priority := cell(columns.priority)) is not None and priority.text.strip():
            fields.priority = normalise_priority(priority.text) or fields.priority
        if (ticket := cell(columns.ticket)) is not None and ticket.text.strip():
            found = extract_fields(ticket)
            fields.tickets.extend(found.tickets)
            if found.done is not None:
                fields.done = found.done
        if (status := cell(columns.status)) is not None:
            said = is_done_status(status.text)
            if said is not None:
                fields.done = said
        if (ident := cell(columns.id)) is not None and ident.text.strip():
            fields.explicit_id = " ".join(ident.text.split())
        draft = Draft(fields=fields, group=context.group, line=number, end_line=number)
        self._finish(draft, context)

    def _finish(self, draft: Draft, context: _Context) -> None:
        if draft.fields.description:
            draft.details.insert(0, draft.fields.description)
        if context.tickets:
            # The group's tracking issue is not this item's ticket, but worth showing.
            keys = ", ".join(ref.key for ref in context.tickets)
            draft.details.append(f"Group tracking issue: {keys}")
        if context.done and draft.fields.done is None:
            draft.fields.done = True
        draft.fields.tickets = dedupe_tickets(draft.fields.tickets)
        self.drafts.append(draft)


def _wholly_italic(content: str) -> bool:
    """``_Each action item should ..._`` over several lines: a template's instructions."""
    for mark in ("_", "*"):
        if content.startswith(mark) and not content.startswith(mark * 2):
            return content.endswith(mark) and not content.endswith(mark * 2)
    return False


def _first_line(token: Token) -> int | None:
    return token.map[0] + 1 if token.map else None


def _label_only(line: InlineLine) -> str | None:
    """The label of a line that is nothing but a label: ``**Short-term**`` or ``Done:``."""
    text = " ".join(line.text.split())
    if line.lead_strong and text.strip(" :") == line.lead_strong.strip(" :"):
        return line.lead_strong.strip(" :")
    if text.endswith(":") and len(text.split()) <= 4:
        return text.rstrip(" :")
    return None


def _split_title(lines: list[InlineLine]) -> tuple[InlineLine, list[InlineLine]]:
    """A bold-only first line is the title and the rest its description; else all is title."""
    label = lines[0].lead_strong
    if len(lines) > 1 and label and lines[0].text.strip(" :") == label.strip(" :"):
        return lines[0], lines[1:]
    return join_lines(lines), []


def _introduces_details(draft: Draft) -> bool:
    last = draft.details[-1] if draft.details else draft.fields.title
    return last.rstrip().endswith(":") or bool(
        draft.details and not draft.details[-1].startswith("-")
    )


def _numbering_continues(tokens: list[Token], rest: list[tuple[int, int]]) -> bool:
    """Whether a later numbered list in the group carries on this one's numbering."""
    for start, _ in rest:
        token = tokens[start]
        if token.type == "heading_open":
            return False
        if token.type == "ordered_list_open":
            return int(str(token.attrs.get("start", 1))) > 1
    return False
