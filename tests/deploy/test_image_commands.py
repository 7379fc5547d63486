"""The image's commands, without Docker (no engine runs here): what the Dockerfile does, by hand.

The wheel is built from this checkout and installed into a fresh virtual environment the way
the image's build stage does it (the hash-checked lock first, then syncer with ``--no-deps``),
the sandbox is removed from it (``.dockerignore`` keeps it out of the image), and the image's
commands run as an unprivileged user (``nobody``, when the tests run as root), with the
configuration in a read-only folder and ``SYNCER_STATE__PATH`` on a folder that user owns, as
``/config`` and ``/var/lib/syncer`` are in the image. The trackers are the sandbox, served by
this test process on loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id
from tests.support.e2e import INCIDENT_CDN, INCIDENT_DB, ITEMS

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534


def _as_user() -> list[str]:
    """The prefix that drops root, as the image's ``USER`` does; nothing when not root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding ``venv/`` (syncer as the image installs it) readable by anyone."""
    # pytest's own temporary folders are private to root; the unprivileged user must get in.
    top = Path(tempfile.mkdtemp(prefix="syncer-image-", dir="/tmp"))
    top.chmod(0o755)
    try:
        wheels = tmp_path_factory.mktemp("wheel")
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True)
        [wheel] = wheels.glob("syncer-*.whl")
        venv = top / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        vpip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        lock = ROOT / "requirements.lock"
        subprocess.run([*vpip, "install", "--require-hashes", "--no-deps", "-r", str(lock)],
                       check=True)  # fmt: skip
        subprocess.run([*vpip, "install", "--no-deps", str(wheel)], check=True)
        # -I: the installed syncer, never this checkout's (the current folder is not searched).
        site = subprocess.run(
            [str(venv / "bin" / "python"), "-I", "-c", "import syncer, os; print(os.path.dirname("
             "syncer.__file__))"],
            check=True, capture_output=True, text=True, cwd=top,
        ).stdout.strip()  # fmt: skip
        installed = Path(site)
        assert installed.is_relative_to(venv), installed
        shutil.rmtree(installed / "sandbox")  # as .dockerignore leaves it out of the image
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def mounts(image: Path, tmp_path: Path) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """(/config, /var/lib/syncer, environment): a read-only configuration, a state volume."""
    with Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox:
        work = Path(tempfile.mkdtemp(prefix="syncer-mounts-", dir="/tmp"))
        work.chmod(0o755)
        config, state = work / "config", work / "state"
        (config / "postmortems").mkdir(parents=True)
        (config / "postmortems" / "inc-3101.md").write_text(INCIDENT_DB)
        (config / "postmortems" / "inc-3102.md").write_text(INCIDENT_CDN)
        (config / "syncer.toml").write_text(
            demo.sandbox_config(
                sandbox.url,
                flavor="cloud",
                project="OPS",
                repository="acme/platform",
                jira_accounts={p: jira_account_id(p) for p in demo.PEOPLE},
                jira_email=sandbox.jira_email,
            ).replace('team = "web"', 'team = "no-such-team"')
        )
        for path in [config, *config.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)  # mounted read-only
        state.mkdir()
        if os.geteuid() == 0:
            os.chown(state, NOBODY, NOBODY)
        env = {
            "PATH": f"{image / 'venv' / 'bin'}:/usr/bin:/bin",
            "HOME": str(state),
            "PYTHONUNBUFFERED": "1",
            "SYNCER_STATE__PATH": str(state / "state.db"),
            **demo.sandbox_env(
                jira_token=sandbox.jira_token,
                jira_email=sandbox.jira_email,
                github_token=sandbox.github_token,
                flavor="cloud",
            ),
        }
        try:
            yield config, state, env
            assert len(sandbox.jira_issues("OPS")) == ITEMS
        finally:
            shutil.rmtree(work, ignore_errors=True)


def syncer(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_as_user(), "syncer", *args], env=env, capture_output=True, text=True, check=False,
        cwd="/",
    )  # fmt: skip


@pytest.mark.slow
def test_the_image_commands_run_as_a_non_root_user_with_a_read_only_config(
    mounts: tuple[Path, Path, dict[str, str]],
) -> None:
    config, state, env = mounts
    toml = str(config / "syncer.toml")
    # Before any cycle, the probe says so (and fails).
    probe = syncer(env, "health", "--config", toml)
    assert probe.returncode == 1
    assert "no cycle recorded yet" in probe.stdout
    # CMD ["run", "--once", "--config", "/config/syncer.toml"]
    once = syncer(env, "run", "--once", "--config", toml)
    assert once.returncode == 0, once.stderr
    assert "created 7" in once.stdout
    assert "cycle finished" in once.stderr
    assert (state / "state.db").exists()
    assert not list(config.glob("*.db*"))  # nothing written beside the configuration
    again = syncer(env, "--log-format", "json", "run", "--once", "--config", toml)
    assert again.returncode == 0, again.stderr
    assert "unchanged 7" in again.stdout
    # HEALTHCHECK CMD ["syncer", "health", "--config", "/config/syncer.toml"]
    probe = syncer(env, "health", "--config", toml)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert ": ok: last successful cycle" in probe.stdout
    # The test stand-in is not in the image; saying so is one line, not a traceback.
    sandbox = syncer(env, "sandbox")
    assert sandbox.returncode == 2
    assert sandbox.stderr.startswith("syncer: the sandbox is not installed here")
    # A state folder the user cannot write: one line naming the setting, exit 2.
    unwritable = {**env, "SYNCER_STATE__PATH": str(config / "state.db")}
    refused = syncer(unwritable, "run", "--once", "--config", toml)
    assert refused.returncode == 2, refused.stderr
    [line] = [line for line in refused.stderr.splitlines() if line.startswith("syncer: ")]
    assert line.startswith("syncer: state.path: the state folder"), refused.stderr
    assert "Traceback" not in refused.stderr
