"""What every command gets and shares: its streams, its environment, and secret redaction.

``Context`` replaces module-level state: ``syncer.cli.main`` builds one per call from the streams
and environment it was handed (httpie's ``main(args, env)``), so commands never touch
``sys.stdout`` or ``os.environ`` themselves.
"""

from __future__ import annotations

import argparse
import base64
import logging
import shlex
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from syncer.errors import ExitCode
from syncer.logs import RedactingHandler, redact

# Every command imports this module, `syncer --help` included: what a command needs only when it
# runs is imported there (see syncer/commands/__init__.py).
if TYPE_CHECKING:
    from syncer.config import Config

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
    log_format: str = "text"
    """``--log-format``: with ``json``, error lines are JSON log lines too."""

    def out(self, text: str = "", *, flush: bool = False, end: str = "\n") -> None:
        print(text, file=self.stdout, flush=flush, end=end)

    def err(self, message: str, *, problems: Sequence[str] = ()) -> None:
        """One line to stderr, ``syncer: `` first, secrets scrubbed, then each problem on a line
        of its own; with ``--log-format json``, one JSON log line holding them all."""
        if self.log_format == "json":
            extra = {"fields": {"problems": list(problems)}} if problems else {}
            logging.getLogger("syncer.cli").error("%s", message, extra=extra)
            return
        print(f"syncer: {self.redactor.scrub(message)}", file=self.stderr)
        for problem in problems:
            print(f"  {self.redactor.scrub(problem)}", file=self.stderr)

    def warn(self, config: Config) -> None:
        """One line for each deprecated key the configuration sets (it still works)."""
        for deprecation in config.deprecations:
            self.err(f"warning: {deprecation}")

    def load(self, args: argparse.Namespace) -> Config:
        """The configuration named by ``--config`` (and ``--env-file``), secrets registered."""
        from syncer.config import load_config, load_env_file
        from syncer.shell.state import PASSWORD_ENV

        if getattr(args, "env_file", None):
            load_env_file(Path(args.env_file), self.env)
        config = load_config(Path(args.config), environ=self.env)
        self.redactor.add_config(config)
        self.warn(config)
        for name in (PASSWORD_ENV, "PGPASSWORD"):  # the state database's password
            if password := self.env.get(name):
                self.redactor.add(password)
        return config


Run = Callable[[argparse.Namespace, Context], ExitCode]
"""What a command's ``run`` default is."""


EXIT_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "ok",
    ExitCode.PARTIAL: "partial failure: some documents or changes failed (retried next run)",
    ExitCode.USAGE: "usage or configuration error: nothing was done",
    ExitCode.TRACKER: "a tracker was unreachable or refused the credentials",
    ExitCode.GATE: "--fail-on: the report holds items of a kind it gates on",
    ExitCode.LOCKED: "another run holds the state: nothing was done",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.TERMINATED: "terminated (SIGTERM): the write in flight finished and is recorded",
}
"""What each exit code means, as every command's ``--help`` lists it."""


def help_epilog(examples: Sequence[tuple[str, str]], exit_codes: Iterable[ExitCode]) -> str:
    """The ``--help`` tail every command has: examples, then the exit codes it can return."""
    lines = ["examples:"]
    for command, meaning in examples:
        lines += [f"  {command}", f"      {meaning}"]
    lines += ["", "exit codes:"]
    lines += [f"  {int(code):<4}{EXIT_MEANINGS[code]}" for code in exit_codes]
    return "\n".join(lines)


def add_command(
    commands: Subcommands,
    name: str,
    *,
    summary: str,
    description: str,
    examples: Sequence[tuple[str, str]],
    exit_codes: Iterable[ExitCode],
    run: Run,
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` explains itself: a paragraph, examples, exit codes.

    ``summary`` is the one line ``syncer --help`` lists; ``description`` the paragraph at the
    top of ``syncer NAME --help``.
    """
    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=88),
        epilog=help_epilog(examples, exit_codes),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=run)
    return command


def add_config_options(command: argparse.ArgumentParser) -> None:
    """``--config`` and ``--env-file``, for the commands that read a configuration."""
    command.add_argument(
        "--config", required=True, metavar="FILE", help="the configuration file (syncer.toml)"
    )
    command.add_argument(
        "--env-file",
        metavar="FILE",
        # Also accepted before the command name (syncer.cli's top level sets the default).
        default=argparse.SUPPRESS,
        help="KEY=value lines added to the environment (never overriding what is set)",
    )


def configured_command(
    commands: Subcommands,
    name: str,
    help_text: str,
    run: Run,
    *,
    description: str | None = None,
    examples: Sequence[tuple[str, str]] = (),
    exit_codes: Iterable[ExitCode] = (ExitCode.OK, ExitCode.USAGE),
) -> argparse.ArgumentParser:
    """A subcommand that reads a configuration: ``--config`` and ``--env-file``."""
    command = add_command(
        commands,
        name,
        summary=help_text,
        description=description or help_text[:1].upper() + help_text[1:] + ".",
        examples=examples or [(f"syncer {name} --config syncer.toml", help_text)],
        exit_codes=exit_codes,
        run=run,
    )
    add_config_options(command)
    return command


def invocation() -> str:
    """How to run this syncer again, as a command a shell accepts as printed.

    ``syncer`` when that is what runs and PATH finds this very program; else the program's full
    path; ``python -m syncer`` (this interpreter) when run as a module or from a test.
    """
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is not None and program.name == "syncer" and program.exists():
        found = shutil.which("syncer")
        if found and Path(found).resolve() == program.resolve():
            return "syncer"
        return shlex.quote(str(program.resolve()))
    return f"{shlex.quote(sys.executable)} -m syncer"
