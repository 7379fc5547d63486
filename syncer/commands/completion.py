"""``syncer completion``: a shell completion script generated from the parser by shtab."""

from __future__ import annotations

import argparse

from syncer.commands.base import Context, Subcommands, add_command
from syncer.errors import ExitCode

SHELLS = ("bash", "zsh", "fish")


def register(commands: Subcommands) -> None:
    completion = add_command(
        commands,
        "completion",
        summary="print a shell completion script (bash, zsh, fish)",
        description=(
            "Print a completion script for bash, zsh or fish, generated from syncer's own "
            "command line (by shtab), so it always knows every command and option of this "
            "version. Load it from the shell's start-up file, or save it where the shell looks "
            "for completions."
        ),
        examples=[
            ('eval "$(syncer completion bash)"', "in ~/.bashrc"),
            (
                "syncer completion zsh > ~/.zfunc/_syncer",
                "with fpath+=(~/.zfunc) before compinit in ~/.zshrc",
            ),
            ("syncer completion fish > ~/.config/fish/completions/syncer.fish", "fish"),
        ],
        exit_codes=(ExitCode.OK, ExitCode.USAGE),
        run=run_completion,
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")


FILE_METAVARS = frozenset({"FILE", "PATH"})
"""Arguments shown with these names take a file (or a folder): the shell completes paths."""
DIR_METAVARS = frozenset({"DIR"})
"""Arguments shown with this name take a folder: the shell completes folders."""


def mark_path_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Tell shtab which arguments are paths, by the name ``--help`` shows for them.

    Without it the script completes nothing after ``--config`` or ``parse`` (the shell beeps).
    The name is the contract: an argument documented as ``FILE``, ``PATH`` or ``DIR`` is one.
    """
    import shtab  # only this command needs it

    for action in parser._actions:
        if action.metavar in FILE_METAVARS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.metavar in DIR_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                mark_path_arguments(command)
    return parser


def run_completion(args: argparse.Namespace, context: Context) -> ExitCode:
    import shtab

    from syncer.cli import build_parser  # the parser this command is part of

    parser = mark_path_arguments(build_parser())
    context.out(shtab.complete(parser, shell=args.shell), end="")
    return ExitCode.OK
