"""Properties of the Markdown -> Jira wiki converter over generated documents (hypothesis).

No input makes an image, a macro, a mention or a non-web link that the Markdown did not hold as
such. ``jira_constructs`` below is the judge: a reading of wiki markup written from Jira's
notation help, independent of the converter, that lists what Jira would make active.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from syncer.shell.trackers.markup import markdown_to_wiki, normalise_text

_BLOCK_OPEN = re.compile(r"^\{(code(?::[\w+.#-]+)?|noformat)\}$")
_HEADING_LINE = re.compile(r"^\s*(?i:h[1-6]|bq)\.")
_SCHEME = re.compile(r"(?i)(?<![a-z0-9])([a-z][\w+.-]*):(//)")
_WEB = ("http://", "https://", "mailto:")


def jira_constructs(wiki: str) -> list[tuple[str, str]]:
    """(kind, text) of each image, macro, block, mention, link and heading in ``wiki``."""
    found: list[tuple[str, str]] = []
    for line, block in _lines(wiki):
        if block is not None:
            found.append(("block", block))
            continue
        if _HEADING_LINE.match(line):
            found.append(("heading", line))
        if "\\\\" in line:
            found.append(("line break", line))
        found += _inline_constructs(line)
    return found


def _lines(wiki: str) -> list[tuple[str, str | None]]:
    """The lines outside {code} and {noformat} blocks, and (opening line, name) of each block."""
    lines: list[tuple[str, str | None]] = []
    block: str | None = None
    for line in wiki.split("\n"):
        if block is not None:
            if "{" + block in line.lower():
                block = None
        elif opened := _BLOCK_OPEN.match(line):
            block = opened.group(1).split(":")[0]
            lines.append((line, block))
        else:
            lines.append((line, None))
    return lines


def _unescaped(line: str) -> list[tuple[int, str]]:
    """(position, character) of each character not escaped by a backslash."""
    chars: list[tuple[int, str]] = []
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            i += 2
            continue
        chars.append((i, line[i]))
        i += 1
    return chars


def _inline_constructs(line: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    active = {i for i, _ in _unescaped(line)}
    # The line with every escaped character (and its backslash) blanked out.
    live = "".join(c if i in active else "\x01" for i, c in enumerate(line))
    plain = list(live)  # what is left for Jira to find bare links in: not links' insides
    i = 0
    while i < len(live):
        char = live[i]
        if live.startswith("{{", i) or live.startswith("}}", i):
            i += 2
            continue
        if char == "{":
            found.append(("macro", line[i : i + 20]))
        elif char == "[":
            end = live.find("]", i)
            inner = line[i + 1 : end if end >= 0 else len(line)]
            if inner.startswith(("~", "^")):
                found.append(("mention" if inner[0] == "~" else "attachment", inner))
            else:
                bar = live.rfind("|", i, end if end >= 0 else len(line))
                target = line[bar + 1 : end] if bar >= 0 else inner
                found.append(("link", target))
            if end >= 0:
                plain[i : end + 1] = "\x01" * (end + 1 - i)
                i = end
        elif char == "!" and i + 1 < len(live) and not live[i + 1].isspace():
            end = live.find("!", i + 1)
            if end >= 0:
                found.append(("image", line[i + 1 : end]))
                i = end
        i += 1
    for match in _SCHEME.finditer("".join(plain)):
        scheme = match.group(1).lower()
        if scheme in ("http", "https"):
            continue
        found.append(("autolink", match.group(0)))
    return found


# Documents are built from fragments that mean something to Markdown or to Jira, so that
# generated inputs meet the converter's edge cases often, plus any text at all.
FRAGMENTS = [
    *("!", "[", "]", "(", ")", "{", "}", "|", "||", "\\", "\\\\", "`", "``", "<", ">", "&"),
    *("*", "**", "_", "__", "~", "~~", "-", "+", "^", "?", "??", "#", "h1.", "bq.", ":", ";"),
    *(" ", " ", "\n", "\n\n", "  ", "a", "word", "x.png", "OPS-1", "#123;", "amp;"),
    *("http://e.test/x.png", "https://x.test/p", "javascript:", "mailto:a@x.test", "ftp://"),
    *("file:", "data:", "{code}", "{noformat}", "{jira:OPS-1}", "[~bob]", "{{", "}}"),
    *("```", "```py", "~~~", "- ", "1. ", "> ", "# ", "---", "| a | b |\n|---|---|\n"),
    *("[t](https://x.test/y)", "[t](javascript:alert(1))", "![i](http://e.test/i.png)"),
    *("<https://x.test>", "<mailto:a@x.test>", "\ufdd00\ufdd1", "\ufdd2"),
]
documents = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.text(max_size=200),
)


def _fence_lines(markdown: str) -> int:
    lines = normalise_text(markdown).split("\n")
    return sum(1 for line in lines if re.match(r"^\s*(```|~~~)", line))


def _markdown_headings(markdown: str) -> int:
    lines = normalise_text(markdown).split("\n")
    return sum(1 for line in lines if re.match(r"^\s*(#{1,6}\s|>)", line))


@settings(max_examples=600, deadline=None)
@given(documents)
@example("!http://evil.example/x.png!")
@example("[x](javascript:alert(1))")
@example("{jira:OPS-1}")
@example("h1\\. x")
@example("0\r>")
def test_nothing_active_that_the_markdown_did_not_hold(markdown: str) -> None:
    wiki = markdown_to_wiki(markdown)
    constructs = jira_constructs(wiki)
    kinds = {kind for kind, _ in constructs}
    forbidden = {"image", "macro", "mention", "attachment", "autolink", "line break"}
    assert not kinds & forbidden, constructs
    for kind, target in constructs:
        if kind == "link":
            # A link to the web or mail, whose target the document wrote (percent-escapes
            # are how the converter keeps "]", "|" and the like from ending it).
            assert target.lower().startswith(_WEB), target
            # (The converter reads noncharacters, which it uses itself, as U+FFFD.)
            source = re.sub("[\ufdd0-\ufdef]", "\ufffd", markdown)
            assert unquote(target) in source or target in source, target
    assert sum(kind == "block" for kind, _ in constructs) <= _fence_lines(markdown)
    headings = sum(kind == "heading" for kind, _ in constructs)
    assert headings <= _markdown_headings(markdown)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_output_reads_back_as_written(markdown: str) -> None:
    # Jira and the sandbox store the description as sent, and the adapter compares bodies
    # after normalise_text: the rendering must already be in that form, and be the same
    # every time, or every run would see a change.
    wiki = markdown_to_wiki(markdown)
    assert normalise_text(wiki) == wiki
    assert markdown_to_wiki(markdown) == wiki
    assert not re.search("[\ufdd0-\ufdef]", wiki)


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    label=st.lists(words, min_size=1, max_size=4).map(" ".join),
    host=words,
    path=st.lists(words, max_size=3).map("/".join),
    scheme=st.sampled_from(["http", "https"]),
)
def test_web_links_stay_links(label: str, host: str, path: str, scheme: str) -> None:
    url = f"{scheme}://{host}.test/{path}"
    wiki = markdown_to_wiki(f"see [{label}]({url}) and **{label}**")
    assert wiki == f"see [{label}|{url}] and *{label}*"
    assert jira_constructs(wiki) == [("link", url)]


@pytest.mark.parametrize(
    ("wiki", "kind"),
    [
        ("!http://evil.example/x.png!", "image"),
        ("{jira:OPS-1}", "macro"),
        ("a {color:red}x{color}", "macro"),
        ("[~alice]", "mention"),
        ("[^a.txt]", "attachment"),
        ("[x|javascript:alert(1)]", "link"),
        ("file:///etc/passwd", "autolink"),
        ("h1. Title", "heading"),
        ("{code}\nx\n{code}", "block"),
        ("a \\\\ b", "line break"),
    ],
)
def test_the_judge_sees_active_markup(wiki: str, kind: str) -> None:
    # The property above is only as good as its judge: it must flag raw wiki markup.
    assert kind in {k for k, _ in jira_constructs(wiki)}


@pytest.mark.parametrize(
    "wiki", ["\\!http://evil.example/x.png!", "\\{jira:OPS-1}", "\\[\\~alice]", "{{mono}}"]
)
def test_the_judge_reads_escapes(wiki: str) -> None:
    assert jira_constructs(wiki) == []
