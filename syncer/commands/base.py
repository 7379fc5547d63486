"""What every command gets and shares: its streams, its environment, and secret redaction.

``Context`` replaces module-level state: ``syncer.cli.main`` builds one per call from the streams
and environment it was handed (httpie's ``main(args, env)``), so commands never touch
``sys.stdout`` or ``os.environ`` themselves.
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeAlias

from syncer.config import Config, load_config, load_env_file
from syncer.errors import ExitCode
from syncer.logs import RedactingHandler, redact
from syncer.outcome import SyncOutcome
from syncer.state import PASSWORD_ENV

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``register(commands)`` receives: ``parser.add_subparsers()``."""


class Redactor:
    """The secrets of this invocation, and their redaction from messages and log lines."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add_config(self, config: Config) -> None:
        """Keep every form of the configured secrets out of what syncer prints and logs."""
        for secrets in config.secrets.values():
            token = secrets.token.get_secret_value()
            self.secrets.add(token)
            if secrets.email:  # Basic auth sends base64(email:token); a debug log could show it
                self.secrets.add(base64.b64encode(f"{secrets.email}:{token}".encode()).decode())
        self.secrets.update(url.get_secret_value() for url in config.webhooks.values())

    def add(self, secret: str) -> None:
        self.secrets.add(secret)

    def scrub(self, text: str) -> str:
        """``text`` with secret values masked (``syncer.logs.redact``)."""
        return redact(text, self.secrets)


@dataclass
class Context:
    """One invocation's streams and environment (a private copy: commands may add to it)."""

    stdout: TextIO
    stderr: TextIO
    env: MutableMapping[str, str]
    redactor: Redactor = field(default_factory=Redactor)
    log_handler: RedactingHandler | None = None
    """The handler every log line goes through (set by ``syncer.cli.main``)."""

    def out(self, text: str = "", *, flush: bool = False) -> None:
        print(text, file=self.stdout, flush=flush)

    def err(self, message: str) -> None:
        """One line to stderr, ``syncer: `` first, secrets scrubbed."""
        print(f"syncer: {self.redactor.scrub(message)}", file=self.stderr)

    def load(self, args: argparse.Namespace) -> Config:
        """The configuration named by ``--config`` (and ``--env-file``), secrets registered."""
        if args.env_file:
            load_env_file(Path(args.env_file), self.env)
        config = load_config(Path(args.config), environ=self.env)
        self.redactor.add_config(config)
        for name in (PASSWORD_ENV, "PGPASSWORD"):  # the state database's password
            if password := self.env.get(name):
                self.redactor.add(password)
        return config


Run = Callable[[argparse.Namespace, Context], ExitCode]
"""What a command's ``run`` default is."""


def configured_command(
    commands: Subcommands, name: str, help_text: str, run: Run
) -> argparse.ArgumentParser:
    """A subcommand that reads a configuration: ``--config`` and ``--env-file``."""
    command: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    command.add_argument("--config", required=True, metavar="FILE", help="syncer.toml")
    command.add_argument(
        "--env-file", metavar="FILE", help="KEY=value lines added to the environment"
    )
    command.set_defaults(run=run)
    return command


def exit_for(outcome: SyncOutcome) -> ExitCode:
    """The exit code a plan or sync outcome stands for."""
    if outcome.unavailable:
        return ExitCode.TRACKER
    failed = outcome.result.failed if outcome.result else 0
    return ExitCode.PARTIAL if failed or outcome.errors else ExitCode.OK
