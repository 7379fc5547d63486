"""The ``syncer`` command: the only place that prints, configures logging, or picks an exit code.

``main`` builds the parser from ``COMMANDS`` (one ``register`` per module of
``syncer.commands``), and runs the chosen command with a ``Context`` made of the streams and the
environment it was handed; it never changes ``os.environ``. To add a command: write a module in
``syncer/commands/`` with ``register(commands)`` and add its ``register`` to ``COMMANDS``.

Exit codes (``syncer.errors.ExitCode``): 0 ok; 1 partial failure (some documents or changes
failed, the rest went through); 2 usage or configuration error, nothing done; 3 a tracker was
unreachable or refused the credentials; 4 the report's gate found items (``report
--fail-on``, ``run``); 75 another run holds the state (nothing done); 130 interrupted (SIGINT),
143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

import stamina

from syncer import __version__
from syncer.commands import health, parse, report, run, sandbox, sync, validate
from syncer.commands.base import Context, Subcommands
from syncer.errors import ConfigError, ExitCode, SyncerError
from syncer.logs import configure_logging
from syncer.trackers.transport import log_retry

COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    parse.register,
    validate.register,
    sync.register,
    report.register,
    run.register,
    health.register,
    sandbox.register,
)
"""Every command family, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncer",
        description="Keep post-mortem action items and their Jira or GitHub issues in step.",
    )
    parser.add_argument("--version", action="version", version=f"syncer {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log lines (-vv for debug)"
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback of an error"
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines for people (text) or one JSON object a line for log shippers",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser


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
    args = parser.parse_args(argv)
    context.log_handler = configure_logging(
        args.verbose,
        stream=context.stderr,
        secrets=lambda: context.redactor.secrets,
        log_format=args.log_format,
    )
    # A retry is one line naming tracker, host, attempt and wait; not stamina's bare warning.
    stamina.instrumentation.set_on_retry_hooks([log_retry])
    try:
        return int(args.run(args, context))
    except ConfigError as exc:
        context.err(str(exc))
        for problem in exc.problems:
            print(f"  {problem}", file=context.stderr)
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
