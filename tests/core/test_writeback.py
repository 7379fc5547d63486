"""The write-back rewriter: byte-exact per layout, and properties over generated documents."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.core.parse import parse_bytes
from syncer.core.writeback import (
    document_diff,
    link_text,
    rewrite_document,
    verify_rewrite,
)
from syncer.model import ItemEdit, ItemStatus, TicketRef


def jira(number: int) -> TicketRef:
    return TicketRef(
        system="jira", key=f"OPS-{number}", url=f"https://jira.example.com/browse/OPS-{number}"
    )


def edits_for(
    data: bytes, statuses: list[ItemStatus | None], *, links: bool = True
) -> list[ItemEdit]:
    document = parse_bytes(data, source="pm/x.md")
    assert len(document.items) == len(statuses), document.items
    return [
        ItemEdit(
            item_key=item.key,
            line=item.line,
            end_line=item.end_line,
            link=jira(number) if links else None,
            status=status,
            tracker="jira",
            reason="test",
        )
        for number, (item, status) in enumerate(zip(document.items, statuses, strict=True), 1)
    ]


def rewritten(data: bytes, statuses: list[ItemStatus | None], **options: bool) -> bytes:
    links = options.pop("links", True)
    edits = edits_for(data, statuses, links=links)
    result = rewrite_document(data, edits, **options)
    assert result.skipped == []
    assert verify_rewrite(data, result.data, edits, source="pm/x.md") is None
    return result.data


HEAD = b"# INC-7: Proxy pool\n\n## Action Items\n\n"

GOLDEN = [
    pytest.param(
        HEAD + b"- [ ] Add alerting (Link to Ticket)\n- [ ] Rotate keys\n",
        [None, "done"],
        HEAD + b"- [ ] Add alerting ([OPS-1](https://jira.example.com/browse/OPS-1))\n"
        b"- [x] Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\n",
        id="checkbox",
    ),
    pytest.param(
        HEAD + b"* Add alerting @bob due 2026-12-01\n* Rotate keys\n* Drop cache\n",
        [None, "done", "wont_do"],
        HEAD + b"* Add alerting @bob due 2026-12-01 ([OPS-1](https://jira.example.com/browse/OPS-1))\n"
        b"* [x] Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\n"
        b"* [-] Drop cache ([OPS-3](https://jira.example.com/browse/OPS-3))\n",
        id="bullet",
    ),
    pytest.param(
        HEAD + b"1. Add alerting\n2. Rotate keys\n",
        [None, "wont_do"],
        HEAD + b"1. Add alerting ([OPS-1](https://jira.example.com/browse/OPS-1))\n"
        b"2. [-] Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\n",
        id="numbered",
    ),
    pytest.param(
        HEAD + b"- **Short-term**\n  - [ ] Add alerting\n    - details stay\n  - [x] Rotate keys\n",
        ["done", None],
        HEAD + b"- **Short-term**\n  - [x] Add alerting ([OPS-1](https://jira.example.com/browse/OPS-1))\n"
        b"    - details stay\n  - [x] Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\n",
        id="nested",
    ),
    pytest.param(
        HEAD + b"| Action | Owner | Ticket | Status |\n|--------|-------|--------|--------|\n"
        b"| Add alerting | bob | (Link to Ticket) | Open |\n| Rotate keys | amy |  | Open |\n",
        ["done", "wont_do"],
        HEAD + b"| Action | Owner | Ticket | Status |\n|--------|-------|--------|--------|\n"
        b"| Add alerting | bob | ([OPS-1](https://jira.example.com/browse/OPS-1)) | Done |\n"
        b"| Rotate keys | amy | [OPS-2](https://jira.example.com/browse/OPS-2) | Won't do |\n",
        id="table-with-placeholder",
    ),
    pytest.param(
        HEAD + b"| Action | Owner | Status   |\n|---|---|---|\n| Add alerting | bob | Open     |\n",
        ["done"],
        HEAD + b"| Action | Owner | Status   | Ticket |\n|---|---|---|---|\n"
        b"| Add alerting | bob | Done     | [OPS-1](https://jira.example.com/browse/OPS-1) |\n",
        id="table-ticket-column-added",
    ),
    pytest.param(
        HEAD.replace(b"\n", b"\r\n") + b"- [ ] Add alerting\r\n- Rotate keys\r\n\r\nMore prose.",
        ["done", None],
        HEAD.replace(b"\n", b"\r\n")
        + b"- [x] Add alerting ([OPS-1](https://jira.example.com/browse/OPS-1))\r\n"
        b"- Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\r\n\r\nMore prose.",
        id="crlf-no-trailing-newline",
    ),
    pytest.param(
        b"\xef\xbb\xbf---\ntitle: Proxy pool\nseverity: SEV2\n---\n" + HEAD
        + "- [ ] Réessayer  \n- [ ] Rotate keys\t\n".encode(),
        [None, "done"],
        b"\xef\xbb\xbf---\ntitle: Proxy pool\nseverity: SEV2\n---\n" + HEAD
        + "- [ ] Réessayer ([OPS-1](https://jira.example.com/browse/OPS-1))  \n".encode()
        + b"- [x] Rotate keys ([OPS-2](https://jira.example.com/browse/OPS-2))\t\n",
        id="bom-front-matter-trailing-space",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("before", "statuses", "after"), GOLDEN)
def test_golden(before: bytes, statuses: list[ItemStatus | None], after: bytes) -> None:
    assert rewritten(before, statuses, ticket_column=True) == after


def test_a_box_in_a_table_title_cell_is_ticked() -> None:
    data = (
        HEAD + b"| Action | Owner |\n|---|---|\n| [ ] Add alerting | bob |\n| [x] Rotate | amy |\n"
    )
    assert rewritten(data, ["done", "wont_do"], links=False) == (
        HEAD + b"| Action | Owner |\n|---|---|\n| [x] Add alerting | bob |\n| [-] Rotate | amy |\n"
    )


def test_table_without_ticket_column_is_left_alone_unless_configured() -> None:
    data = HEAD + b"| Action | Owner |\n|---|---|\n| Add alerting | bob |\n"
    edits = edits_for(data, [None])
    result = rewrite_document(data, edits, ticket_column=False)
    assert result.data == data
    assert [key for key, _ in result.skipped] == [edits[0].item_key]
    assert "Ticket column" in result.skipped[0][1]


def test_a_status_with_nowhere_to_go_is_skipped() -> None:
    data = HEAD + b"| Action | Owner |\n|---|---|\n| Add alerting | bob |\n"
    result = rewrite_document(data, edits_for(data, ["done"], links=False))
    assert result.data == data
    assert "no Status column" in result.skipped[0][1]


def test_the_written_link_becomes_the_item_ticket_and_keeps_its_key() -> None:
    data = HEAD + b"- [ ] Add alerting (Link to Ticket)\n"
    new = rewritten(data, [None])
    before, after = (parse_bytes(d, source="pm/x.md").items[0] for d in (data, new))
    assert after.key == before.key
    assert after.title == before.title
    assert [r.key for r in after.tickets] == ["OPS-1"]


def test_github_links_are_written_short() -> None:
    ref = TicketRef(system="github", key="acme/web#42", url="https://github.com/acme/web/issues/42")
    assert link_text(ref) == "[#42](https://github.com/acme/web/issues/42)"


def test_verify_refuses_a_rewrite_that_changes_what_the_parser_reads() -> None:
    data = HEAD + b"- [ ] Add alerting\n"
    edits = edits_for(data, [None])
    assert verify_rewrite(data, HEAD + b"- [ ] Add paging\n", edits, source="pm/x.md")


def test_the_diff_shows_only_the_edited_lines() -> None:
    data = HEAD + b"- [ ] Add alerting\n- [ ] Rotate keys\n"
    new = rewritten(data, ["done", None], links=False)
    diff = document_diff(data, new, source="pm/x.md")
    assert diff.splitlines()[:2] == ["--- a/pm/x.md", "+++ b/pm/x.md"]
    changed = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-- [ ] Add alerting", "+- [x] Add alerting"]


# -- properties over generated documents -------------------------------------------------------

STATUSES: list[ItemStatus | None] = [None, "done", "wont_do"]
_WORDS = st.sampled_from(
    ["alerting", "keys", "cache", "proxy", "runbook", "quota", "pager", "backups", "TLS", "DNS"]
)
_TITLES = st.lists(_WORDS, min_size=2, max_size=5).map(lambda w: "Fix " + " ".join(w))
_MARKERS = st.sampled_from(["- ", "* ", "1. ", "- [ ] ", "- [x] ", "+ [ ] "])
_SUFFIXES = st.sampled_from(["", " (Link to Ticket)", " @bob", " due 2026-12-01", "  "])


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    titles = draw(st.lists(_TITLES, min_size=1, max_size=6, unique_by=str.casefold))
    marker = draw(_MARKERS)
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["# INC-9: Generated", "", "## Action Items", ""]
    lines += [marker + title + draw(_SUFFIXES) for title in titles]
    tail = draw(st.sampled_from(["", eol, eol + eol + "## Timeline" + eol]))
    front = draw(st.sampled_from(["", "---" + eol + "title: x" + eol + "---" + eol]))
    return (front + eol.join(lines) + tail).encode()


_LINK = re.compile(rb" \(\[OPS-\d+\]\([^)]*\)\)")
_PLACED = re.compile(rb"\(\[OPS-\d+\]\([^)]*\)\)")


@settings(max_examples=150, deadline=None)
@given(documents())
def test_links_added_then_removed_give_back_the_original(data: bytes) -> None:
    document = parse_bytes(data, source="pm/x.md")
    edits = edits_for(data, [None] * len(document.items))
    result = rewrite_document(data, edits)
    assert result.skipped == []
    assert verify_rewrite(data, result.data, edits, source="pm/x.md") is None
    again = parse_bytes(result.data, source="pm/x.md")
    assert [(i.key, i.title, i.line, i.done) for i in again.items] == [
        (i.key, i.title, i.line, i.done) for i in document.items
    ]
    assert [[r.key for r in i.tickets] for i in again.items] == [
        [f"OPS-{n}"] for n in range(1, len(document.items) + 1)
    ]
    # Removing the added text (putting the placeholder back where there was one) gives back
    # the original bytes.
    restored = [
        _LINK.sub(b"", new)
        if b"(Link to Ticket)" not in old
        else _PLACED.sub(b"(Link to Ticket)", new)
        for old, new in zip(data.split(b"\n"), result.data.split(b"\n"), strict=True)
    ]
    assert b"\n".join(restored) == data


@settings(max_examples=150, deadline=None)
@given(documents(), st.data())
def test_status_edits_change_only_the_edited_lines(data: bytes, draw: st.DataObject) -> None:
    document = parse_bytes(data, source="pm/x.md")
    statuses = draw.draw(
        st.lists(
            st.sampled_from(STATUSES),
            min_size=len(document.items),
            max_size=len(document.items),
        )
    )
    edits = edits_for(data, statuses, links=False)
    result = rewrite_document(data, edits)
    assert verify_rewrite(data, result.data, edits, source="pm/x.md") is None
    old, new = data.split(b"\n"), result.data.split(b"\n")
    assert len(old) == len(new)
    edited = {e.line - 1 for e in edits if e.status is not None}
    assert [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b] == sorted(
        i for i in edited if old[i] != new[i]
    )
    again = parse_bytes(result.data, source="pm/x.md")
    for item, status, before in zip(again.items, statuses, document.items, strict=True):
        wanted = (before.done, before.wont_do)
        if status == "done":
            wanted = (True, False)
        elif status == "wont_do":
            wanted = (False, True)
        assert (item.key, item.done, item.wont_do) == (before.key, *wanted)
