"""Documents the parser cannot read, and hostile ones it must survive in bounded memory.

How long the hostile ones take is measured by ``bench/parse_bench.py --hostile``, not here:
the suite runs on shared machines where wall-clock bounds fail for reasons of their own.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable

import pytest

from syncer.core.parse import MAX_DOCUMENT_BYTES, MAX_LINES, parse_bytes, parse_postmortem
from syncer.model import Document

HEAD = b"# Incident\n\n## Action items\n\n"


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", None, "empty document"),
        (b"  \n\n\t\n", None, "empty document"),
        (b"# T\n\n- a\n\xff\xfe broken\n", 4, "not UTF-8 text: invalid start byte"),
        (b"# T\n\x89PNG\x00\x00", 2, "binary file (NUL byte), not a Markdown document"),
        (
            b"x" * (MAX_DOCUMENT_BYTES + 1),
            None,
            f"document is {MAX_DOCUMENT_BYTES + 1} bytes, more than the "
            f"{MAX_DOCUMENT_BYTES} bytes the parser reads",
        ),
    ],
)
def test_unreadable_documents_get_one_error(data: bytes, line: int | None, message: str) -> None:
    document = parse_bytes(data, source="pm/bad.md")
    assert [(p.source, p.line, p.message) for p in document.errors] == [
        ("pm/bad.md", line, message)
    ]
    assert document.items == ()
    assert document.incident.id == "pm-bad"


def test_byte_order_mark_is_allowed() -> None:
    document = parse_bytes(b"\xef\xbb\xbf" + HEAD + b"- [ ] Rotate keys\n", source="x.md")
    assert [item.title for item in document.items] == ["Rotate keys"]
    assert document.items[0].line == 5


def test_invalid_front_matter_is_a_warning() -> None:
    document = parse_postmortem(
        "---\ntitle: [unclosed\n---\n\n## Action items\n\n- Rotate keys\n", source="x.md"
    )
    assert [item.title for item in document.items] == ["Rotate keys"]
    assert [p.message for p in document.warnings] == ["front matter is not valid YAML"]


def run_bounded(data: bytes, *, megabytes: float) -> Document:
    tracemalloc.start()
    try:
        document = parse_bytes(data, source="hostile.md")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.0f} MB"
    return document


def test_fifty_megabytes_is_refused_at_once() -> None:
    data = HEAD + b"- [ ] Rotate keys\n" * 2_900_000
    assert len(data) > 50_000_000
    document = run_bounded(data, megabytes=5)
    assert document.errors
    assert document.items == ()


def test_hundred_thousand_items_are_capped() -> None:
    data = HEAD + b"- a\n" * 100_000
    # tracemalloc slows markdown-it several times over; memory is checked below on fewer items.
    document = parse_bytes(data, source="hostile.md")
    assert len(document.items) == 10_000
    assert [(p.line, p.message) for p in document.warnings] == [
        (MAX_LINES + 1, f"only the first {MAX_LINES} lines were read"),
        (None, "more than 10000 action items; the rest were not read"),
    ]
    assert document.items[-1].line == 10_004


def test_memory_stays_modest_for_thousands_of_items() -> None:
    document = run_bounded(HEAD + b"- [ ] Rotate the keys\n" * 3_000, megabytes=60)
    assert len(document.items) == 3_000


Generator = Callable[[], bytes]


@pytest.mark.parametrize(
    "generate",
    [
        pytest.param(lambda: HEAD + b"- " * 10_000 + b"deep\n", id="10k-deep-bullets"),
        pytest.param(lambda: HEAD + b"1. " * 10_000 + b"deep\n", id="10k-deep-numbers"),
        pytest.param(lambda: HEAD + b"> " * 10_000 + b"- [ ] deep\n", id="10k-deep-quotes"),
        pytest.param(
            lambda: HEAD + b"".join(b"  " * depth + b"- x\n" for depth in range(600)),
            id="600-deep-indented",
        ),
    ],
)
def test_deep_nesting_finishes(generate: Generator) -> None:
    document = run_bounded(generate(), megabytes=200)
    assert not document.errors
    assert len(document.items) <= 1


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"- " + b"[" * 1_000_000, id="brackets"),
        pytest.param(b"- " + b"*a " * 330_000, id="emphasis"),
        pytest.param(b"- " + b"a" * 1_000_000, id="letters"),
        pytest.param(b"[" * 1_000_000, id="paragraph-brackets"),
        pytest.param(b"- " + b"OPS-1 " * 170_000, id="ticket-keys"),
        pytest.param(b"| a | b |\n|---|---|\n|" + b"|" * 1_000_000, id="pipes"),
    ],
)
def test_megabyte_lines_finish(line: bytes) -> None:
    document = run_bounded(HEAD + line + b"\n", megabytes=200)
    assert not document.errors
    assert all(len(item.title) <= 4000 for item in document.items)


def test_megabyte_heading_finishes() -> None:
    document = run_bounded(b"# " + b"[" * 1_000_000 + b"\n", megabytes=200)
    assert not document.has_action_section


FRAGMENTS = (
    "# Title INC-1\n",
    "## Action items\n",
    "### Completed\n",
    "Follow-ups\n---\n",
    "- [ ] Rotate keys @alice due 2026-12-01 OPS-1\n",
    "  - nested [link](https://github.com/a/b/issues/1)\n",
    "1. Numbered\n   wrapped\n",
    "| Action | Owner |\n| --- | --- |\n| Fix | bob |\n",
    "| a | b |\n| --- |\n",
    "```\n- [ ] code\n",
    "> - [ ] quote\n",
    "**Date**: 13/45/2026\n",
    "---\ntitle: [\n---\n",
    "---\ndate: 2026-13-45\n---\n",
    "[ref]: https://x.atlassian.net/browse/AB-1\n",
    "- **Review actions**:\n  - thing [x][ref]\n",
    "<!-- - [ ] comment -->\n",
    "~~~~~~~~\n",
    "* * *\n",
    "\t\t- tabbed\n",
    "- [x] ✅ ~~struck~~ (done) TODO [P1] (id: a) [AI-2] @\n",
    "\n",
    "\u00a0\u200b\u202e text\n",
    "[" * 50 + "\n",
)


@pytest.mark.parametrize("seed", range(20))
def test_random_documents_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 40)))
        document = parse_postmortem(text, source="fuzz.md")
        line_count = max(1, len(text.splitlines()))
        for item in document.items:
            assert 1 <= item.line <= item.end_line <= line_count
            assert item.title


def test_utf16_is_named() -> None:
    document = parse_bytes("# T\n".encode("utf-16"), source="x.md")
    assert [p.message for p in document.errors] == ["not UTF-8 text: UTF-16 byte-order mark"]


@pytest.mark.parametrize(
    "front_matter",
    [
        "date: 2026-13-45",
        "authors: &a [x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c]",
        "title: " + "[" * 5000,
        "x: " + "y" * 20_000,
    ],
)
def test_hostile_front_matter_is_a_warning(front_matter: str) -> None:
    document = parse_postmortem(f"---\n{front_matter}\n---\n\n## Actions\n\n- Fix\n", source="x.md")
    assert [item.title for item in document.items] == ["Fix"]
    assert not document.errors
