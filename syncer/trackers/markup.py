"""Markdown -> Jira wiki markup: the one translation of ticket bodies the Jira adapter needs.

Pure text in, text out; no request, no clock. Covers what action-item descriptions use:
headings, bullet and numbered lists (nested by indentation), block quotes, fenced code, tables,
horizontal rules, and inline links, bold, italics, strike-through and code spans. Characters that
would start a Jira macro or link (``{``, ``[``) in plain text are escaped so they read back as
typed. Line structure is kept and trailing whitespace is dropped; the output depends on the
input alone, which is what lets the planner compare rendered fields with tickets read back.
"""

from __future__ import annotations

import re

__all__ = ["markdown_to_wiki", "normalise_text"]

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+.#-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^( *)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^( *)\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_BOLD_STAR = re.compile(r"(?<![*\\])\*\*(?=\S)(.+?)(?<=\S)\*\*(?!\*)")
_BOLD_UNDERSCORE = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


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
    lines = normalise_text(markdown).expandtabs(4).split("\n")
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
    out.append(f"{{code:{language}}}" if language else "{code}")
    i = start + 1
    while i < len(lines) and not lines[i].strip().startswith(marker):
        out.append(lines[i])
        i += 1
    out.append("{code}")
    return i + 1


def _cells(row: str) -> list[str]:
    match = _TABLE_ROW.match(row)
    inner = match.group(1) if match else row
    return [_convert_inline(cell.strip()) for cell in inner.split("|")]


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
    return _convert_inline(line)


def _convert_inline(text: str) -> str:
    # Code spans and links are cut out first so that emphasis and escaping never touch them.
    kept: list[str] = []

    def keep(wiki: str) -> str:
        kept.append(wiki)
        return f"\x00{len(kept) - 1}\x00"

    text = _CODE_SPAN.sub(lambda m: keep("{{" + m.group(2).strip() + "}}"), text)
    text = _LINK.sub(lambda m: keep(f"[{_emphasis(m.group(1))}|{m.group(2)}]"), text)
    text = _AUTOLINK.sub(lambda m: keep(f"[{m.group(1)}]"), text)
    text = _emphasis(text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def _emphasis(text: str) -> str:
    text = _escape(text)
    text = _ITALIC_STAR.sub(r"_\1_", text)
    text = _BOLD_STAR.sub(r"*\1*", text)
    text = _BOLD_UNDERSCORE.sub(r"*\1*", text)
    return _STRIKE.sub(r"-\1-", text)


def _escape(text: str) -> str:
    return text.replace("{", "\\{").replace("[", "\\[")
