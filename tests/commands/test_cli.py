"""The command line: output contracts, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.core.render import plan_json, summary_text
from syncer.model import (
    Change,
    CreateChange,
    LinkChange,
    Plan,
    TicketFields,
    TicketRef,
    UpdateChange,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "postmortems"
ITEM_FIELDS = {"key", "title", "owner", "due", "priority", "tickets", "done", "line", "end_line"}
INCIDENT_FIELDS = {"id", "title", "date", "severity", "status", "team", "authors"}


def test_parse_json_keeps_the_documented_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--format", "json", str(FIXTURES / "table_pipes.md")]) == 0
    # A list of documents (as the corpus scorer reads it), each carrying the schema version.
    [document] = json.loads(capsys.readouterr().out)
    assert document["schema_version"] == 1
    assert {"source", "incident", "items", "errors"} <= set(document)
    assert document["source"] == "table_pipes.md"
    assert set(document["incident"]) >= INCIDENT_FIELDS
    first = document["items"][0]
    assert set(first) >= ITEM_FIELDS
    assert first["due"] == "2026-09-15"
    assert first["tickets"] == ["WEB-201"]


def test_parse_a_folder_reads_every_markdown_file_recursively(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    (tmp_path / "notes.txt").write_text("- [ ] not markdown\n")
    assert main(["parse", "--format", "json", str(tmp_path)]) == 0
    documents = json.loads(capsys.readouterr().out)
    assert [d["source"] for d in documents] == ["2026/a.md"]
    assert [i["title"] for i in documents[0]["items"]] == ["Fix it"]


def test_a_document_named_twice_is_read_and_warned_about_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = Path(__file__).parents[2] / "syncer" / "templates" / "postmortem.md"
    (tmp_path / "template.md").write_text(template.read_text())
    (tmp_path / "link.md").symlink_to(tmp_path / "template.md")
    assert main(["parse", "--format", "json", str(tmp_path), str(tmp_path / "template.md")]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 1
    warnings = [line for line in captured.err.splitlines() if "warning:" in line]
    assert len(warnings) == 1, warnings


def test_a_broken_document_is_reported_and_the_others_still_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.md").write_text("# Good\n\n## Action Items\n- [ ] Fix it\n")
    (tmp_path / "bad.md").write_bytes(b"\x00\x01binary")
    assert main(["parse", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "Fix it" in captured.out
    assert "bad.md" in captured.err
    assert "Traceback" not in captured.err


def test_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "/no/such/place"]) == 2
    assert capsys.readouterr().err.strip() == "syncer: /no/such/place: no such file or folder"


def test_validate_lists_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text('[trackers.ops]\ntype = "jira"\nproject = "x"\n[state]\npth = "s.db"\n')
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "syncer: invalid configuration (5 problems)",
        "  syncer.toml:1: trackers.ops.url: required, but missing",
        "  syncer.toml:1: trackers.ops: set the environment variable SYNCER_OPS_TOKEN",
        "  syncer.toml:1: trackers.ops.email: Jira Cloud needs the token's account email "
        "(in the file or SYNCER_OPS_EMAIL)",
        '  syncer.toml:3: trackers.ops.project: "x": a Jira project key is 2-10 capital '
        "letters, digits or _, starting with a letter (e.g. OPS)",
        "  syncer.toml:5: state.pth: unknown key; did you mean 'path'?",
    ]


def test_summary_leaves_out_zero_counts() -> None:
    assert summary_text({"documents": 3, "items": 15, "created": 15, "failed": 0}) == (
        "documents 3, items 15: created 15"
    )
    assert summary_text({"documents": 1, "items": 0, "created": 0}) == (
        "documents 1, items 0: nothing to do"
    )


def test_the_sandbox_refuses_a_non_loopback_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "0.0.0.0"]) == 2  # noqa: S104  # refused, never bound
    err = capsys.readouterr().err
    assert "only binds to loopback addresses unless --allow-remote" in err


def test_main_reads_the_environment_and_streams_it_is_given(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text(
        '[trackers.ops]\ntype = "github"\nrepository = "acme/web"\n', encoding="utf-8"
    )
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    env_file = tmp_path / "syncer.env"
    env_file.write_text("SYNCER_STATE__PATH=from-file.db\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    before = dict(os.environ)
    code = main(
        ["validate", "--config", str(config), "--env-file", str(env_file)],
        env={"SYNCER_OPS_TOKEN": "t0k-of-some-length"},
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    assert out.getvalue().strip().endswith(f"1 post-mortem; state: {tmp_path / 'from-file.db'})")
    assert dict(os.environ) == before  # the env file filled the given mapping, not the process's
    missing = io.StringIO()
    assert main(["validate", "--config", str(config)], env={}, stderr=missing) == 2
    assert "set the environment variable SYNCER_OPS_TOKEN" in missing.getvalue()


@pytest.mark.parametrize(
    ("code", "absent"),
    [
        (
            "from syncer.cli import main; import io; "
            f"main(['parse', {str(FIXTURES / 'table_pipes.md')!r}], env={{}}, "
            "stdout=io.StringIO(), stderr=io.StringIO())",
            ("syncer.sandbox",),
        ),
        ("import syncer.commands.sync, syncer.commands.validate", ("syncer.sandbox",)),
        (
            "import syncer.core.render",
            ("syncer.shell.sync", "syncer.shell.apply", "syncer.sandbox"),
        ),
    ],
)
def test_the_import_graph_keeps_product_and_renderer_apart(
    code: str, absent: tuple[str, ...]
) -> None:
    check = f"{code}; import sys; print(sorted(m for m in sys.modules if m.startswith('syncer.')))"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    loaded = done.stdout
    assert "syncer." in loaded
    for module in absent:
        assert f"'{module}'" not in loaded
        assert f"'{module}." not in loaded


HEAVY = ("jira", "github", "pygal", "jinja2", "psycopg")
"""Tracker clients, the report's chart and template libraries, the PostgreSQL driver."""


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["parse", "--help"]])
def test_version_and_help_load_no_tracker_client_renderer_or_database_driver(
    argv: list[str],
) -> None:
    # A fresh interpreter: this one has imported everything already.
    check = (
        "import io, json, sys; from syncer.cli import main; "
        f"code = main({argv!r}, env={{}}, stdout=io.StringIO(), stderr=io.StringIO()); "
        "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    code, packages = json.loads(done.stdout)
    assert code == 0
    assert "syncer" in packages
    assert sorted(set(HEAVY) & set(packages)) == []


def test_plan_json_gives_every_change_the_same_keys() -> None:
    ref = TicketRef(system="jira", key="OPS-1")
    fields = TicketFields(title="Pin the TLS library", body="b")
    create = CreateChange(
        tracker="ops", item_key="inc-1.x", source="a.md", reason="why", fields=fields
    )
    common = create.model_dump(exclude={"kind", "fields"})
    changes: list[Change] = [
        create,
        LinkChange.model_validate({**common, "ref": ref}),
        UpdateChange.model_validate({**common, "ref": ref, "fields": fields, "changed": ["title"]}),
    ]
    shapes = plan_json(Plan(changes=tuple(changes)))["changes"]
    keys = ["kind", "tracker", "item_key", "source", "ref", "fields", "changed", "reason", "before"]
    assert [list(shape) for shape in shapes] == [keys] * 3
    assert [(s["kind"], s["ref"], s["changed"]) for s in shapes] == [
        ("create", None, []),
        ("link", {"system": "jira", "key": "OPS-1", "url": None}, []),
        ("update", {"system": "jira", "key": "OPS-1", "url": None}, ["title"]),
    ]
    assert shapes[1]["fields"] is None
