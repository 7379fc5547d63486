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


def run_completion(args: argparse.Namespace, context: Context) -> ExitCode:
    import shtab

    from syncer.cli import build_parser  # the parser this command is part of

    context.out(shtab.complete(build_parser(), shell=args.shell), end="")
    return ExitCode.OK
