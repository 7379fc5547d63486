"""Everyday commands: a default configuration, format names, misspellings, help, CI gates."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox

GOOD_DOC = "# Post-Mortem: Incident INC-1\n\n## Action Items\n- [ ] Fix it\n"
CONFIG = '[sources]\npaths = ["postmortems"]\n[trackers.gh]\ntype = "github"\nrepository = "a/b"\n'
TOKEN = {"SYNCER_GH_TOKEN": "gh-token-123456"}


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A folder holding syncer.toml and one post-mortem, as the current folder."""
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "inc-1.md").write_text(GOOD_DOC)
    (tmp_path / "syncer.toml").write_text(CONFIG)
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(here)


def test_the_configuration_defaults_to_syncer_toml_in_the_current_folder(folder: Path) -> None:
    code, out, err = _run(["validate"], TOKEN)
    assert (code, err) == (0, "")
    assert out.startswith("syncer.toml: valid")


def test_syncer_config_names_the_configuration_anywhere(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    code, out, err = _run(["validate"], {**TOKEN, "SYNCER_CONFIG": str(folder / "syncer.toml")})
    assert (code, err) == (0, "")
    assert out.startswith(f"{folder / 'syncer.toml'}: valid")
    # --config still wins.
    code, _, err = _run(["validate", "--config", "nowhere.toml"], {"SYNCER_CONFIG": "x"})
    assert (code, err) == (2, "syncer: nowhere.toml: no such configuration file\n")


def test_no_configuration_anywhere_says_where_it_looked(tmp_path: Path) -> None:
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, out, err = _run(["plan"])
    finally:
        os.chdir(here)
    assert (code, out) == (2, "")
    assert err == (
        "syncer: no configuration: give --config FILE, set SYNCER_CONFIG, or run where "
        "syncer.toml is (`syncer init` writes one)\n"
    )


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["plan", "--confg", "x"], "did you mean --config?"),
        (["parse", "--formt"], "did you mean --format?"),
        (["new", "--dri", "docs"], "did you mean --dir?"),
    ],
)
def test_a_misspelt_option_gets_its_suggestion_even_when_an_argument_is_missing(
    argv: list[str], hint: str
) -> None:
    code, out, err = _run(argv)
    assert (code, out) == (2, "")
    assert hint in err.splitlines()[-1]


def test_health_help_describes_health_exit_codes() -> None:
    code, out, _ = _run(["health", "--help"])
    assert code == 0
    codes = out.split("exit codes:")[1]
    assert "  1   unhealthy: no cycle yet, or the last success is older than --max-age" in codes
    assert "partial failure" not in codes


def test_every_command_that_formats_markdown_takes_both_names() -> None:
    from syncer.cli import build_parser

    parser = build_parser()
    for command in ("plan", "sync", "report"):
        for name in ("md", "markdown"):
            args = parser.parse_args([command, "--format", name])
            assert args.format in ("md", "markdown"), (command, name)
        canonical = {parser.parse_args([command, "--format", n]).format for n in ("md", "markdown")}
        assert len(canonical) == 1, command  # both names reach the command as one


@pytest.fixture
def kind() -> str:
    return "github"


@pytest.fixture
def memory() -> str:
    return "state-kept"


def test_plan_detailed_exitcode_gates_ci_on_pending_changes(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(workspace / "syncer.toml")]
    assert main(["plan", *config]) == 0  # without the flag, a plan that succeeds is 0
    assert main(["plan", *config, "--detailed-exitcode", "--format", "md"]) == 5
    assert "## Planned changes" in capsys.readouterr().out
    assert main(["sync", *config]) == 0
    assert main(["plan", *config, "--detailed-exitcode"]) == 0  # in step: nothing pending


def test_validate_lists_source_problems_with_missing_secrets(folder: Path) -> None:
    (folder / "syncer.toml").write_text(CONFIG.replace('"postmortems"', '"missing"'))
    code, _, err = _run(["validate"])
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == "syncer: invalid configuration (3 problems)"
    assert "set the environment variable SYNCER_GH_TOKEN" in lines[1]
    assert lines[2].startswith("  sources.paths: 'missing' does not exist")
    assert lines[3].startswith("  sources: no post-mortem found in missing")


def test_new_writes_into_the_folder_of_the_default_configuration(folder: Path) -> None:
    code, out, err = _run(["new", "INC-2"])
    assert (code, err) == (0, "")
    written = folder / "postmortems" / "incident-INC-2-post-mortem.md"
    assert out.splitlines()[0] == f"wrote {written}"
    assert written.is_file()


def test_health_reads_the_default_configuration_too(folder: Path) -> None:
    code, out, err = _run(["health"])
    assert (code, err) == (1, "")
    assert out == f"{folder / 'state.db'}: no cycle recorded yet\n"
