"""``syncer demo``: the README's first command, and the by-hand idempotency check after it."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.sandbox import Sandbox


def test_demo_syncs_the_examples_and_a_restarted_sandbox_gets_no_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "demo"
    assert main(["demo", "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "== plan (the dry run) ==" in out
    assert "created 18" in out
    for name in ("syncer.toml", "syncer.env", "sandbox.json", "state.db", "report.md"):
        assert (workdir / name).is_file(), name
    assert len(list((workdir / "postmortems").glob("*.md"))) == 4
    saved = json.loads((workdir / "sandbox.json").read_text())
    assert len(saved["jira_issues"]) + len(saved["github_issues"]) == 18
    # The follow-up report: written, its path and headline counts printed. The examples hold
    # an unowned item (INC-2050's load test), a recurrence (INC-2050 after INC-2041 on
    # payments-proxy) and overdue items (dates in 2026, so any later day has them).
    assert f"  {workdir / 'followup-report.html'}" in out
    assert "1 unowned" in out
    assert "1 recurrence" in out
    assert "0 untracked" in out
    overdue = int(re.search(r"(\d+) overdue", out).group(1))  # type: ignore[union-attr]
    assert overdue >= 1
    markdown = (workdir / "followup-report.md").read_text()
    assert "INC-2050 recurred on payments-proxy 35 days after INC-2041" in markdown
    # An assignee that is the owner's mapped account (a Jira Cloud accountId) is not repeated.
    assert "(assignee 712020:" not in markdown
    assert "| alice |" in markdown
    assert "<svg" in (workdir / "followup-report.html").read_text()

    for name in ("SYNCER_OPS_JIRA_TOKEN", "SYNCER_OPS_JIRA_EMAIL", "SYNCER_PLATFORM_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)  # the env file must be enough
    port = int(re.search(r"--port (\d+)", out).group(1))  # type: ignore[union-attr]
    sandbox = Sandbox("cloud", data_path=workdir / "sandbox.json")
    sandbox.start(port=port)
    try:
        code = main(
            [
                "sync",
                "--config",
                str(workdir / "syncer.toml"),
                "--env-file",
                str(workdir / "syncer.env"),
            ]
        )
        writes = [r for r in sandbox.requests if r.method != "GET"]
    finally:
        sandbox.stop()
    assert code == 0
    assert writes == []
    assert "unchanged 18" in capsys.readouterr().out


def test_the_demo_without_a_workdir_keeps_what_it_shows_and_says_how_to_remove_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    folder = Path(re.search(r"post-mortems in (\S+)", out).group(1))  # type: ignore[union-attr]
    # The report whose path was printed can be opened after the demo ends.
    assert f"  {folder / 'followup-report.html'}" in out
    assert (folder / "followup-report.html").is_file()
    # The last line removes it, as printed.
    remove = out.rstrip().splitlines()[-1].strip()
    assert remove == f"rm -r {shlex.quote(str(folder))}"
    subprocess.run(["sh", "-c", remove], check=True)
    assert not folder.exists()


def _printed_commands(out: str) -> list[str]:
    """The commands the demo tells the reader to run, exactly as printed."""
    return [
        line.strip()
        for line in out.splitlines()
        if line.startswith("    ") and (" sandbox --port " in line or " sync --config " in line)
    ]


def _clean_env() -> dict[str, str]:
    # As in a fresh terminal: no sandbox credentials, only what the printed commands pass.
    return {k: v for k, v in os.environ.items() if not k.startswith("SYNCER_")}


def _read_until(process: subprocess.Popen[str], marker: str, *, limit: float = 60) -> str:
    """Stdout of ``process`` up to the line holding ``marker`` (a hang guard, not a timer)."""
    seen: list[str] = []
    box: dict[str, str] = {}

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if marker in line:
                box["done"] = "".join(seen)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(limit)
    assert "done" in box, "".join(seen)
    return box["done"]


def test_each_command_the_demo_prints_works_as_printed(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["demo", "--workdir", str(tmp_path / "demo")], stdout=out) == 0
    sandbox_line, sync_line = _printed_commands(out.getvalue())
    assert " sandbox --port " in sandbox_line
    assert " sync --config " in sync_line
    with subprocess.Popen(
        shlex.split(sandbox_line), stdout=subprocess.PIPE, text=True, env=_clean_env()
    ) as server:
        _check_a_second_sync(server, sync_line)


def _check_a_second_sync(server: subprocess.Popen[str], sync_line: str) -> None:
    try:
        _read_until(server, "Ctrl-C stops the sandbox.")
        done = subprocess.run(
            shlex.split(sync_line),
            capture_output=True,
            text=True,
            env=_clean_env(),
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "unchanged 18" in done.stdout
        assert "created" not in done.stdout
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0


def test_python_dash_m_syncer_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "syncer", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("syncer ")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    assert program, "chromium is needed: apt-get install -y chromium (.ci/run installs it)"
    return subprocess.run(
        [program, "--headless=new", "--no-sandbox", "--disable-gpu", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_demo_serve_keeps_the_page_up_until_ctrl_c_and_it_renders_in_a_browser(
    tmp_path: Path,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "syncer", "demo", "--serve", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    ) as process:
        _check_the_served_page(process)


def _check_the_served_page(process: subprocess.Popen[str]) -> None:
    try:
        out = _read_until(process, "Ctrl-C stops the sandbox.")
        page = re.search(r"the issues page: (\S+)", out).group(1)  # type: ignore[union-attr]
        with urllib.request.urlopen(page, timeout=30) as answer:  # noqa: S310  # loopback
            html = answer.read().decode()
        assert html.count("<tr") == 18 + 2  # every issue, and a header row per table
        assert "class=overdue" in html
        assert " UTC</td>" in html

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "sandbox-page.png"
        shot.unlink(missing_ok=True)
        taken = _chromium("--window-size=1400,1400", f"--screenshot={shot}", page)
        assert shot.is_file(), taken.stderr
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank one

        dom = _chromium("--dump-dom", page + "?q=certificate&show=open").stdout
        assert "<title>syncer sandbox</title>" in dom
        rows = re.findall(r"<tr[ >].*?</tr>", dom, flags=re.S)
        titles = [r for r in rows if "<td" in r]
        assert titles
        assert all("certificate" in r.casefold() for r in titles)
        assert not any(">closed" in r for r in titles)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


ARTIFACTS = Path(__file__).parents[2] / "artifacts"
"""Test artifacts kept for a person to look at (ignored by git): the page's screenshot."""
