"""Markdown -> Jira wiki markup, one construct at a time."""

from __future__ import annotations

import pytest

from syncer.shell.trackers.markup import markdown_to_wiki, normalise_text


@pytest.mark.parametrize(
    ("markdown", "wiki"),
    [
        ("plain text", "plain text"),
        ("see [the runbook](https://wiki.test/rb)", "see [the runbook|https://wiki.test/rb]"),
        ("see <https://wiki.test/rb>", "see [https://wiki.test/rb]"),
        ("**bold** and __bold__", "*bold* and *bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("**bold** then *italic*", "*bold* then _italic_"),
        ("~~gone~~", "-gone-"),
        ("run `make **all**`", "run {{make \\*\\*all\\*\\*}}"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("an [AI-3] tag and {braces}", "an \\[AI-3] tag and \\{braces}"),
        ("[**bold** link](https://x.test)", "[*bold* link|https://x.test]"),
        ("# Title", "h1. Title"),
        ("### Third ###", "h3. Third"),
        ("###### Six", "h6. Six"),
        ("####### seven is not a heading", "\\####### seven is not a heading"),
        ("- one\n- two", "* one\n* two"),
        ("* one\n+ two", "* one\n* two"),
        ("- one\n  - nested\n    - deeper\n- back", "* one\n** nested\n*** deeper\n* back"),
        ("1. one\n2) two", "# one\n# two"),
        ("1. one\n   - sub\n2. two", "# one\n#* sub\n# two"),
        ("   3. indented top level", "# indented top level"),
        ("- a\n\n- b", "* a\n\n* b"),
        ("- a\ntext\n  - b", "* a\ntext\n* b"),
        ("> quoted **x**", "bq. quoted *x*"),
        ("---", "----"),
        ("* * *", "----"),
        ("```python\nx = [1](2) **3**\n```", "{code:python}\nx = [1](2) **3**\n{code}"),
        ("~~~\n{raw}\n~~~", "{code}\n{raw}\n{code}"),
        ("```\nnever closed", "{code}\nnever closed\n{code}"),
        ("| a | b |\n|---|:-:|\n| 1 | `2` |", "||a||b||\n|1|{{2}}|"),
        ("| not | a table |", "\\| not \\| a table \\|"),
        ("line  \r\nbreak\t\n\n\n", "line\nbreak"),
        ("", ""),
    ],
)
def test_markdown_to_wiki(markdown: str, wiki: str) -> None:
    assert markdown_to_wiki(markdown) == wiki


def test_a_whole_description() -> None:
    markdown = (
        "## Why\n\n"
        "The rollout hit **every** region; see [timeline](https://wiki.test/t).\n\n"
        "- add a `canary` stage\n"
        "  - 1% for 30 minutes\n\n"
        "```yaml\nstages: [canary, full]\n```\n"
    )
    assert markdown_to_wiki(markdown) == (
        "h2. Why\n\n"
        "The rollout hit *every* region; see [timeline|https://wiki.test/t].\n\n"
        "* add a {{canary}} stage\n"
        "** 1% for 30 minutes\n\n"
        "{code:yaml}\nstages: [canary, full]\n{code}"
    )


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("a\r\nb\rc", "a\nb\nc"),
        ("trailing   \nspaces\t", "trailing\nspaces"),
        ("\n\nleading and trailing blank lines\n\n", "leading and trailing blank lines"),
        ("  indented first line", "  indented first line"),
    ],
)
def test_normalise_text(text: str, normal: str) -> None:
    assert normalise_text(text) == normal
