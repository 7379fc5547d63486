"""The command line explains itself: global options anywhere, help with examples and exit codes.

The help snapshots in ``tests/snapshots/help/`` are the reviewed text of each ``--help``; after a
deliberate change, rewrite them with
``pytest tests/commands/test_help.py --update-snapshots`` and read the diff.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from syncer.cli import build_parser, main

SNAPSHOTS = Path(__file__).parents[1] / "snapshots" / "help"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal's width


@pytest.mark.parametrize("name", [None, *sorted(_subcommands())])
def test_help_matches_its_snapshot(name: str | None, request: pytest.FixtureRequest) -> None:
    code, out, err = _run(["--help"] if name is None else [name, "--help"])
    assert (code, err) == (0, "")
    snapshot = SNAPSHOTS / f"{name or 'syncer'}.txt"
    if request.config.getoption("--update-snapshots"):
        snapshot.write_text(out, encoding="utf-8")
    assert out == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_explains_itself(name: str) -> None:
    command = _subcommands()[name]
    assert command.description
    assert len(command.description) > 80, "a one-paragraph description"
    assert command.epilog
    examples, codes = command.epilog.split("exit codes:")
    shown = [line for line in examples.splitlines() if line.startswith("  syncer ")]
    assert 2 <= len(shown) <= 3, examples
    assert "  0   ok" in codes or "  0   healthy" in codes
    for action in command._actions:
        assert action.help, f"syncer {name} {action.option_strings or action.dest}: no help text"


def test_every_top_level_option_has_help() -> None:
    for action in build_parser()._actions:
        assert action.help, action.option_strings


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "--traceback", "validate", "--config", "{config}"],
        ["validate", "-v", "--traceback", "--config", "{config}"],
        ["validate", "--config", "{config}", "--traceback", "-v"],
    ],
)
def test_global_options_work_before_or_after_the_command(tmp_path: Path, argv: list[str]) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text("[sources]\nallow_empty = true\n", encoding="utf-8")
    args = build_parser().parse_args([a.format(config=config) for a in argv])
    assert (args.verbose, args.traceback, args.command) == (1, True, "validate")


def test_env_file_may_come_before_the_command(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text('[trackers.ops]\ntype = "github"\nrepository = "acme/web"\n')
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    env_file = tmp_path / "syncer.env"
    env_file.write_text("SYNCER_OPS_TOKEN=t0k-0123456789\n")
    for argv in (
        ["--env-file", str(env_file), "validate", "--config", str(config)],
        ["validate", "--config", str(config), "--env-file", str(env_file)],
    ):
        code, _, err = _run(argv)
        assert (code, err) == (0, "")


def test_defaults_hold_when_no_global_option_is_given() -> None:
    args = build_parser().parse_args(["parse", "x.md"])
    assert (args.verbose, args.traceback, args.env_file) == (0, False, None)


def test_a_usage_error_goes_to_the_given_stderr_with_exit_2() -> None:
    code, out, err = _run(["sync", "--config", "s.toml", "--colour"])
    assert code == 2
    assert out == ""
    assert "unrecognized arguments: --colour" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["snyc"],
            "syncer: error: 'snyc' is not a syncer command; did you mean 'sync'? "
            "(`syncer --help` lists them)",
        ),
        (
            ["sync", "--config", "s.toml", "--format", "jsn"],
            "syncer sync: error: --format: 'jsn' is not one of text, json, markdown, md; "
            "did you mean 'json'?",
        ),
        (
            ["sync", "--config", "s.toml", "--fromat", "json"],
            "syncer: error: unrecognized arguments: --fromat json (did you mean --format?)",
        ),
    ],
)
def test_a_misspelt_command_or_option_gets_a_suggestion(argv: list[str], message: str) -> None:
    code, out, err = _run(argv)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == message


def test_a_bare_syncer_prints_its_help() -> None:
    code, out, err = _run([])
    assert (code, err) == (2, "")
    assert out.startswith("usage: syncer")
    assert "start here:" in out
