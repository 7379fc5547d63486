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
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from syncer.errors import ConfigError, ExitCode
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

    def load(self, args: argparse.Namespace, *, require_secrets: bool = True) -> Config:
        """The configuration named by ``--config`` (and ``--env-file``), secrets registered."""
        from syncer.config import load_config, load_env_file
        from syncer.shell.state import PASSWORD_ENV

        if getattr(args, "env_file", None):
            load_env_file(Path(args.env_file), self.env)
        config = load_config(Path(args.config), environ=self.env, require_secrets=require_secrets)
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
    ExitCode.CHANGES: "--detailed-exitcode: the plan holds changes (a sync would make them)",
    ExitCode.LOCKED: "another run holds the state: nothing was done",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.TERMINATED: "terminated (SIGTERM): the write in flight finished and is recorded",
}
"""What each exit code means, as every command's ``--help`` lists it."""


def help_epilog(
    examples: Sequence[tuple[str, str]],
    exit_codes: Iterable[ExitCode],
    meanings: Mapping[ExitCode, str] | None = None,
) -> str:
    """The ``--help`` tail every command has: examples, then the exit codes it can return.

    ``meanings`` replaces the usual meaning of a code for a command that uses it otherwise
    (``health``'s 1 is "unhealthy", not a partial sync).
    """
    meanings = {**EXIT_MEANINGS, **(meanings or {})}
    lines = ["examples:"]
    for command, meaning in examples:
        lines += [f"  {command}", f"      {meaning}"]
    lines += ["", "exit codes:"]
    lines += [f"  {int(code):<4}{meanings[code]}" for code in exit_codes]
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
    exit_meanings: Mapping[ExitCode, str] | None = None,
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` explains itself: a paragraph, examples, exit codes.

    ``summary`` is the one line ``syncer --help`` lists; ``description`` the paragraph at the
    top of ``syncer NAME --help``.
    """
    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=88),
        epilog=help_epilog(examples, exit_codes, exit_meanings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(run=run)
    return command


CONFIG_ENV = "SYNCER_CONFIG"
"""The environment variable naming the configuration file when ``--config`` is not given."""


def add_config_options(command: argparse.ArgumentParser) -> None:
    """``--config`` and ``--env-file``, for the commands that read a configuration.

    ``--config`` may be left out: ``syncer.cli.main`` fills it in with ``default_config``.
    """
    command.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"the configuration file (default: ${CONFIG_ENV}, else ./syncer.toml)",
    )
    command.set_defaults(needs_config=True)
    command.add_argument(
        "--env-file",
        metavar="FILE",
        # Also accepted before the command name (syncer.cli's top level sets the default).
        default=argparse.SUPPRESS,
        help="KEY=value lines added to the environment (never overriding what is set)",
    )


def default_config(env: Mapping[str, str], *, cwd: Path) -> str:
    """The configuration file when ``--config`` is not given: ``$SYNCER_CONFIG``, else
    ``syncer.toml`` in the current folder; a usage error naming all three when neither is."""
    if named := env.get(CONFIG_ENV):
        return named
    if (cwd / "syncer.toml").is_file():
        return "syncer.toml"
    raise ConfigError(
        f"no configuration: give --config FILE, set {CONFIG_ENV}, or run where syncer.toml "
        "is (`syncer init` writes one)"
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
