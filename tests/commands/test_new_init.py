"""``syncer new``, ``syncer init`` and ``syncer completion``: starting points for a new user."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.commands.base import invocation
from syncer.commands.new import builtin_template

TOKEN = {"SYNCER_GH_TOKEN": "gh-token-123456"}


def _run(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_builtin_template_is_the_incident_process_template() -> None:
    text = builtin_template()
    assert text.startswith("# Post-Mortem: Incident INC-0000\n")
    assert "*   [ ] Fix the bug (Link to Ticket)" in text


def test_new_fills_in_the_template_and_never_overwrites(tmp_path: Path) -> None:
    argv = ["new", "INC-2041", "--dir", str(tmp_path), "--severity", "SEV2", "--title", "Proxy"]
    code, out, err = _run(argv)
    assert (code, err) == (0, "")
    written = tmp_path / "incident-INC-2041-post-mortem.md"
    assert out.splitlines()[0] == f"wrote {written}"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# Post-Mortem: Incident INC-2041: Proxy\n")
    assert f"**Date**: {date.today().isoformat()}" in text
    assert "**Severity**: SEV2" in text
    assert "INC-0000" not in text

    written.write_text("my edits", encoding="utf-8")
    code, out, err = _run(["new", "INC-2041", "--dir", str(tmp_path)])
    assert (code, out) == (2, "")
    assert err == f"syncer: {written} exists already: not overwritten\n"
    assert written.read_text(encoding="utf-8") == "my edits"


def test_a_new_post_mortem_parses_with_no_junk_items(tmp_path: Path) -> None:
    assert _run(["new", "INC-7", "--dir", str(tmp_path)])[0] == 0
    code, out, _ = _run(["parse", "--format", "json", str(tmp_path)])
    assert code == 0
    assert '"id": "INC-7"' in out
    assert '"items": []' in out  # the template's example items are not action items


def test_new_writes_into_the_configured_folder_from_the_configured_template(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "ours.md").write_text("# {incident_id} ({severity}) on {date}\n{title}\n")
    config = tmp_path / "syncer.toml"
    config.write_text(
        '[sources]\npaths = ["docs"]\ntemplate = "ours.md"\n'
        '[trackers.gh]\ntype = "github"\nrepository = "acme/web"\n'
    )
    code, _, err = _run(["new", "INC-9", "--config", str(config), "--title", "Disk full"])
    assert (code, err) == (0, "")  # no secrets needed to write a document
    text = (tmp_path / "docs" / "incident-INC-9-post-mortem.md").read_text()
    assert text == f"# INC-9 ([SEV1/SEV2]) on {date.today().isoformat()}\nDisk full\n"


@pytest.mark.parametrize("incident", ["../etc/passwd", "INC 1", ""])
def test_new_refuses_an_id_that_is_not_a_file_name(tmp_path: Path, incident: str) -> None:
    code, _, err = _run(["new", incident, "--dir", str(tmp_path)])
    assert code == 2
    assert "is not an incident id" in err
    assert list(tmp_path.iterdir()) == []


def test_init_writes_a_configuration_that_validates_and_says_what_to_run(tmp_path: Path) -> None:
    argv = ["init", str(tmp_path), "--tracker", "github", "--repository", "acme/web"]
    argv += ["--name", "gh"]
    code, out, err = _run(argv)
    assert (code, err) == (0, "")
    config = tmp_path / "syncer.toml"
    lines = out.splitlines()
    assert lines[0] == f"wrote {config}"
    assert lines[-3:] == [
        f"  {invocation()} {c} --config {config}" for c in ("validate", "plan", "sync")
    ]
    assert "SYNCER_GH_TOKEN" in out
    (tmp_path / "postmortems").mkdir()
    assert _run(["new", "INC-1", "--config", str(config)])[0] == 0
    code, out, err = _run(["validate", "--config", str(config)], TOKEN)
    assert (code, err) == (0, "")
    assert "1 post-mortem" in out
    assert _run(argv)[0] == 2  # never overwritten


def test_init_for_jira_asks_nothing_off_a_terminal(tmp_path: Path) -> None:
    code, out, err = _run(["init", str(tmp_path), "--url", "https://acme.atlassian.net"])
    assert (code, err) == (0, "")
    text = (tmp_path / "syncer.toml").read_text()
    assert 'project = "OPS"' in text
    assert "?" not in out.splitlines()[0]
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    env = {"SYNCER_OPS_JIRA_TOKEN": "jira-token-123", "SYNCER_OPS_JIRA_EMAIL": "b@acme.example"}
    assert _run(["validate", "--config", str(tmp_path / "syncer.toml")], env)[0] == 0


def test_init_refuses_a_bad_repository(tmp_path: Path) -> None:
    code, _, err = _run(["init", str(tmp_path), "--tracker", "github", "--repository", "web"])
    assert code == 2
    assert err == "syncer: --repository: 'web' must look like owner/name\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_come_from_the_parser(shell: str, tmp_path: Path) -> None:
    code, out, err = _run(["completion", shell])
    assert (code, err) == (0, "")
    for word in ("validate", "plan", "sync", "new", "init", "check-trackers", "env-file"):
        assert word in out
    program = shutil.which(shell)
    if program is not None:  # the script is valid syntax for the shell that will load it
        script = tmp_path / f"syncer.{shell}"
        script.write_text(out)
        flag = "--no-execute" if shell == "fish" else "-n"
        checked = subprocess.run(
            [program, flag, str(script)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr


def test_init_asks_on_a_terminal_and_enter_keeps_the_default(tmp_path: Path) -> None:
    import os
    import pty
    import sys

    primary, secondary = pty.openpty()
    answers = b"github\n\nacme/ops\n\n"  # type, name (default), repository, folder (default)
    with subprocess.Popen(
        [sys.executable, "-m", "syncer", "init", str(tmp_path)],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
    ) as process:
        os.close(secondary)
        os.write(primary, answers)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closes when the program ends
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=60) == 0, seen.decode()
    os.close(primary)
    text = seen.decode()
    assert "Tracker type (jira or github) [jira]:" in text
    assert "GitHub repository (owner/name) [acme/postmortems]:" in text
    config = (tmp_path / "syncer.toml").read_text()
    assert "[trackers.gh]" in config
    assert 'repository = "acme/ops"' in config
    assert 'paths = ["postmortems"]' in config


def test_init_slugs_a_tracker_name_with_a_space_and_the_file_validates(tmp_path: Path) -> None:
    argv = ["init", str(tmp_path), "--name", "Ops Jira", "--url", "https://acme.atlassian.net"]
    code, out, err = _run(argv)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "tracker name 'Ops Jira' written as 'ops-jira'"
    assert "SYNCER_OPS_JIRA_TOKEN and SYNCER_OPS_JIRA_EMAIL" in out
    text = (tmp_path / "syncer.toml").read_text()
    assert "[trackers.ops-jira]" in text
    # The worker and the report have their sections, as init's help promises.
    assert "\n[worker]\n" in text
    assert "\n[report]\n" in text
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    env = {"SYNCER_OPS_JIRA_TOKEN": "jira-token-123", "SYNCER_OPS_JIRA_EMAIL": "b@acme.example"}
    code, out, err = _run(["validate", "--config", str(tmp_path / "syncer.toml")], env)
    assert (code, err) == (0, ""), out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--name", "https://acme.atlassian.net", "looks like an address"),
        ("--name", "acme.atlassian.net", "looks like an address"),
        ("--name", "7eleven", "is not a tracker name"),
        ("--url", "acme.atlassian.net", "did you mean 'https://acme.atlassian.net'?"),
        ("--url", "postmortems", "'postmortems' is not a URL"),
        ("--url", "ftp://acme.example", "is not a URL"),
        ("--project", "ops jira", "is not a Jira project key"),
        ("--sources", "https://github.com/acme/postmortems", "looks like an address"),
    ],
)
def test_init_refuses_an_answer_that_would_write_a_broken_file(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    code, out, err = _run(["init", str(tmp_path), option, value])
    assert (code, out) == (2, "")
    assert err.startswith(f"syncer: {option}: ")
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_init_points_at_the_repository_name_in_a_github_page_address(tmp_path: Path) -> None:
    argv = ["init", str(tmp_path), "--tracker", "github"]
    code, _, err = _run([*argv, "--repository", "https://github.com/acme/web"])
    assert code == 2
    assert "did you mean 'acme/web'?" in err


def _on_a_terminal(argv: list[str], answers: bytes) -> tuple[int, str]:
    import os
    import pty
    import sys

    primary, secondary = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "syncer", *argv], stdin=secondary, stdout=secondary, stderr=secondary
    ) as process:
        os.close(secondary)
        os.write(primary, answers)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closes when the program ends
                break
            if not chunk:
                break
            seen += chunk
        code = process.wait(timeout=60)
    os.close(primary)
    return code, seen.decode()


def test_init_on_a_terminal_asks_again_after_a_bad_answer(tmp_path: Path) -> None:
    # type, name (a URL, then a name with a space), project, URL without scheme then Enter
    # (the corrected URL is offered as the default), folder (default)
    answers = b"jira\nhttps://acme.atlassian.net\nops jira\nOPS\nacme.atlassian.net\n\n\n"
    code, text = _on_a_terminal(["init", str(tmp_path)], answers)
    assert code == 0, text
    assert "looks like an address" in text
    assert "Jira site URL [https://acme.atlassian.net]:" in text
    config = (tmp_path / "syncer.toml").read_text()
    assert "[trackers.ops-jira]" in config
    assert 'url = "https://acme.atlassian.net"' in config
