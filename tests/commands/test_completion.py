"""Shell completion, tried the way a user meets it: TAB in an interactive bash.

bash runs inside tmux (a real terminal, readline and all) with the script
``syncer completion bash`` prints loaded as ``eval "$(syncer completion bash)"`` would; keys are
typed into it and the screen is read back.
"""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.cli import main

TMUX = shutil.which("tmux")


class Terminal:
    """One interactive bash in a private tmux server."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        assert TMUX is not None, "tmux is needed (Debian's tmux package)"
        return subprocess.run(
            [TMUX, "-S", str(self.socket), *args], capture_output=True, text=True, check=True
        ).stdout

    def type(self, keys: str) -> None:
        self.tmux("send-keys", "-t", "t", "-l", keys)

    def press(self, key: str) -> None:
        self.tmux("send-keys", "-t", "t", key)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str) -> str:
        """The screen once it shows ``text`` (a deadline only against hanging for ever)."""
        deadline = time.monotonic() + 30
        while text not in (screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"never shown: {text!r}\n{screen}")
            time.sleep(0.05)
        return screen


@pytest.fixture
def bash(tmp_path: Path) -> Iterator[Terminal]:
    out = io.StringIO()
    assert main(["completion", "bash"], env={}, stdout=out, stderr=io.StringIO()) == 0
    script = tmp_path / "syncer-completion.bash"
    script.write_text(out.getvalue())
    work = tmp_path / "work"
    (work / "postmortems").mkdir(parents=True)
    (work / "syncer.toml").write_text("")
    rc = tmp_path / "bashrc"
    rc.write_text(
        "PS1='$ '\n"
        f"PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH\n"
        f"source {shlex.quote(str(script))}\n"
        f"cd {shlex.quote(str(work))}\n"
        "echo READY\n"
    )
    terminal = Terminal(tmp_path / "tmux.sock")
    terminal.tmux(
        "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "160", "-y", "40",
        f"env -i HOME={shlex.quote(str(tmp_path))} TERM=xterm "
        f"bash --noprofile --rcfile {shlex.quote(str(rc))} -i",
    )  # fmt: skip
    try:
        # The prompt after READY: keys typed before bash prints it are echoed ahead of it.
        terminal.wait_for("READY\n$")
        yield terminal
    finally:
        terminal.tmux("kill-server")


@pytest.mark.parametrize(
    ("typed", "completed"),
    [
        ("syncer plan --config syn", "syncer plan --config syncer.toml "),
        ("syncer parse postm", "syncer parse postmortems/"),
        ("syncer validate --env-file syn", "syncer validate --env-file syncer.toml "),
        ("syncer new INC-1 --dir postm", "syncer new INC-1 --dir postmortems/"),
        ("syncer pl", "syncer plan "),
    ],
)
def test_tab_completes_file_names_for_file_arguments(
    bash: Terminal, typed: str, completed: str
) -> None:
    bash.type(typed)
    bash.press("Tab")
    # The line as completed; a file name gets its closing space, a folder its slash (the
    # screen drops trailing spaces: type a mark to see it).
    bash.type("#")
    screen = bash.wait_for(f"{completed}#")
    assert f"$ {completed}#" in screen.splitlines()
