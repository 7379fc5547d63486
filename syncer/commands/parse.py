"""``syncer parse``: print the incident and action items found in post-mortems."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncer.commands.base import Context, Subcommands, add_command
from syncer.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncer.model import Assessment, Document, PossibleItem


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
        help="text: a table per document (default); json: the documented JSON shape, with "
        "possible follow-ups under 'possible_items'",
    )
    parse.add_argument(
        "--confidence",
        type=_threshold,
        default=None,
        metavar="X",
        help="how sure (0-1) the parser must be that a candidate is an action item (default "
        "0.5, as [sources] confidence); below it, a possible follow-up. -v shows the evidence "
        "for each",
    )


def _threshold(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return number


def run_parse(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.core.parse import DEFAULT_CONFIDENCE, with_threshold
    from syncer.shell.sources import discover, read_documents

    threshold = DEFAULT_CONFIDENCE if args.confidence is None else args.confidence
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
        documents += [with_threshold(doc, threshold) for doc, _ in read_documents(fresh, root=root)]
    if args.format == "json":
        context.out(_json(documents))
    else:
        context.out(_text(documents, verbose=getattr(args, "verbose", 0) > 0))
    for document in documents:
        for problem in document.errors:
            context.err(f"error: {problem}")
        for problem in document.warnings:
            context.err(f"warning: {problem}")
    return ExitCode.PARTIAL if any(d.errors for d in documents) else ExitCode.OK


POSSIBLE_KEY = "possible_items"
"""The JSON key of a document's possible follow-ups (``items`` keeps what would be ticketed)."""


def _assessment_json(assessment: Assessment) -> dict[str, Any]:
    return {"confidence": assessment.confidence, "evidence": list(assessment.evidence)}


def _possible_json(possible: PossibleItem) -> dict[str, Any]:
    item = possible.item
    return {
        "key": item.key,
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "tickets": [ref.key for ref in item.tickets],
        "done": item.done,
        "line": item.line,
        "end_line": item.end_line,
        "section": possible.assessment.section,
        **_assessment_json(possible.assessment),
    }


def _json(documents: list[Document]) -> str:
    """A list of documents, each carrying the JSON's ``schema_version`` (a list, as the corpus
    scorer and earlier versions read it)."""
    from syncer.core.render import JSON_SCHEMA_VERSION, document_json

    shaped = []
    for document in documents:
        shape = {"schema_version": JSON_SCHEMA_VERSION, **document_json(document)}
        for item, assessment in zip(shape["items"], document.assessments, strict=False):
            item.update(_assessment_json(assessment))
        shape[POSSIBLE_KEY] = [_possible_json(p) for p in document.possible]
        shaped.append(shape)
    return json.dumps(shaped, indent=2, ensure_ascii=False)


def _text(documents: list[Document], *, verbose: bool) -> str:
    """The tables, then each document's possible follow-ups (and with -v every item's
    evidence)."""
    from syncer.core.render import documents_text

    blocks = documents_text(documents).split("\n\n")
    out = []
    for block, document in zip(blocks, documents, strict=False):
        lines = [block]
        if verbose:
            for item, assessment in zip(document.items, document.assessments, strict=False):
                lines.append(f"  line {item.line} ({assessment.confidence:.2f}): {item.title}")
                lines += [f"      {reason}" for reason in assessment.evidence]
        if document.possible:
            lines.append(
                f"  possible follow-ups, not ticketed (confirm with a task-list box, an "
                f"action-item heading or <!-- syncer: items -->): {len(document.possible)}"
            )
            for possible in document.possible:
                item = possible.item
                lines.append(
                    f"  ? line {item.line} ({possible.assessment.confidence:.2f}): {item.title}"
                )
                if verbose:
                    lines += [f"      {reason}" for reason in possible.assessment.evidence]
        out.append("\n".join(lines))
    return "\n\n".join(out)
