"""The one Markdown reader the parser uses, its safety caps, and inline rendering to plain text.

The block structure of a document comes from markdown-it-py (CommonMark plus GFM tables,
strikethrough and YAML front matter). Inline parsing is switched off for the document as a
whole and run on demand (``render_inline``) for the few inline runs that matter: headings,
metadata lines and the contents of action-item sections. That keeps a long appendix of chat
logs cheap and keeps pathological inline input away from the slow parts of markdown-it.

Caps, so that hostile input finishes in bounded time and memory:

- ``MAX_DOCUMENT_BYTES``: larger documents are not parsed at all (an error says so).
- ``MAX_LINES``: only the first 50,000 lines are read (a warning says so); markdown-it
  spends about 30 microseconds on each list item, so a megabyte of one-character items would
  otherwise take several seconds.
- ``MAX_NESTING``: markdown-it stops descending below this block depth; deeper content is
  dropped by markdown-it itself, which turns a 10,000-deep list into a 20-deep one.
- ``MAX_INLINE_CHARS``: an inline run longer than this is cut before inline parsing, because
  markdown-it's link and emphasis scanning is quadratic on some inputs (``"[" * 10**6``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from syncer.model import Problem

_CHECKBOX = re.compile(r"^\s*\[[ xX]?\]\s+")

# Characters that can start inline syntax in CommonMark (plus GFM strikethrough); text
# without them renders as itself.
_INLINE_SYNTAX = re.compile(r"[*_`!<>&\\~\n]|  $")

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_LINES = 50_000
MAX_NESTING = 20
MAX_INLINE_CHARS = 4000


def build_markdown(*, front_matter: bool = True) -> MarkdownIt:
    """The configured reader; build it once, it is reused for every document."""
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    if front_matter:
        md.use(front_matter_plugin)
    # Inline parsing runs on demand in render_inline: most of a post-mortem is prose that
    # no one asks about.
    md.disable("inline")
    return md


_MD = build_markdown()
# The front-matter rule is tried at every block of a document; most documents have none.
_MD_PLAIN = build_markdown(front_matter=False)


@dataclass(frozen=True)
class Parsed:
    """A document's block tokens, the index of each opening token's closing token, and env."""

    tokens: list[Token]
    closers: list[int]
    env: dict[str, Any]
    deepest: int = 0
    """The deepest block level of any token: at ``MAX_NESTING`` markdown-it stopped reading."""


def tokenize(text: str) -> Parsed:
    """Block-parse ``text``; ``closers[i]`` is the index just past the block opened at ``i``."""
    env: dict[str, Any] = {}
    reader = _MD if text.startswith("---") else _MD_PLAIN
    tokens = reader.parse(text, env)
    closers = list(range(1, len(tokens) + 1))
    stack: list[int] = []
    deepest = 0
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(index)
            deepest = max(deepest, len(stack))
        elif token.nesting == -1 and stack:
            closers[stack.pop()] = index + 1
    return Parsed(tokens=tokens, closers=closers, env=env, deepest=deepest)


def iter_blocks(parsed: Parsed, start: int, end: int) -> list[tuple[int, int]]:
    """The sibling blocks in ``tokens[start:end]`` as ``(open index, index past close)``."""
    blocks: list[tuple[int, int]] = []
    index = start
    while index < end:
        token = parsed.tokens[index]
        if token.nesting == -1:
            index += 1
            continue
        stop = parsed.closers[index] if token.nesting == 1 else index + 1
        blocks.append((index, stop))
        index = stop
    return blocks


@dataclass
class Link:
    """A link inside an inline run: its text, target, and where its text sits in the line."""

    text: str
    href: str
    start: int
    end: int


@dataclass
class InlineLine:
    """One source line of an inline run, as plain text.

    ``struck`` is true when every visible character is inside ``~~strikethrough~~``;
    ``italic`` when every visible character is emphasised with ``*`` or ``_`` (template
    instructions are written that way); ``lead_strong`` is the text of a ``**bold**`` span that
    opens the line, if any.
    """

    text: str = ""
    links: list[Link] = field(default_factory=list)
    struck: bool = False
    italic: bool = False
    lead_strong: str | None = None


@dataclass
class _LineState:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    links: list[Link] = field(default_factory=list)
    plain_visible: int = 0
    unstruck_visible: int = 0
    unitalic_visible: int = 0
    lead_strong: str | None = None
    lead_open: bool = False
    seen_text: bool = False

    def add(self, text: str, *, struck: bool, italic: bool) -> None:
        visible = len(text.strip())
        if not self.seen_text and (box := _CHECKBOX.match(text)):
            # A task-list box is markup, not text: "[ ] ~~Switch to Kafka~~" is all struck,
            # and "[ ] **Label**: ..." opens with a bold label.
            visible -= len(box[0].strip())
            self.parts.append(box[0])
            self.length += len(box[0])
            text = text[len(box[0]) :]
            if not text:
                return
        if not struck:
            self.unstruck_visible += visible
        if not italic:
            self.unitalic_visible += visible
        self.plain_visible += visible
        if self.lead_open and self.lead_strong is not None:
            self.lead_strong += text
        if visible:
            self.seen_text = True
        self.parts.append(text)
        self.length += len(text)

    def finish(self) -> InlineLine:
        visible = self.plain_visible > 0
        return InlineLine(
            text="".join(self.parts),
            links=self.links,
            struck=visible and self.unstruck_visible == 0,
            italic=visible and self.unitalic_visible == 0,
            lead_strong=(self.lead_strong or "").strip() or None,
        )


_FORMATTING_TAG = re.compile(
    r"</?(?:a|abbr|b|big|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike|"
    r"strong|sub|sup|time|tt|u|var|wbr|img|!--)\b",
    re.IGNORECASE,
)


def render_inline(content: str, env: dict[str, Any]) -> list[InlineLine]:
    """Inline-parse ``content`` and render it as plain text, one entry per source line.

    Emphasis and code markers are dropped, links become their text (their targets are kept
    in ``links``), images their alt text, raw HTML disappears except ``<br>``.
    """
    if len(content) > MAX_INLINE_CHARS:
        content = content[:MAX_INLINE_CHARS]
    box = _CHECKBOX.match(content)
    start = box.end() if box else 0
    if not _INLINE_SYNTAX.search(content, start) and (
        # Brackets only make a link with "](", "][" or a defined reference label.
        "[" not in content[start:]
        or ("](" not in content and "][" not in content and not env.get("references"))
    ):
        # Plain text (most table cells, many titles): nothing for the inline parser to do.
        return [InlineLine(text=content)]
    children: list[Token] = []
    _MD.inline.parse(content, _MD, env, children)
    lines: list[InlineLine] = []
    state = _LineState()
    struck_depth = 0
    italic_depth = 0
    link_stack: list[tuple[str, int]] = []
    for token in children:
        kind = token.type
        # "text_special" holds escapes (`\_`) and entities (`&amp;`), which core would merge.
        if kind in {"text", "code_inline", "text_special"}:
            state.add(token.content, struck=struck_depth > 0, italic=italic_depth > 0)
        elif kind in {"softbreak", "hardbreak"}:
            lines.append(state.finish())
            state = _LineState()
        elif kind == "strong_open":
            if not state.seen_text and state.lead_strong is None:
                state.lead_strong = ""
                state.lead_open = True
        elif kind == "strong_close":
            state.lead_open = False
        elif kind == "em_open":
            italic_depth += 1
        elif kind == "em_close":
            italic_depth = max(0, italic_depth - 1)
        elif kind == "s_open":
            struck_depth += 1
        elif kind == "s_close":
            struck_depth = max(0, struck_depth - 1)
        elif kind == "link_open":
            link_stack.append((str(token.attrs.get("href", "")), state.length))
        elif kind == "link_close" and link_stack:
            href, start = link_stack.pop()
            text = "".join(state.parts)[start:]
            state.links.append(Link(text=text, href=href, start=start, end=state.length))
        elif kind == "image":
            state.add(token.content, struck=struck_depth > 0, italic=italic_depth > 0)
        elif kind == "html_inline" and token.content.lower().startswith("<br"):
            state.add(" ", struck=struck_depth > 0, italic=italic_depth > 0)
        elif kind == "html_inline" and not _FORMATTING_TAG.match(token.content):
            # "Make the <h1> smaller", "Drop the <style> block": a tag named in the text is
            # part of it; only formatting tags (<b>, <span>, <a>) are markup to drop.
            state.add(token.content, struck=struck_depth > 0, italic=italic_depth > 0)
    lines.append(state.finish())
    return lines


def join_lines(lines: list[InlineLine]) -> InlineLine:
    """One line made of several, separated by spaces, with link positions shifted."""
    if len(lines) == 1:
        return lines[0]
    parts: list[str] = []
    links: list[Link] = []
    offset = 0
    for number, line in enumerate(lines):
        if number:
            parts.append(" ")
            offset += 1
        parts.append(line.text)
        links.extend(
            Link(text=link.text, href=link.href, start=link.start + offset, end=link.end + offset)
            for link in line.links
        )
        offset += len(line.text)
    visible = [line for line in lines if line.text.strip()]
    return InlineLine(
        text="".join(parts),
        links=links,
        struck=bool(visible) and all(line.struck for line in visible),
        italic=bool(visible) and all(line.italic for line in visible),
        lead_strong=lines[0].lead_strong,
    )


_LEAVES = frozenset(
    {"paragraph_open", "heading_open", "fence", "code_block", "html_block", "hr", "table_open",
     "front_matter"}
)  # fmt: skip
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:")


def nesting_warnings(parsed: Parsed, lines: list[str], *, source: str) -> list[Problem]:
    """A warning naming the first line that markdown-it left unread because it is nested
    deeper than ``MAX_NESTING`` blocks (lists in lists, quotes in quotes), so that such an
    item never vanishes without a word."""
    if parsed.deepest < MAX_NESTING - 1:
        return []
    covered = [False] * len(lines)
    for token in parsed.tokens:
        if token.type in _LEAVES and token.map:
            for number in range(token.map[0], min(token.map[1], len(lines))):
                covered[number] = True
    lost = [
        number
        for number, line in enumerate(lines)
        if not covered[number]
        and line.strip()
        and not _REFERENCE.match(line)
        and line.strip(" >-*+0123456789.)[]xX")
    ]
    if not lost:
        return []
    return [
        Problem(
            source=source,
            line=lost[0] + 1,
            message=f"{len(lost)} lines are nested deeper than {MAX_NESTING} levels and were "
            "not read (an action item there is lost: move it up)",
        )
    ]
