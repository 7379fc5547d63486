"""``syncer parse``: print the incident and action items found in post-mortems."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from syncer.commands.base import Context, Subcommands, add_command
from syncer.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncer.model import Document


def register(commands: Subcommands) -> None:
    parse = add_command(
        commands,
        "parse",
        summary="print the action items found in post-mortems",
        description=(
            "Read post-mortem Markdown files and print, for each, the incident (id, title, "
            "date, severity, team) and a table of its action items with their owner, due date, "
            "priority and tickets, exactly as a sync would see them. Reads no configuration and "
            "talks to no tracker: use it to check how syncer reads a document."
        ),
        examples=[
            ("syncer parse postmortems/", "every *.md under the folder, as tables"),
            ("syncer parse incident-INC-2041-post-mortem.md", "one document"),
            (
                "syncer parse --format json postmortems/ | jq '.documents[].items[].title'",
                "for scripts",
            ),
        ],
        exit_codes=(ExitCode.OK, ExitCode.PARTIAL, ExitCode.USAGE),
        run=run_parse,
    )
    parse.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a post-mortem file, or a folder searched recursively for *.md",
    )
    parse.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a table per document (default); json: the documented JSON shape",
    )


def run_parse(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.core.render import documents_json, documents_text
    from syncer.shell.sources import discover, read_documents

    documents: list[Document] = []
    seen: set[Path] = set()  # a file named twice (a folder and a file in it) is read once
    for spec in args.paths:
        path = Path(spec)
        if not path.exists():
            raise ConfigError(f"{spec}: no such file or folder")
        root = path if path.is_dir() else path.parent
        files = discover(["."], base=path) if path.is_dir() else [path]
        fresh = [f for f in files if f.resolve() not in seen]
        seen.update(f.resolve() for f in fresh)
        documents += [doc for doc, _ in read_documents(fresh, root=root)]
    context.out(documents_json(documents) if args.format == "json" else documents_text(documents))
    for document in documents:
        for problem in document.errors:
            context.err(f"error: {problem}")
        for problem in document.warnings:
            context.err(f"warning: {problem}")
    return ExitCode.PARTIAL if any(d.errors for d in documents) else ExitCode.OK
