"""Writing document edits to files: atomic, checked, inside the source roots."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from syncer.core.parse import parse_bytes
from syncer.model import DocumentEdit, ItemEdit, TicketRef
from syncer.shell.writeback import source_roots, write_back

TEXT = b"# INC-7\r\n\r\n## Action Items\r\n\r\n- [ ] Add alerting\r\n- [ ] Rotate keys\r\n"
REF = TicketRef(system="jira", key="OPS-1", url="https://jira.example.com/browse/OPS-1")


def planned(data: bytes, source: str = "inc-7.md") -> DocumentEdit:
    item = parse_bytes(data, source=source).items[0]
    return DocumentEdit(
        source=source,
        content_hash=hashlib.sha256(data).hexdigest(),
        edits=(
            ItemEdit(
                item_key=item.key,
                line=item.line,
                end_line=item.end_line,
                link=REF,
                status="done",
                tracker="jira",
                reason="link to OPS-1; OPS-1 was closed as done",
            ),
        ),
    )


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "inc-7.md").write_bytes(TEXT)
    return folder


def test_writes_the_edit_and_keeps_the_file_mode(docs: Path) -> None:
    path = docs / "inc-7.md"
    path.chmod(0o640)
    done = write_back([planned(TEXT)], root=docs, roots=[docs], created={}, ticket_column=False)
    assert done.findings == ()
    assert path.read_bytes() == TEXT.replace(
        b"- [ ] Add alerting\r\n",
        b"- [x] Add alerting ([OPS-1](https://jira.example.com/browse/OPS-1))\r\n",
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "+- [x] Add alerting" in done.written[0].diff
    assert sorted(p.name for p in docs.iterdir()) == ["inc-7.md"]


def test_a_crash_before_the_rename_leaves_the_old_file_and_no_debris(docs: Path) -> None:
    def crash(source: str, target: str) -> None:
        raise KeyboardInterrupt

    edit = planned(TEXT)
    with pytest.raises(KeyboardInterrupt):
        write_back([edit], root=docs, roots=[docs], created={}, ticket_column=False, replace=crash)
    assert (docs / "inc-7.md").read_bytes() == TEXT
    assert sorted(p.name for p in docs.iterdir()) == ["inc-7.md"]
    done = write_back([edit], root=docs, roots=[docs], created={}, ticket_column=False)
    assert [d.source for d in done.written] == ["inc-7.md"]


def test_a_file_changed_since_it_was_parsed_is_not_written(docs: Path) -> None:
    edit = planned(TEXT)
    edited = TEXT + b"- [ ] Added meanwhile\r\n"
    (docs / "inc-7.md").write_bytes(edited)
    done = write_back([edit], root=docs, roots=[docs], created={}, ticket_column=False)
    assert done.written == ()
    assert "changed since it was read" in done.findings[0].message
    assert (docs / "inc-7.md").read_bytes() == edited


def test_a_symlink_out_of_the_source_roots_is_not_followed(tmp_path: Path, docs: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes(TEXT)
    (docs / "link.md").symlink_to(outside)
    done = write_back(
        [planned(TEXT, "link.md")], root=docs, roots=[docs], created={}, ticket_column=False
    )
    assert done.written == ()
    assert "symbolic link leading outside the source roots" in done.findings[0].message
    assert outside.read_bytes() == TEXT


def test_a_link_to_a_ticket_not_created_waits(docs: Path) -> None:
    edit = planned(TEXT)
    first = edit.edits[0].model_copy(
        update={
            "link": None,
            "link_created": True,
            "status": None,
            "reason": "link to the ticket this sync creates",
        }
    )
    waiting = edit.model_copy(update={"edits": (first,)})
    done = write_back([waiting], root=docs, roots=[docs], created={}, ticket_column=False)
    assert done.written == ()
    assert (docs / "inc-7.md").read_bytes() == TEXT
    key = edit.edits[0].item_key
    done = write_back([waiting], root=docs, roots=[docs], created={key: REF}, ticket_column=False)
    assert [e.reason for e in done.written[0].edits] == ["link to OPS-1"]


def test_unwritable_folder_is_a_finding_not_a_crash(docs: Path) -> None:
    (docs / "inc-7.md").unlink()
    target = docs / "inc-7.md"
    target.mkdir()  # reading it fails: a finding names it
    done = write_back([planned(TEXT)], root=docs, roots=[docs], created={}, ticket_column=False)
    assert done.written == ()
    assert "cannot read" in done.findings[0].message


def test_commit_outside_a_git_tree_writes_without_committing(
    docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(docs.parent))
    done = write_back(
        [planned(TEXT)], root=docs, roots=[docs], created={}, ticket_column=False, commit=True
    )
    assert [d.source for d in done.written] == ["inc-7.md"]
    assert done.commits == ()


def test_source_roots_stop_at_the_first_wildcard(tmp_path: Path) -> None:
    assert source_roots(["postmortems", "teams/*/pm/**/*.md", "one.md"], base=tmp_path) == [
        (tmp_path / "postmortems").resolve(),
        (tmp_path / "teams").resolve(),
        (tmp_path / "one.md").resolve(),
    ]
    assert os.sep not in "".join(p.name for p in source_roots(["*.md"], base=tmp_path))
