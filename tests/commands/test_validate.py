"""``syncer validate``: problems in the user's terms, with the line to look at, all in one run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.config_problems import key_lines, line_of

GOOD_DOC = "# Post-Mortem: Incident INC-1\n\n## Action Items\n- [ ] Fix it\n"


def _validate(tmp_path: Path, toml: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    config = tmp_path / "syncer.toml"
    config.write_text(toml, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--config", str(config)], env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "inc-1.md").write_text(GOOD_DOC, encoding="utf-8")
    return folder


def test_a_misspelt_tracker_type_is_named_with_its_line_and_a_suggestion(
    tmp_path: Path, docs: Path
) -> None:
    toml = '[trackers.web-github]\ntype = "jria"\nrepository = "acme/web"\n'
    code, out, err = _validate(tmp_path, toml, {"SYNCER_WEB_GITHUB_TOKEN": "gh-token-123"})
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "syncer: invalid configuration (1 problem)",
        "  syncer.toml:2: trackers.web-github.type: 'jria' is not a tracker type; "
        "did you mean 'jira'?",
    ]


def test_messages_speak_of_the_file_not_of_pydantic(tmp_path: Path, docs: Path) -> None:
    toml = """\
[sources]
paths = "postmortems"
pathz = ["x"]

[policies]
due_days = { SEV1 = 0, SEV2 = -3 }
default_due_days = 0

[trackers.web-github]
type = "github"
repository = "acme"
owners = { alice = "", bob = "bob-acme" }
pacing = { seconds_between_writes = "fast" }

[trackers.ops-jira]
type = "jira"
url = "https://jira.example"
project = "OPS"
flavor = "clod"
"""
    code, _, err = _validate(tmp_path, toml)
    assert code == 2
    lines = [line.strip() for line in err.splitlines()]
    assert lines[0] == "syncer: invalid configuration (11 problems)"
    assert lines[1:] == [
        'syncer.toml:2: sources.paths: must be a list, e.g. ["postmortems"]',
        "syncer.toml:3: sources.pathz: unknown key; did you mean 'paths'?",
        "syncer.toml:6: policies.due_days.SEV1: must be at least 1, not 0",
        "syncer.toml:6: policies.due_days.SEV2: must be at least 1, not -3",
        "syncer.toml:7: policies.default_due_days: must be at least 1, not 0",
        "syncer.toml:9: trackers.web-github: set the environment variable SYNCER_WEB_GITHUB_TOKEN",
        'syncer.toml:11: trackers.web-github.repository: "acme": repository must look like '
        "owner/name, e.g. acme/web",
        "syncer.toml:12: trackers.web-github.owners.alice: must not be empty",
        "syncer.toml:13: trackers.web-github.pacing.seconds_between_writes: must be a number",
        "syncer.toml:15: trackers.ops-jira: set the environment variable SYNCER_OPS_JIRA_TOKEN",
        "syncer.toml:19: trackers.ops-jira.flavor: 'clod' is not one of the choices; "
        "did you mean 'cloud'?",
    ]
    for pydantic_words in ("Input should", "Extra inputs", "String should match", "Value error"):
        assert pydantic_words not in err


def test_every_missing_secret_is_listed_in_one_run(tmp_path: Path, docs: Path) -> None:
    toml = """\
default_tracker = "a"
[trackers.a]
type = "github"
repository = "acme/a"
[trackers.b]
type = "jira"
url = "https://jira.example"
project = "OPS"
"""
    code, _, err = _validate(tmp_path, toml)
    assert code == 2
    assert err.splitlines() == [
        "syncer: invalid configuration (3 problems)",
        "  syncer.toml:2: trackers.a: set the environment variable SYNCER_A_TOKEN",
        "  syncer.toml:5: trackers.b: set the environment variable SYNCER_B_TOKEN",
        "  syncer.toml:5: trackers.b.email: Jira Cloud needs the token's account email "
        "(in the file or SYNCER_B_EMAIL)",
    ]


GITHUB = '[trackers.gh]\ntype = "github"\nrepository = "acme/web"\n'


def test_a_source_path_that_does_not_exist_is_an_error(tmp_path: Path, docs: Path) -> None:
    toml = '[sources]\npaths = ["postmortems", "archive"]\n' + GITHUB
    code, out, err = _validate(tmp_path, toml, {"SYNCER_GH_TOKEN": "gh-token-123"})
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"syncer: {tmp_path / 'syncer.toml'}: 1 problem with the sources",
        f"  sources.paths: 'archive' does not exist (looked for {tmp_path / 'archive'})",
    ]


def test_empty_sources_are_refused_unless_expected(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()  # an unmounted volume looks like this
    code, _, err = _validate(tmp_path, GITHUB, {"SYNCER_GH_TOKEN": "gh-token-123"})
    assert code == 2
    assert "sources: no post-mortem found in postmortems (an unmounted volume?); set " in err
    out, errors = io.StringIO(), io.StringIO()
    config = str(tmp_path / "syncer.toml")
    env = {"SYNCER_GH_TOKEN": "gh-token-123"}
    assert main(["sync", "--config", config], env=env, stdout=out, stderr=errors) == 2
    assert errors.getvalue().startswith("syncer: nothing to read: refusing to run on empty sources")
    assert not (tmp_path / "state.db").exists()  # refused before anything was touched

    code, out_text, err = _validate(tmp_path, "[sources]\nallow_empty = true\n" + GITHUB, env)
    assert (code, err) == (0, "")
    assert "0 post-mortems" in out_text


def test_a_valid_configuration_says_what_it_found(tmp_path: Path, docs: Path) -> None:
    (docs / "inc-2.md").write_text(GOOD_DOC.replace("INC-1", "INC-2"), encoding="utf-8")
    code, out, err = _validate(tmp_path, GITHUB, {"SYNCER_GH_TOKEN": "gh-token-123"})
    assert (code, err) == (0, "")
    assert f"(trackers: gh; 2 post-mortems; state: {tmp_path / 'state.db'})" in out


def test_key_lines_follow_tables_arrays_dotted_and_inline_keys() -> None:
    text = """\
top = 1
[sources]  # comment
paths = ["a"]
[[routes]]
tracker = "x"
[[routes]]
team = "web"
[trackers."ops-jira"]
pacing.max_creates_per_run = 5
owners = { alice = "a", "bob" = "b" }
"""
    lines = key_lines(text)
    assert lines["top"] == 1
    assert lines["sources.paths"] == 3
    assert lines["routes.0.tracker"] == 5
    assert lines["routes.1.team"] == 7
    assert lines["trackers.ops-jira"] == 8
    assert lines["trackers.ops-jira.pacing.max_creates_per_run"] == 9
    assert lines["trackers.ops-jira.owners.bob"] == 10
    assert line_of("routes.1.tracker", lines) == 6  # missing key: its table's header
    assert line_of("worker.timezone", lines) is None


def test_a_bad_environment_override_names_its_variable_not_a_line_of_the_file(
    tmp_path: Path, docs: Path
) -> None:
    # An operator reading "syncer.toml:5" looks in the file and finds nothing wrong there.
    toml = '[state]\npath = "state.db"\n\n[worker]\nsync_every_minutes = 15\n' + GITHUB
    env = {
        "SYNCER_GH_TOKEN": "gh-token-123",
        "SYNCER_STATE__URL": "postgresql://syncer:hunter2-secret@db:5432/syncer",
        "SYNCER_STATE__PTH": "x.db",
        "SYNCER_WORKER__SYNC_EVERY_MINUTES": "0",
    }
    code, out, err = _validate(tmp_path, toml, env)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "syncer: invalid configuration (3 problems)",
        "  SYNCER_STATE__PTH (environment): state.pth: unknown key; did you mean 'path'?",
        "  SYNCER_STATE__URL (environment): state.url: must not contain a password: set "
        "SYNCER_STATE_PASSWORD (or PGPASSWORD) instead",
        "  SYNCER_WORKER__SYNC_EVERY_MINUTES (environment): worker.sync_every_minutes: must be "
        "at least 1, not 0",
    ]


def test_an_empty_state_path_is_refused_not_read_as_the_configuration_folder(
    tmp_path: Path, docs: Path
) -> None:
    # SYNCER_STATE__PATH="" (a Secret or ConfigMap key left empty) used to put the state at
    # the configuration's folder itself: "cannot open state database" at run time.
    code, out, err = _validate(
        tmp_path, GITHUB, {"SYNCER_GH_TOKEN": "t" * 12, "SYNCER_STATE__PATH": ""}
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "syncer: invalid configuration (1 problem)",
        "  SYNCER_STATE__PATH (environment): state.path: must not be empty",
    ]
    code, out, err = _validate(
        tmp_path, '[state]\npath = " "\n' + GITHUB, {"SYNCER_GH_TOKEN": "t" * 12}
    )
    assert err.splitlines()[1:] == ["  syncer.toml:2: state.path: must not be empty"]


def test_documents_that_belong_to_no_shard_are_a_problem(tmp_path: Path, docs: Path) -> None:
    # Without a catch-all shard, a post-mortem matching no shard is read by no worker: its
    # items would never get a ticket, and every worker would call its configuration valid.
    (docs / "web-1.md").write_text(GOOD_DOC.replace("INC-1", "INC-2"), encoding="utf-8")
    (docs / "api-1.md").write_text(GOOD_DOC.replace("INC-1", "INC-3"), encoding="utf-8")
    toml = (
        '[sources]\npaths = ["postmortems"]\nroot = "postmortems"\n\n'
        '[state]\nshard = "web"\n\n[state.shards]\nweb = ["web-*"]\napi = ["api-*"]\n' + GITHUB
    )
    code, out, err = _validate(tmp_path, toml, {"SYNCER_GH_TOKEN": "gh-token-123"})
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"syncer: {tmp_path / 'syncer.toml'}: 1 problem with the sources",
        "  state.shards: 1 post-mortem belongs to no shard, so no worker reads it (inc-1.md); "
        'add a last shard that takes the rest, such as rest = ["**"]',
    ]
    fixed = toml.replace('api = ["api-*"]\n', 'api = ["api-*"]\nrest = ["**"]\n')
    code, out, err = _validate(tmp_path, fixed, {"SYNCER_GH_TOKEN": "gh-token-123"})
    assert (code, err) == (0, "")
    assert "1 post-mortem;" in out


def test_a_state_folder_that_cannot_be_written_is_refused_by_validate(
    tmp_path: Path, docs: Path
) -> None:
    # validate said "valid" and every scheduled run then exited 2: the check belongs here too.
    (tmp_path / "a-file").write_text("")
    env = {"SYNCER_GH_TOKEN": "gh-token-123", "SYNCER_STATE__PATH": str(tmp_path / "a-file/s.db")}
    code, out, err = _validate(tmp_path, GITHUB, env)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"syncer: state.path: the state folder {tmp_path / 'a-file'} cannot be written (not a "
        "folder); set [state] path or SYNCER_STATE__PATH to a folder this user can write"
    ]
    env["SYNCER_STATE__PATH"] = str(tmp_path / "new" / "deeper" / "s.db")  # made on first run
    code, out, err = _validate(tmp_path, GITHUB, env)
    assert (code, err) == (0, "")
    assert not (tmp_path / "new").exists()  # validate changes nothing
