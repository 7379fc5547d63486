"""A throwaway PostgreSQL server for the state tests: initdb + pg_ctl in a temporary folder.

Uses Debian's ``postgresql`` package (``.ci/run`` installs it when missing). The server listens
on a free loopback port only, requires a password (SCRAM), and is deleted afterwards. initdb
refuses to run as root, so as root the cluster is made and run by the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "syncer_test"
PASSWORD = "pg-test-password-4711"


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and how to reach it."""

    folder: Path
    port: int
    bindir: Path
    run_as: str | None

    @property
    def url(self) -> str:
        """A URL without the password (the password goes separately, as syncer wants it)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl, newest version first."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install Debian's `postgresql` package "
        "(`apt-get install -y postgresql`; .ci/run does this)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(args: list[str], *, run_as: str | None) -> None:
    command = ["runuser", "-u", run_as, "--", *args] if run_as else args
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def start_server() -> PostgresServer:
    """initdb a new cluster in a temporary folder and start it on a free loopback port."""
    bindir = find_bindir()
    run_as = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="syncer-pg-"))
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        run_as=run_as,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off"
    )
    _run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        run_as=run_as,
    )
    return PostgresServer(folder=folder, port=port, bindir=bindir, run_as=run_as)


def stop_server(server: PostgresServer) -> None:
    try:
        _run(
            [
                str(server.bindir / "pg_ctl"),
                "-D",
                str(server.folder / "data"),
                "-m",
                "fast",
                "stop",
            ],
            run_as=server.run_as,
        )
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)
