"""``syncer parse``: print the incident and action items found in post-mortems."""

from __future__ import annotations

import argparse
from pathlib import Path

from syncer.commands.base import Context, Subcommands
from syncer.errors import ConfigError, ExitCode
from syncer.model import Document
from syncer.render import documents_json, documents_text
from syncer.sources import discover, read_documents


def register(commands: Subcommands) -> None:
    parse = commands.add_parser("parse", help="print the action items found in post-mortems")
    parse.add_argument("paths", nargs="+", metavar="PATH", help="a file, or a folder of *.md")
    parse.add_argument("--format", choices=("text", "json"), default="text")
    parse.set_defaults(run=run_parse)


def run_parse(args: argparse.Namespace, context: Context) -> ExitCode:
    documents: list[Document] = []
    for spec in args.paths:
        path = Path(spec)
        if not path.exists():
            raise ConfigError(f"{spec}: no such file or folder")
        root = path if path.is_dir() else path.parent
        files = discover(["."], base=path) if path.is_dir() else [path]
        documents += [doc for doc, _ in read_documents(files, root=root)]
    context.out(documents_json(documents) if args.format == "json" else documents_text(documents))
    for document in documents:
        for problem in document.errors:
            context.err(f"error: {problem}")
        for problem in document.warnings:
            context.err(f"warning: {problem}")
    return ExitCode.PARTIAL if any(d.errors for d in documents) else ExitCode.OK
