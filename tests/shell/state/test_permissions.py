"""A state folder the user cannot write, for real: one line naming the setting, exit code 2.

As root (CI, containers) permissions do not apply, so the child process drops to ``nobody``
once its imports are done (the virtual environment may live where ``nobody`` cannot read); as
any other user it runs as that user against a folder made read-only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import os
import pwd
import sys
from pathlib import Path
from syncer.errors import StateError
from syncer.shell.state import SqliteTarget, open_store
if os.geteuid() == 0:
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
try:
    open_store(SqliteTarget(path=Path(sys.argv[1])))
except StateError as exc:
    print(exc)
    sys.exit(exc.exit_code)
"""


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    # Not pytest's tmp_path: as root that lives in a folder only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="syncer-ro-"))
    (folder / "config").mkdir()
    (folder / "config").chmod(0o555)
    folder.chmod(0o755)
    try:
        yield folder / "config"
    finally:
        (folder / "config").chmod(0o755)
        shutil.rmtree(folder)


def test_a_read_only_state_folder_is_one_line_naming_the_setting(read_only_folder: Path) -> None:
    command = [sys.executable, "-c", SCRIPT, str(read_only_folder / "state.db")]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == (
        f"state.path: the state folder {read_only_folder} cannot be written (Permission "
        "denied); set [state] path or SYNCER_STATE__PATH to a folder this user can write\n"
    )
    assert list(read_only_folder.iterdir()) == []
