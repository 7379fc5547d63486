"""Markdown -> Jira wiki markup: the one translation of ticket bodies the Jira adapter needs.

Pure text in, text out; no request, no clock. Covers what action-item descriptions use:
headings, bullet and numbered lists (nested by indentation), block quotes, fenced code, tables,
horizontal rules, and inline links, bold, italics, strike-through and code spans.

Everything else a document holds is text, and Jira must show it as typed: a post-mortem is
written by many people and pasted from anywhere, and wiki markup would otherwise turn
``!http://host/x.png!`` into an embedded external image, ``{jira:OPS-1}`` into another ticket,
``[~name]`` into a mention and a leading ``h1.`` into a heading. So every character Jira would
interpret is escaped where it could take effect: ``{ [ |`` always, ``!`` before a non-space,
``* _ - + ^ ~`` where they could open or close a text effect (not inside words, so
``2026-10-02`` and ``snake_case`` stay readable), ``??``, ``&`` before an entity name, list,
heading and quote starts at a line start, and a bare non-web scheme (``file://``). A backslash
is written as the entity ``&#92;``: in wiki markup ``\\\\`` is a line break and there is no other
literal backslash. Links are kept only to http(s) and mailto targets; any other target stays
as escaped text. Fenced code whose text contains ``{code`` goes in a ``{noformat}`` block, and
in escaped lines when it also contains ``{noformat``, so no block can be closed from inside.

Line structure is kept and trailing whitespace is dropped; the output depends on the input
alone, which is what lets the planner compare rendered fields with tickets read back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["markdown_to_wiki", "normalise_text"]

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+.#-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^( *)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^( *)\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_BORDER = re.compile(r"(?<!\\)\|")

# Inline constructs cut out before emphasis and escaping, leftmost first: a backslash escape,
# a code span, a link or image, an autolink.
_INLINE = re.compile(
    r"\\(?P<escaped>[!-/:-@\[-`{-~])"
    r"|(?P<ticks>`+)(?P<code>.+?)(?P=ticks)"
    r"|!?\[(?P<text>[^\]\n]+)\]\(\s*<?(?P<url>[^)\s>]+)>?\s*\)"
    r"|<(?P<auto>(?:https?://|mailto:)[^>\s]+)>"
)
_WEB_URL = re.compile(r"(?i)(?:https?://|mailto:)\S")
# Characters a URL may hold that would end or split a wiki link, or start markup inside it.
_URL_UNSAFE = re.compile(r"[\[\]|{}!\\^`'\"<>]")

_BOLD_STAR = re.compile(r"(?<![*\\])\*\*(?=\S)(.+?)(?<=\S)\*\*(?!\*)")
_BOLD_UNDERSCORE = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![_\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![_\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")

# Unicode noncharacters, never part of real text (and removed from the input): placeholders
# for cut-out pieces and for the emphasis marks this module writes itself.
_OPEN, _CLOSE, _STRONG, _EMPHASIS, _DELETED = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3", "\ufdd4"
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_MAY_HOLD_PIECES = re.compile(r"[\\`\[<]")
_MAY_HOLD_EMPHASIS = re.compile(r"[*_]|~~")

# Characters that may need a backslash; whether one does depends on its neighbours (decided
# in ``_escape_one``: one character-class scan is much faster than lookarounds at every place).
_CANDIDATE = re.compile(r"[\\{\[|!?&*_\-+^~]")
_ENTITY_NAME = re.compile(r"#?\w+;")
# Schemes Jira would turn into a link in plain text ("ftp://", "file://"...), but http(s).
_SCHEME = re.compile(r"(?i:(?<![a-z0-9])(?!https?:)[a-z][\w+.-]*:(?=//))")
_MARK_START = re.compile(r"^(\s*)([*#\-])")
_BLOCK_START = re.compile(r"^(\s*(?i:h[1-6]|bq))\.")
_ENTITIES = {"\\": "&#92;", "&": "&amp;"}
# An escaped colon stands alone as a piece: written as an entity so it cannot end a scheme.
_LITERALS = {**_ENTITIES, ":": "&#58;"}
_MARKUP_CHARS = frozenset("*_-+^~?!{}[]|#")


def normalise_text(text: str) -> str:
    """Line endings as ``\\n``, no trailing whitespace on any line or at the end.

    Both adapters apply this to bodies they write and bodies they read back, so whitespace a
    tracker adds or drops never counts as a change.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def markdown_to_wiki(markdown: str) -> str:
    """The Jira wiki markup that shows ``markdown`` the way a Markdown viewer would."""
    out: list[str] = []
    text = _NONCHARACTERS.sub("\ufffd", normalise_text(markdown))
    lines = text.expandtabs(4).split("\n")
    nesting: list[tuple[int, str]] = []  # (indent, "*" or "#") of the open list levels
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            nesting.clear()
            i = _convert_fence(lines, i, fence.group(1), fence.group(2), out)
            continue
        if _TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[i + 1]):
            nesting.clear()
            i = _convert_table(lines, i, out)
            continue
        item = None if _RULE.match(line) else _BULLET.match(line) or _NUMBERED.match(line)
        if item:
            marker = "*" if item.re is _BULLET else "#"
            out.append(
                _list_prefix(nesting, len(item.group(1)), marker)
                + " "
                + _convert_inline(item.group(2))
            )
        else:
            if line.strip():
                nesting.clear()
            out.append(_convert_line(line))
        i += 1
    return normalise_text("\n".join(out))


def _list_prefix(nesting: list[tuple[int, str]], indent: int, marker: str) -> str:
    """Jira writes a list item's depth and kinds as its prefix: ``*``, ``**``, ``#*``..."""
    while nesting and nesting[-1][0] > indent:
        nesting.pop()
    if nesting and nesting[-1][0] == indent:
        nesting[-1] = (indent, marker)
    else:
        nesting.append((indent, marker))
    return "".join(kind for _, kind in nesting)


def _convert_fence(lines: list[str], start: int, marker: str, language: str, out: list[str]) -> int:
    end = start + 1
    while end < len(lines) and not lines[end].strip().startswith(marker):
        end += 1
    body = lines[start + 1 : end]
    folded = "\n".join(body).lower()
    if "{code" not in folded:
        out += [f"{{code:{language}}}" if language else "{code}", *body, "{code}"]
    elif "{noformat" not in folded:
        out += ["{noformat}", *body, "{noformat}"]
    else:
        # Neither block can hold this text without it closing the block early: plain lines.
        out += [_protect_line_start(_escape(line)) if line.strip() else "" for line in body]
    return end + 1


def _cells(row: str) -> list[str]:
    match = _TABLE_ROW.match(row)
    inner = match.group(1) if match else row
    # An empty cell is written as a space: "||" would start a header cell.
    return [_convert_inline(c.strip(), tight=True) or " " for c in _CELL_BORDER.split(inner)]


def _convert_table(lines: list[str], start: int, out: list[str]) -> int:
    out.append("||" + "||".join(_cells(lines[start])) + "||")
    i = start + 2
    while i < len(lines) and _TABLE_ROW.match(lines[i]):
        out.append("|" + "|".join(_cells(lines[i])) + "|")
        i += 1
    return i


def _convert_line(line: str) -> str:
    if _RULE.match(line):
        return "----"
    if heading := _HEADING.match(line):
        return f"h{len(heading.group(1))}. {_convert_inline(heading.group(2))}"
    if quote := _QUOTE.match(line):
        return "bq. " + _convert_inline(quote.group(1))
    return _convert_inline(line, line_start=True)


def _convert_inline(
    text: str, *, line_start: bool = False, links: bool = True, tight: bool = False
) -> str:
    """Inline Markdown -> wiki markup; ``line_start`` when ``text`` opens a paragraph line.

    ``tight`` when ``text`` will stand between markup (a table cell, a link label) rather than
    between a space or line end: its first and last characters are then escaped as if a mark
    stood next to them.
    """
    # Escapes, code spans and links are cut out first so that emphasis and escaping never
    # touch them; emphasis marks become noncharacters so that escaping leaves them alone.
    kept: list[str] = []

    def keep(wiki: str) -> str:
        kept.append(wiki)
        return f"{_OPEN}{len(kept) - 1}{_CLOSE}"

    def cut(match: re.Match[str]) -> str:
        if (escaped := match.group("escaped")) is not None:
            return keep(_escape_literal(escaped))
        if (code := match.group("code")) is not None:
            if not code.strip():
                return keep(_escape(match.group(0), tight=True))
            return keep(_monospace(code.strip()))
        if (url := match.group("url")) is not None:
            if not links or not _WEB_URL.match(url):
                return keep(_escape(match.group(0), tight=True))
            label = _convert_inline(match.group("text"), links=False, tight=True)
            return keep(f"[{label}|{_safe_url(url)}]")
        auto = match.group("auto")
        return keep(f"[{_safe_url(auto)}]" if links else _escape(match.group(0), tight=True))

    # Each pass only where its characters occur: most lines of a description are plain words.
    if _MAY_HOLD_PIECES.search(text):
        text = _INLINE.sub(cut, text)
    marked = _MAY_HOLD_EMPHASIS.search(text) is not None
    if marked:
        text = _emphasis(text)
    text = _escape(text, tight=tight)
    if line_start:  # before the marks are written: "*bold*" may open a line
        text = _protect_mark_start(text)
    if marked:
        text = text.replace(_STRONG, "*").replace(_EMPHASIS, "_").replace(_DELETED, "-")
        text = _escape_schemes(text)  # a mark may have joined two words into one scheme
    if kept:
        text = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)
    if line_start:  # after the pieces are back: "h1\." in Markdown is "h1." here
        text = _protect_block_start(text)
    return text


def _emphasis(text: str) -> str:
    for pattern, wrap, needs in _EMPHASIS_RULES:
        if needs in text:
            text = pattern.sub(wrap, text)
    return text


def _wrapper(mark: str) -> Callable[[re.Match[str]], str]:
    # A function, not a "\\1" template: re expands templates in Python, match by match.
    return lambda match: mark + match.group(1) + mark


_EMPHASIS_RULES = (
    (_ITALIC_STAR, _wrapper(_EMPHASIS), "*"),
    (_BOLD_STAR, _wrapper(_STRONG), "**"),
    (_BOLD_UNDERSCORE, _wrapper(_STRONG), "__"),
    (_ITALIC_UNDERSCORE, _wrapper(_EMPHASIS), "_"),
    (_STRIKE, _wrapper(_DELETED), "~~"),
)


def _escape(text: str, *, tight: bool = False) -> str:
    """``text`` as wiki markup that shows it as typed (see the module docstring).

    ``tight``: ``text`` is not bounded by spaces or line ends but by markup, so a mark at
    either end may open or close an effect, an image, with what stands beyond it.
    """
    return _escape_schemes(_CANDIDATE.sub(_escape_tight if tight else _escape_one, text))


def _escape_schemes(text: str) -> str:
    if ":" not in text:
        return text
    return _SCHEME.sub(lambda m: m.group(0)[:-1] + "&#58;", text)


def _escape_tight(match: re.Match[str]) -> str:
    return _escape_one(match, edge="\x01")


def _escape_one(match: re.Match[str], edge: str = "") -> str:
    char, text, at = match.group(0), match.string, match.start()
    before = text[at - 1] if at else edge
    after = text[at + 1] if at + 1 < len(text) else edge
    if char in "{[|":
        escape = True
    elif char in _ENTITIES:
        if char == "\\" or _ENTITY_NAME.match(text, at + 1):
            return _ENTITIES[char]
        escape = False
    elif char == "!":  # "!x...!" is an image
        escape = after != "" and not after.isspace()
    elif char == "?":  # "??x??" is a citation
        escape = "?" in (before, after)
    else:
        # A text-effect mark opens after a non-alphanumeric and before a non-space, and closes
        # after a non-space and before a non-alphanumeric: escaped where it could do either.
        opens = not before.isalnum() and after != "" and not after.isspace()
        closes = before != "" and not before.isspace() and not after.isalnum()
        escape = opens or closes
    return "\\" + char if escape else char


def _escape_literal(char: str) -> str:
    # A character the document escaped is meant as typed wherever it stands: no context to
    # judge by, so any character Jira could read as markup is escaped.
    if char in _LITERALS:
        return _LITERALS[char]
    return "\\" + char if char in _MARKUP_CHARS else char


def _monospace(code: str) -> str:
    # Jira still reads markup inside {{...}}, and "}}" would close it early.
    return "{{" + _escape(code, tight=True).replace("}", "\\}") + "}}"


def _protect_line_start(text: str) -> str:
    """Escape a list, heading or quote start that plain text would make at a line start."""
    return _protect_block_start(_protect_mark_start(text))


def _protect_mark_start(text: str) -> str:
    if (found := _MARK_START.match(text)) is None:
        return text
    return f"{found.group(1)}\\{text[found.end(1) :]}"


def _protect_block_start(text: str) -> str:
    if (found := _BLOCK_START.match(text)) is None:
        return text
    return f"{found.group(1)}&#46;{text[found.end() :]}"


def _safe_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", url)
