"""Turning the blocks of an action section into items: lists, tables and bare lines.

- A list item is one item; its nested lists and extra paragraphs are its description (and
  their ticket links its tickets, their ``Owner:``/``Due:``/``Priority:``/``Status:`` lines
  its fields when it has none), never items of their own. When the item's first line is only
  a bold label (``1. **Migrate the table**`` followed by prose), the label is the title and
  the prose the description. A list item that is only a bold
  label (``- **Short-term**``) with a nested list is a group, and its nested items are items.
- A table row is one item (columns per ``tables``); so is a row of a ``<table>`` written in
  HTML (Confluence and GitLab exports), with its links and ``<s>`` kept. A ``[x]``/``[ ]``
  cell in a table with no Status column is the row's done state.
- In a group with no list or table, each line of a paragraph is one item, so that
  ``Add alerting\\nRotate keys`` under the heading gives two; in a section that has lists or
  tables, paragraphs above its first sub-heading are prose ("We met on ... to agree on
  these:"). A one-line label (``**Short-term:**``, ``Completed:``) between lists names the
  group of the lists after it.
- A bullet list right after a numbered item that introduces it (a bold-only label, or text
  ending in ``:``), or indented like a sub-bullet (``10. Item`` then ``   - detail``, one space
  short), holds that item's details: some writers do not indent their sub-bullets enough.
- An item that is nothing but a ticket link is named by its ticket key.

Placeholders and instructions from templates ("[Action item]", "List action items here",
"e.g. ...", an all-italic paragraph, an empty row, the sentences and template syntax that
``wording`` recognises) are not items. Code blocks, block quotes and HTML other than tables are
skipped. An item with no done state of its own takes its group's, else its wording's (see
``wording``); one with no ticket takes its group's tracking issue. A ticket URL in any cell of
a row (a Status or Notes column too) is the row's ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from markdown_it.token import Token

from syncer.core.parse.fields import (
    Fields,
    clean_owner,
    dedupe_tickets,
    extract_fields,
    is_done_status,
    is_wont_do_status,
    normalise_priority,
    parse_date,
    parse_ticket_url,
    status_word,
)
from syncer.core.parse.markdown import InlineLine, Parsed, iter_blocks, join_lines, render_inline
from syncer.core.parse.sections import (
    Group,
    Section,
    first_sentence,
    group_state,
    inherit_state,
    labelled_item,
    split_group_label,
)
from syncer.core.parse.tables import Columns, classify_columns, count_cells, looks_like_table
from syncer.core.parse.wording import has_template_syntax, is_instruction, is_written_done
from syncer.model import Problem, TicketRef, normalise_title

MAX_ITEMS = 10_000

MAX_HTML_TABLE_CHARS = 100_000
# Rows and cells are found by splitting at their opening tags, not by one lazy pattern, so
# that a table of unclosed tags stays linear.
_HTML_ROW_OPEN = re.compile(r"<tr\b[^>]*>", re.IGNORECASE)
_HTML_ROW_CLOSE = re.compile(r"</tr\s*>|</table\s*>", re.IGNORECASE)
_HTML_CELL_OPEN = re.compile(r"<t[hd]\b[^>]*>", re.IGNORECASE)
_HTML_CELL_CLOSE = re.compile(r"</t[hd]\s*>", re.IGNORECASE)
# Link text is bounded so that a cell of unclosed <a> tags stays linear.
_HTML_LINK = re.compile(
    r"<a\s[^<>]*?\bhref\s*=\s*[\"']([^\"'<>]*)[\"'][^<>]*>((?:[^<]|<(?!/?a\b)){0,500}?)</a\s*>",
    re.IGNORECASE,
)
_HTML_STRIKE = re.compile(r"</?(?:s|del|strike)\s*>", re.IGNORECASE)
# Every tag but <br>, which render_inline reads as a space.
_HTML_TAG = re.compile(r"<(?!br\b)/?[a-zA-Z][^>]*>")
_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?]")
_LISTS_OPEN = frozenset({"bullet_list_open", "ordered_list_open"})
_SAID_DONE = re.compile(
    r"^(?:this|it|that)\s+(?:has\s+been|was|is\s+now|is)\s+(?:done|completed|implemented|fixed)\b",
    re.IGNORECASE,
)
_SAMPLE_HREFS = frozenset({"", ".", "./", "#", "url", "link", "todo", "tbd"})
_BOX_CELL = re.compile(r"^\s*\[([ xX-]?)\]\s*$")
_STRUCTURE = frozenset({"bullet_list_open", "ordered_list_open", "table_open", "list_item_open"})

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
    group_tracked: bool = False
    # Where it was found, for ``confidence``: the section, its strength, the list, table or
    # paragraph it shares with its siblings, how it is written, and the paragraph above it.
    section: str | None = None
    section_line: int = 0
    strength: int = 2
    unit: int = 0
    form: str = "list"
    intro: str = ""
    columns: bool = False


@dataclass
class _Context:
    group: str | None
    done: bool | None
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
        self._section: Section | None = None
        self._unit = 0
        self._form = "list"
        self._intro = ""
        self._columns = False
        # Entries of action sections that were not read, and why: reported per section.
        self._refused: list[tuple[int, str]] = []

    def read_sections(self, sections: list[Section]) -> list[Draft]:
        """All items of ``sections``, in document order."""
        for section in sections:
            # A writer who lists items in lists or tables under the section's sub-headings
            # writes prose, not items, above them ("We met on ... to agree on these:").
            structured = any(
                _is_structure(self.parsed.tokens[start])
                for group in section.groups
                for start, _ in group.blocks
            )
            self._section = section
            self._refused = []
            if section.form == "headings":
                self._read_headed_items(section)
            elif section.form in {"prose", "label"}:
                for group in section.groups:
                    for start, stop in group.blocks:
                        if self.parsed.tokens[start].type in _LISTS_OPEN and self.drafts:
                            self._attach_list(self.drafts[-1], start, stop)
                        else:
                            self._read_paragraph_item(start, group)
            else:
                for group in section.groups:
                    self._intro = ""
                    self._read_group(group, structured=structured and group.name is None)
            self._report_refused(section)
        return self.drafts

    def _report_refused(self, section: Section) -> None:
        if not self._refused:
            return
        lines = ", ".join(str(line) for line, _ in self._refused[:5])
        more = "" if len(self._refused) <= 5 else f" and {len(self._refused) - 5} more"
        reasons = sorted({reason for _, reason in self._refused})
        self._warn(
            self._refused[0][0],
            f"{len(self._refused)} {'entry' if len(self._refused) == 1 else 'entries'} under "
            f"{section.title!r} {'was' if len(self._refused) == 1 else 'were'} not read as action "
            f"items (lines {lines}{more}): {'; '.join(reasons)}",
        )

    def _refuse(self, line: int, reason: str) -> None:
        self._refused.append((line, reason))

    def _read_headed_items(self, section: Section) -> None:
        """``## Validate the fork parameters`` with a paragraph under it: the heading is the
        item, its paragraphs the description."""
        for group in section.groups:
            if group.name is None or not group.blocks:
                continue
            start = group.blocks[0][0]
            line = self._heading_line_before(start) or section.line
            fields = extract_fields(InlineLine(text=group.name))
            if is_placeholder(fields.title):
                continue
            self._unit = section.line
            self._form = "heading"
            draft = self._draft(fields, group.name, line, line)
            for block_start, block_stop in group.blocks:
                if self.parsed.tokens[block_start].type == "paragraph_open":
                    self._add_detail_block(draft, block_start, block_stop, depth=0)
                    span = self._span(self.parsed.tokens[block_start])
                    draft.end_line = max(draft.end_line, span[1])
            draft.fields.tickets = dedupe_tickets(draft.fields.tickets)
            # A heading names a task ("User-specified checkpoint sync"); its words say nothing
            # of whether it is done.
            if draft.fields.done is None:
                draft.fields.done = bool(group.done)
            self._finish(draft, _Context(group=None, done=group.done, tickets=group.tickets))

    def _heading_line_before(self, start: int) -> int | None:
        """The line of the heading right above the block at ``start``."""
        for index in range(start - 1, -1, -1):
            token = self.parsed.tokens[index]
            if token.type == "heading_open":
                return _first_line(token)
        return None

    def _read_paragraph_item(self, start: int, group: Group) -> None:
        """A paragraph that is one item: ``Action point: ...`` or a paragraph of prose under a
        follow-up heading, titled by its first sentence."""
        tokens = self.parsed.tokens
        if tokens[start].type != "paragraph_open" or not self._room():
            return
        content = tokens[start + 1].content
        if _wholly_italic(content.strip()):
            return
        label = labelled_item(content)
        lines = render_inline(content[label:], self.parsed.env)
        whole = join_lines(lines)
        text = " ".join(whole.text.split())
        title = first_sentence(text) if not label else text
        if not title or title.endswith(":"):
            return  # "We agreed on these:" introduces what follows
        fields = extract_fields(InlineLine(text=title, links=whole.links))
        if is_placeholder(fields.title) or is_instruction(fields.title):
            return
        if not label:
            # Running text names people as it goes ("owned by two teams"): no owner field.
            fields.owner = None
            if fields.title not in title:
                fields.title = title
        line, end_line = self._span(tokens[start])
        # Each paragraph stands alone: paragraphs do not share a form as a list's items do.
        self._unit = start
        self._form = "label" if label else "prose"
        draft = self._draft(fields, group.name, line, end_line)
        rest = text[len(title) :].strip()
        if rest:
            draft.details.append(rest)
        self._finish(draft, _Context(group=group.name, done=group.done, tickets=group.tickets))

    def _draft(self, fields: Fields, group: str | None, line: int, end_line: int) -> Draft:
        section = self._section
        return Draft(
            fields=fields,
            group=group,
            line=line,
            end_line=end_line,
            section=section.title if section else None,
            section_line=section.line if section else 0,
            strength=section.strength if section else 2,
            unit=self._unit,
            form=self._form,
            intro=self._intro,
            columns=self._columns,
        )

    def _warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Problem(source=self.source, line=line, message=message))

    def _room(self) -> bool:
        if len(self.drafts) < MAX_ITEMS:
            return True
        if not self._capped:
            self._capped = True
            self._warn(None, f"more than {MAX_ITEMS} action items; the rest were not read")
        return False

    def _read_group(self, group: Group, *, structured: bool) -> None:
        tokens = self.parsed.tokens
        context = _Context(group=group.name, done=group.done, tickets=group.tickets)
        kinds = [tokens[start].type for start, _ in group.blocks]
        has_structure = structured or any(_is_structure(tokens[start]) for start, _ in group.blocks)
        detail_owner: Draft | None = None
        previous: Draft | None = None
        for position, (start, stop) in enumerate(group.blocks):
            kind = kinds[position]
            self._unit, self._columns = start, False
            self._form = {"table_open": "table", "html_block": "table"}.get(kind, "list")
            # The last item of a numbered list that ends right before this block.
            numbered, previous = previous, None
            if kind in {"bullet_list_open", "ordered_list_open"}:
                # "10. Item" then "   - detail": indented like a sub-bullet, one space short
                # of the item's content, so markdown-it ended the numbered list there.
                if (
                    kind == "bullet_list_open"
                    and detail_owner is None
                    and numbered is not None
                    and self._indented(tokens[start])
                ):
                    self._attach_indented(numbered, start, stop, context)
                    continue
                if detail_owner is not None and kind == "bullet_list_open":
                    self._attach_list(detail_owner, start, stop)
                    continue
                before = len(self.drafts)
                self._read_list(start, stop, context)
                detail_owner = None
                if kind == "ordered_list_open" and len(self.drafts) > before:
                    last = previous = self.drafts[-1]
                    if _introduces_details(last) or _numbering_continues(
                        tokens, group.blocks[position + 1 :]
                    ):
                        detail_owner = last
            elif kind == "list_item_open":
                # An item of a list that a bold label inside the same list opened.
                detail_owner = None
                if self._room():
                    self._read_list_item(start, stop, context)
            elif kind == "table_open":
                detail_owner = None
                self._read_table(start, stop, context)
            elif kind == "html_block" and _is_html_table(tokens[start]):
                detail_owner = None
                self._read_html_table(tokens[start], context)
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
                    self._form = "line"
                    self._read_lines(start, context)
                    self._intro = self.parsed.tokens[start + 1].content
                elif (found := self._group_label(start)) is None:
                    # Prose above a list: "Operators should now:" says whom the list is for.
                    self._intro = self.parsed.tokens[start + 1].content
                else:
                    # "**Short-term:**" or "Completed:" on its own line above a list.
                    label, refs = found
                    context = _Context(
                        group=label,
                        done=inherit_state(group_state(label), group.done),
                        tickets=refs or group.tickets,
                    )

    def _group_label(self, start: int) -> tuple[str, list[TicketRef]] | None:
        """The label of a one-line paragraph that names a group (bold, or a group word), and
        the tracking issue it links to."""
        content = self.parsed.tokens[start + 1].content
        if "\n" in content or len(content) > 200:
            return None
        return _group_of(render_inline(content, self.parsed.env)[0])

    def _indented(self, token: Token) -> bool:
        """Whether a block's first line starts with two or more spaces."""
        if not token.map or token.map[0] >= len(self.lines):
            return False
        return self.lines[token.map[0]].startswith(("  ", "\t"))

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
        group = _group_of(first) if nested and len(lines) == 1 else None
        if group is not None:
            label, refs = group
            inner = _Context(
                group=label,
                done=inherit_state(group_state(label), context.done),
                tickets=refs or context.tickets,
            )
            for child_start, child_stop in nested:
                self._read_list(child_start, child_stop, inner)
            return
        title_line, rest = _split_title(lines)
        fields = extract_fields(title_line)
        _title_from_tickets(fields)
        raw = tokens[children[0][0] + 1].content
        line_number = _first_line(tokens[start]) or 1
        fields.link_only = _link_only(title_line)
        if is_placeholder(fields.title) or (first.italic and not fields.checkbox):
            return
        # A task-list box is the author's word that this is a task: "- [ ] Why? Fix the retry
        # storm" and "- [ ] Fix the {{ .Values.replicas }} default" are read, unless the
        # template syntax is all there is.
        if has_template_syntax(raw) and not (fields.checkbox and _words_besides_syntax(raw)):
            self._refuse(line_number, "template placeholders ({{ ... }}, <...>) not filled in")
            return
        if is_instruction(fields.title) and not fields.checkbox:
            self._refuse(line_number, "instructions to the post-mortem's author")
            return
        if (title_line.struck or _mostly_struck(raw)) and fields.title:
            fields.done = True
        line, end_line = self._span(tokens[start])
        draft = self._draft(fields, context.group, line, end_line)
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
                self._add_detail_item(draft, item_start, item_stop, depth=depth)

    def _add_detail_item(self, draft: Draft, start: int, stop: int, *, depth: int) -> None:
        tokens = self.parsed.tokens
        children = iter_blocks(self.parsed, start + 1, stop - 1)
        for number, (child_start, child_stop) in enumerate(children):
            if number == 0 and tokens[child_start].type == "paragraph_open":
                line = join_lines(render_inline(tokens[child_start + 1].content, self.parsed.env))
                self._add_detail_line(draft, line, prefix="  " * depth + "- ")
            else:
                self._add_detail_block(draft, child_start, child_stop, depth=depth + 1)

    def _add_detail_line(self, draft: Draft, line: InlineLine, *, prefix: str) -> None:
        text = " ".join(line.text.split())
        if not text:
            return
        draft.details.append(prefix + text)
        if _SAID_DONE.match(text):
            draft.fields.done = True  # "- This has been done." under the item
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
                if fields.due is None and value.strip():
                    fields.unread_due = value.strip()
            elif label in {"priority", "prio"}:
                fields.priority = fields.priority or normalise_priority(value)
            elif label in {"status", "state"} and fields.done is not True:
                said = is_done_status(value)
                fields.done = said if said is not None else fields.done

    def _attach_list(self, draft: Draft, start: int, stop: int) -> None:
        self._add_detail_block(draft, start, stop, depth=0)
        draft.end_line = max(draft.end_line, self._span(self.parsed.tokens[start])[1])
        draft.fields.tickets = dedupe_tickets(draft.fields.tickets)

    def _attach_indented(self, draft: Draft, start: int, stop: int, context: _Context) -> None:
        """The indented items of a bullet list are ``draft``'s details; any items after them,
        back at the margin, are items of their own."""
        items = iter_blocks(self.parsed, start + 1, stop - 1)
        for position, (item_start, item_stop) in enumerate(items):
            token = self.parsed.tokens[item_start]
            if not self._indented(token):
                for rest_start, rest_stop in items[position:]:
                    if not self._room():
                        return
                    self._read_list_item(rest_start, rest_stop, context)
                return
            self._add_detail_item(draft, item_start, item_stop, depth=0)
            draft.end_line = max(draft.end_line, self._span(token)[1])
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
            if (
                not text
                or text.endswith(":")
                or _INSTRUCTION.match(text)
                or line.italic
                or is_instruction(text)
                or has_template_syntax(raw)
            ):
                continue
            fields = extract_fields(line)
            _title_from_tickets(fields)
            if is_placeholder(fields.title):
                continue
            if line.struck:
                fields.done = True
            number = first_line + offset
            draft = self._draft(fields, context.group, number, number)
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
        self._columns = _has_task_columns(columns)
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

    def _read_html_table(self, token: Token, context: _Context) -> None:
        """A ``<table>`` written in HTML (exports from Confluence or GitLab): rows as items."""
        content = token.content
        if len(content) > MAX_HTML_TABLE_CHARS:
            self._warn(_first_line(token), "HTML table too large; its rows were not read")
            return
        # The line of the row being read, counted on from the table's first line.
        first = _first_line(token) or 1
        headers: list[str] = []
        columns: Columns | None = None
        counted = 0
        for offset, stop, row in _html_parts(content, _HTML_ROW_OPEN, _HTML_ROW_CLOSE):
            first += content.count("\n", counted, offset)
            counted = offset
            cells = [
                join_lines(render_inline(_html_cell_markdown(cell), self.parsed.env))
                for _, _, cell in _html_parts(row, _HTML_CELL_OPEN, _HTML_CELL_CLOSE)
            ]
            if not headers:
                headers = [" ".join(cell.text.split()) for cell in cells]
                columns = classify_columns(headers)
                if columns is None:
                    return
                self._columns = _has_task_columns(columns)
                continue
            if not self._room():
                return
            assert columns is not None
            last = first + content.count("\n", offset, stop)
            self._read_row(cells, columns, first, context, end_line=last)

    def _read_row(
        self,
        cells: list[InlineLine],
        columns: Columns,
        number: int,
        context: _Context,
        *,
        end_line: int | None = None,
    ) -> None:
        def cell(index: int | None) -> InlineLine | None:
            if index is None or index >= len(cells):
                return None
            return cells[index]

        title_cell = cell(columns.title)
        if title_cell is None or not title_cell.text.strip():
            return
        fields = extract_fields(title_cell)
        if is_placeholder(fields.title) or title_cell.italic or is_instruction(fields.title):
            return
        if any(link.href.strip() in _SAMPLE_HREFS for other in cells for link in other.links):
            # "[Github Issue #3](./)": a template's sample row, its link never filled in.
            self._refuse(number, "sample rows of a template (links to nowhere)")
            return
        if title_cell.struck:
            fields.done = True
        if (owner := cell(columns.owner)) is not None and (name := clean_owner(owner.text)):
            fields.owner = name
        if (due := cell(columns.due)) is not None and due.text.strip():
            fields.due = parse_date(due.text) or extract_fields(due).due or fields.due
            if fields.due is None and not is_placeholder(due.text.strip()):
                fields.unread_due = " ".join(due.text.split())
        if (priority := cell(columns.priority)) is not None and priority.text.strip():
            fields.priority = normalise_priority(priority.text) or fields.priority
        if (ticket := cell(columns.ticket)) is not None and ticket.text.strip():
            found = extract_fields(ticket)
            fields.tickets.extend(found.tickets)
            # "Bug #123 FIXED", "n/a IN PROGRESS": the SRE book's Bug column carries a status.
            said = found.done if found.done is not None else status_word(found.title)
            if said is not None:
                fields.done = said
        if (status := cell(columns.status)) is not None:
            fields.wont_do = fields.wont_do or is_wont_do_status(status.text)
            said = is_done_status(status.text)
            if said is not None:
                fields.done = said
        # A ticket link in any other cell (Status, Notes, ...) is the row's ticket too.
        roles = {columns.title, columns.owner, columns.due, columns.priority, columns.ticket}
        for index, other in enumerate(cells):
            if index not in roles and ("://" in other.text or other.links):
                fields.tickets.extend(_url_tickets(other))
        if (ident := cell(columns.id)) is not None and ident.text.strip():
            fields.explicit_id = " ".join(ident.text.split())
        if columns.status is None:
            # "| [x] | Renew the certificate |": a task-list box in a column of its own.
            for index, other in enumerate(cells):
                if index != columns.title and (box := _BOX_CELL.match(other.text)):
                    fields.done = box[1].lower() == "x"
                    fields.wont_do = fields.wont_do or box[1] == "-"
                    break
        draft = self._draft(fields, context.group, number, end_line or number)
        self._finish(draft, context)

    def _finish(self, draft: Draft, context: _Context) -> None:
        if draft.fields.description:
            draft.details.insert(0, draft.fields.description)
        if context.tickets and not draft.fields.tickets:
            # The group's items are tracked in the issue its heading links to.
            draft.fields.tickets = list(context.tickets)
            draft.group_tracked = True
        elif context.tickets:
            keys = ", ".join(ref.key for ref in context.tickets)
            draft.details.append(f"Group tracking issue: {keys}")
        if draft.fields.done is None:
            # A group heading's word ("Completed", "Planned") outranks the item's wording.
            if context.done is not None:
                draft.fields.done = context.done
            else:
                draft.fields.done = is_written_done(draft.fields.title)
        draft.fields.tickets = dedupe_tickets(draft.fields.tickets)
        self.drafts.append(draft)


def _is_structure(token: Token) -> bool:
    return token.type in _STRUCTURE or (token.type == "html_block" and _is_html_table(token))


def _is_html_table(token: Token) -> bool:
    return token.content.lstrip()[:6].lower() == "<table"


def _html_parts(
    html: str, opening: re.Pattern[str], closing: re.Pattern[str]
) -> list[tuple[int, int, str]]:
    """Each element opened by ``opening``: where it starts and ends, and its contents. An
    element ends at its closing tag, else at the next opening one."""
    starts = list(opening.finditer(html))
    parts: list[tuple[int, int, str]] = []
    for number, tag in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(html)
        body = html[tag.end() : end]
        if (close := closing.search(body)) is not None:
            body = body[: close.start()]
            end = tag.end() + close.end()
        parts.append((tag.start(), end, body))
    return parts


def _html_cell_markdown(html: str) -> str:
    """An HTML cell's content as Markdown inline text: links kept, other tags dropped."""
    text = _HTML_LINK.sub(lambda link: f"[{link[2]}]({link[1]})", html)
    # Struck-out text means done in HTML as in Markdown.
    text = _HTML_STRIKE.sub("~~", text)
    text = _HTML_TAG.sub(" ", text)
    return " ".join(unescape(text).split())


def _url_tickets(line: InlineLine) -> list[TicketRef]:
    """The tickets a line links to, or names by URL (``<https://...>``); not bare keys, which in
    a Notes cell are as often prose as tickets."""
    refs = [ref for link in line.links if (ref := parse_ticket_url(link.href)) is not None]
    refs += [ref for url in _URL.findall(line.text) if (ref := parse_ticket_url(url)) is not None]
    return refs


def _title_from_tickets(fields: Fields) -> None:
    """An item that is nothing but a ticket link ("- https://.../issues/5") is named by it."""
    if not fields.title and fields.tickets:
        fields.title = ", ".join(ref.key for ref in fields.tickets)


_STRUCK_LEAD = re.compile(r"^\s*(?:\[[ xX]?\]\s*)?~~([^~\n]+)~~")


def _mostly_struck(raw: str) -> bool:
    """``~~Move the job~~ (superseded by OPS-2)``: the item is struck out, its note is not."""
    match = _STRUCK_LEAD.match(raw) if raw.lstrip().startswith(("~~", "[")) else None
    return match is not None and len(match[1]) >= 0.5 * len(raw.split("\n", 1)[0].strip())


def _wholly_italic(content: str) -> bool:
    """``_Each action item should ..._`` over several lines: a template's instructions."""
    for mark in ("_", "*"):
        if content.startswith(mark) and not content.startswith(mark * 2):
            return content.endswith(mark) and not content.endswith(mark * 2)
    return False


def _first_line(token: Token) -> int | None:
    return token.map[0] + 1 if token.map else None


def _group_of(line: InlineLine) -> tuple[str, list[TicketRef]] | None:
    """The group a one-line label names (``**Short-term**``, ``Done:``, ``**Later** ([tracking
    issue](...))``) and the tracking issues it links to; None for a line that is no label."""
    name, refs = split_group_label(line)
    if refs:
        # "**Migrate the table** (OPS-5)" over its details is an item naming its ticket; a
        # group's link says what it is for, or the label is a group word.
        low = line.text.lower()
        if not (_GROUP_WORDS.match(name) or "track" in low or "follow" in low):
            return None
        line = InlineLine(text=name, lead_strong=line.lead_strong)
    label = _label_only(line)
    if label and (line.lead_strong or _GROUP_WORDS.match(label)):
        return label, refs
    return None


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


_SYNTAX = re.compile(r"\{\{.*?\}\}|\$\{[^}]*\}|<[^<>]*>")


def _words_besides_syntax(raw: str) -> bool:
    """Whether an item says something besides its template syntax: two words or more."""
    return len(re.findall(r"[A-Za-z]{2,}", _SYNTAX.sub(" ", raw))) >= 2


def _has_task_columns(columns: Columns) -> bool:
    """Whether a table has a column only a list of tasks has: owner, due date, ticket, status."""
    return any(
        index is not None for index in (columns.owner, columns.due, columns.ticket, columns.status)
    )


def _link_only(line: InlineLine) -> bool:
    """Whether a line is a link and little else: ``[Block explorer](https://...)``."""
    text = line.text.strip(" -:.")
    linked = sum(len(link.text) for link in line.links)
    return bool(line.links) and linked >= 0.7 * max(1, len(text))
