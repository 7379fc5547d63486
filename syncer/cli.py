"""The ``syncer`` command: the only place that prints, configures logging, or picks an exit code.

``main`` builds the parser from ``COMMANDS`` (one ``register`` per module of
``syncer.commands``), and runs the chosen command with a ``Context`` made of the streams and the
environment it was handed; it never changes ``os.environ``. To add a command: write a module in
``syncer/commands/`` with ``register(commands)`` and add its ``register`` to ``COMMANDS``.

Exit codes (``syncer.errors.ExitCode``): 0 ok; 1 partial failure (some documents or changes
failed, the rest went through); 2 usage or configuration error, nothing done; 3 a tracker was
unreachable or refused the credentials; 4 the report's gate found items (``report
--fail-on``, ``run``); 5 ``plan --detailed-exitcode`` found changes; 75 another run holds
the state (nothing done); 130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import difflib
import functools
import os
import re
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NoReturn, TextIO

from syncer import __version__, startup
from syncer.commands import (
    completion,
    health,
    init,
    new,
    parse,
    report,
    run,
    sandbox,
    sync,
    validate,
)
from syncer.commands.base import Context, Subcommands, default_config
from syncer.errors import ConfigError, ExitCode, SyncerError
from syncer.logs import configure_logging

COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    parse.register,
    validate.register,
    sync.register,
    report.register,
    run.register,
    health.register,
    sandbox.register,
    new.register,
    init.register,
    completion.register,
)
"""Every command family, in the order ``--help`` lists them."""


def global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes, before or after its name (``gh``-style).

    The top-level parser sets the defaults; each subcommand's copy leaves the namespace alone
    (``SUPPRESS``) unless the option is given there, so ``syncer -v sync`` and
    ``syncer sync -v`` mean the same.
    """
    group = parser.add_argument_group("global options") if not defaults else parser
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if defaults else argparse.SUPPRESS,
        help="more output: every change and finding, and log lines (-vv: debug)",
    )
    group.add_argument(
        "--traceback",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="show the full traceback behind a one-line error",
    )
    group.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text" if defaults else argparse.SUPPRESS,
        help="log lines for people (text) or one JSON object a line for log shippers",
    )


DESCRIPTION = """\
Keep post-mortem action items and their Jira or GitHub issues in step: syncer reads the action
items out of post-mortem Markdown and keeps exactly one ticket per item."""

EPILOG = """\
start here:
  syncer demo                          the whole loop against a local sandbox, no credentials
  syncer init                          write a commented syncer.toml
  syncer validate                      check it, then `plan`, then `sync` (each reads
                                       ./syncer.toml, or --config FILE, or $SYNCER_CONFIG)

`syncer COMMAND --help` explains each command, with examples and its exit codes.
Global options (-v, --traceback, --env-file) may come before or after the command."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a did-you-mean for a misspelt command or option (as ``git`` does)."""

    _given: Sequence[str] = ()
    """The words this parser was handed: a missing argument's error looks at them too."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        from syncer.config_problems import did_you_mean

        choice = re.match(
            r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)", message
        )
        if choice:
            what, word, choices = choice[1], choice[2], re.findall(r"'([^']*)'", choice[3])
            hint = did_you_mean(word, choices)
            if what == "COMMAND":
                message = f"{word!r} is not a syncer command{hint} (`syncer --help` lists them)"
            else:
                message = f"{what}: {word!r} is not one of {', '.join(choices)}{hint}"
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            known = self._all_options()
            close = [
                match[0]
                for word in unknown[1].split()
                if word.startswith("-")
                and (match := difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.7))
            ]
            if close:
                message += f" (did you mean {' or '.join(close)}?)"
        if message.startswith("the following arguments are required"):
            # A misspelt option is the likelier mistake: `plan --confg x` misses nothing else.
            known = self._all_options()
            for word in self._given:
                option = word.split("=")[0]
                if option.startswith("-") and option not in known:
                    close = difflib.get_close_matches(option, known, n=1, cutoff=0.7)
                    hint = f"; did you mean {close[0]}?" if close else ""
                    message = f"unrecognized option {option}{hint} ({message})"
                    break
        super().error(message)

    def _all_options(self) -> list[str]:
        """Every option of this parser and of its subcommands."""
        options: list[str] = []
        for action in self._actions:
            options += action.option_strings
            if isinstance(action, argparse._SubParsersAction):
                for command in action.choices.values():
                    options += [o for a in command._actions for o in a.option_strings]
        return sorted(set(options))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="syncer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"syncer {__version__}", help="print the version"
    )
    global_options(parser, defaults=True)
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        help="KEY=value lines added to the environment, for commands that read a configuration",
    )
    # Each subcommand's parser is a _Parser too (argparse uses the parent's class).
    commands: Subcommands = parser.add_subparsers(  # type: ignore[assignment]
        dest="command",
        required=True,
        metavar="COMMAND",
        title="commands",
        help="one of these; `syncer COMMAND --help` for more",
    )
    for register in COMMANDS:
        register(commands)
    for command in commands.choices.values():
        global_options(command, defaults=False)
        accept_format_aliases(command)
    return parser


FORMAT_ALIASES = (("md", "markdown"),)
"""Names of one format: a command that offers one of them accepts the other."""


def accept_format_aliases(command: argparse.ArgumentParser) -> None:
    """``--format md`` and ``--format markdown`` mean the same on every command that formats."""
    for action in command._actions:
        if action.dest != "format" or not action.choices:
            continue
        choices = list(action.choices)
        for first, second in FORMAT_ALIASES:
            if (first in choices) == (second in choices):
                continue
            canonical, alias = (first, second) if first in choices else (second, first)
            choices.append(alias)
            action.type = functools.partial(_alias, alias=alias, canonical=canonical)
        action.choices = choices


def _alias(value: str, *, alias: str, canonical: str) -> str:
    return canonical if value == alias else value


HANDLES_SIGNALS = frozenset({"run", "sync", "plan"})
"""Commands that turn SIGTERM and SIGINT into a stop between two writes, with their summary;
the others get the default behaviour back once started (``syncer.startup``)."""


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one ``syncer`` command; ``env`` defaults to ``os.environ`` (copied, never changed)."""
    context = Context(
        stdout=stdout or sys.stdout,
        stderr=stderr or sys.stderr,
        env=dict(os.environ if env is None else env),
    )
    parser = build_parser()
    if (argv is not None and not argv) or (argv is None and len(sys.argv) < 2):
        parser.print_help(context.stdout)  # a bare `syncer`: say what it can do
        return int(ExitCode.USAGE)
    try:
        # argparse prints help and usage errors itself: to the streams this call was given.
        with redirect_stdout(context.stdout), redirect_stderr(context.stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else int(ExitCode.USAGE)
    if args.command not in HANDLES_SIGNALS:
        startup.release()
    context.log_handler = configure_logging(
        args.verbose,
        stream=context.stderr,
        secrets=lambda: context.redactor.secrets,
        log_format=args.log_format,
    )
    context.log_format = args.log_format
    # A retry is one line naming tracker, host, attempt and wait; not stamina's bare warning.
    import stamina

    from syncer.shell.trackers.transport import log_retry

    stamina.instrumentation.set_on_retry_hooks([log_retry])
    try:
        if getattr(args, "needs_config", False) and args.config is None:
            args.config = default_config(context.env, cwd=Path.cwd())
        return int(args.run(args, context))
    except ConfigError as exc:
        context.err(str(exc), problems=exc.problems)
        return int(exc.exit_code)
    except SyncerError as exc:
        if args.traceback:
            traceback.print_exc(file=context.stderr)
        context.err(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        context.err("interrupted")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`syncer parse ... | head`): not an error worth a traceback.
        if context.stdout is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
