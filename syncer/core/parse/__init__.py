"""Markdown post-mortems in, ``Document`` values out: the incident and its action items.

Pure: ``parse_postmortem`` and ``parse_bytes`` read no files, clock or environment, and never
raise on bad input; what they could not read is reported in ``Document.errors`` (the document
could not be read at all, and has no items) or ``Document.warnings`` (something was skipped).

The work is split by concern:

- ``markdown``: the markdown-it reader, its safety caps, inline text rendering;
- ``metadata``: front matter, label lines, title and incident id;
- ``sections``: which headings (or bold labels) hold action items, and their groups;
- ``items``: items from lists, tables and bare lines, with their exact source lines;
- ``tables``: column roles and broken-table checks;
- ``fields``: owner, due date, priority, tickets, done state and explicit id of one item;
- ``wording``: instructions to a template's author, and done stated in words;
- ``confidence``: how sure the parser is of each candidate, from the evidence around it.

Confidence
----------
Every candidate gets an ``Assessment`` (a confidence from 0 to 1 and the evidence that decided
it). Those at or above the threshold (``DEFAULT_CONFIDENCE``, or ``[sources] confidence``) are
``Document.items``, with their assessments in ``Document.assessments``; the rest are
``Document.possible``: possible follow-ups, never ticketed by themselves. ``with_threshold``
splits a parsed document again at another threshold without parsing it again; keys do not
depend on the threshold. A heading that looks like an action section but none of whose entries
was confident enough gets a warning naming it and the evidence against its entries, and entries
refused as template placeholders or instructions are named with their lines.

Item keys
---------
Every item's ``key`` is ``make_item_key(incident.id, title, explicit_id=..., occurrence=n)``:

- an explicit id written in the item wins: ``[AI-3] Add alerting``, ``AI-3: Add alerting``,
  ``Add alerting (id: db-1)`` or an ``ID`` table column. Such a key survives any rewording.
- otherwise the key hashes the item's normalised title (case, punctuation and spacing do not
  count), so moving an item, reordering the list, ticking it done or adding an owner, a due
  date or a ticket link leaves its key alone; rewording the title changes it.
- identical titles in one document are told apart by ``occurrence``: the second gets ``-2``,
  the third ``-3``, in document order.
- ticket references never enter the key: the sync engine matches tickets by reference itself.

The incident id comes first in every key, so the same title in two post-mortems gives two
keys. See ``metadata`` for where the id comes from.

Limits
------
So that hostile input finishes in bounded time and memory (see ``markdown`` for why):
documents over ``MAX_DOCUMENT_BYTES`` (1 MiB) are refused with an error; only the first
``MAX_LINES`` (50,000) lines are read; block nesting stops at 20 levels; an inline run is cut at
4,000 characters; at most 10,000 items are read from one document. Each cut is reported in
``Document.warnings`` (the nesting cut names the first line it left unread), except the inline
cut, which only drops content no real post-mortem has.
"""

from __future__ import annotations

import hashlib

from syncer.core.parse.confidence import DEFAULT_CONFIDENCE, assess
from syncer.core.parse.items import Draft, ItemReader, is_template_example
from syncer.core.parse.markdown import MAX_DOCUMENT_BYTES, MAX_LINES, nesting_warnings, tokenize
from syncer.core.parse.metadata import derive_incident_id, read_incident
from syncer.core.parse.sections import find_sections
from syncer.model import (
    ActionItem,
    Assessment,
    Document,
    Incident,
    PossibleItem,
    Problem,
    make_item_key,
    normalise_title,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "MAX_DOCUMENT_BYTES",
    "MAX_LINES",
    "parse_bytes",
    "parse_postmortem",
    "with_threshold",
]

NO_SECTION = "no action-item section found"


def parse_bytes(data: bytes, *, source: str, threshold: float = DEFAULT_CONFIDENCE) -> Document:
    """Decode a post-mortem file's bytes (UTF-8, BOM allowed) and parse it.

    A document that is empty, binary (has NUL bytes), not UTF-8 or larger than
    ``MAX_DOCUMENT_BYTES`` gets an error naming the line where known, and no items.
    """
    content_hash = hashlib.sha256(data).hexdigest()

    def failed(message: str, line: int | None = None) -> Document:
        return Document(
            source=source,
            content_hash=content_hash,
            incident=Incident(id=derive_incident_id(source)),
            errors=(Problem(source=source, line=line, message=message),),
            has_action_section=False,
        )

    if len(data) > MAX_DOCUMENT_BYTES:
        return failed(
            f"document is {len(data)} bytes, more than the {MAX_DOCUMENT_BYTES} bytes "
            "the parser reads"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return failed("not UTF-8 text: UTF-16 byte-order mark", 1)
    if b"\x00" in data:
        return failed(
            "binary file (NUL byte), not a Markdown document", _line_of(data, data.index(b"\x00"))
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return failed(f"not UTF-8 text: {error.reason}", _line_of(data, error.start))
    if not text.strip():
        return failed("empty document")
    return _parse(text, source=source, content_hash=content_hash, threshold=threshold)


def parse_postmortem(text: str, *, source: str, threshold: float = DEFAULT_CONFIDENCE) -> Document:
    """Parse one post-mortem's text; ``source`` is its path relative to the source root."""
    return parse_bytes(text.encode("utf-8", "surrogatepass"), source=source, threshold=threshold)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _parse(text: str, *, source: str, content_hash: str, threshold: float) -> Document:
    warnings: list[Problem] = []
    if text.count("\n") >= MAX_LINES:
        text = "\n".join(text.split("\n", MAX_LINES)[:MAX_LINES])
        warnings.append(
            Problem(
                source=source,
                line=MAX_LINES + 1,
                message=f"only the first {MAX_LINES} lines were read",
            )
        )
    parsed = tokenize(text)
    lines = text.splitlines()
    incident, metadata_warnings = read_incident(parsed, source=source)
    warnings.extend(metadata_warnings)
    sections = find_sections(parsed)
    reader = ItemReader(parsed, lines, source=source)
    drafts = reader.read_sections(sections)
    warnings.extend(reader.warnings)
    kept: list[Draft] = []
    examples: list[Draft] = []
    for draft in drafts:
        example = is_template_example(draft.fields.title, lines[draft.line - 1 : draft.end_line])
        (examples if example else kept).append(draft)
    drafts = kept
    if examples:
        warnings.append(
            Problem(
                source=source,
                line=examples[0].line,
                message=f"{len(examples)} example action items of the post-mortem template are "
                "not filled in yet; they are not action items",
            )
        )
    if not sections:
        warnings.append(Problem(source=source, message=NO_SECTION))
    warnings.extend(nesting_warnings(parsed, lines, source=source))
    candidates = _assign_keys(drafts, incident_id=incident.id, source=source, warnings=warnings)
    assessments = assess(drafts)
    warnings.extend(_refused_sections(drafts, assessments, source=source, threshold=threshold))
    sure = [n for n, assessment in enumerate(assessments) if assessment.confidence >= threshold]
    unsure = [n for n, assessment in enumerate(assessments) if assessment.confidence < threshold]
    return Document(
        source=source,
        content_hash=content_hash,
        incident=incident,
        items=tuple(candidates[n] for n in sure),
        assessments=tuple(assessments[n] for n in sure),
        warnings=tuple(warnings),
        has_action_section=bool(sections),
        possible=tuple(
            PossibleItem.model_construct(item=candidates[n], assessment=assessments[n])
            for n in unsure
        ),
    )


def with_threshold(document: Document, threshold: float) -> Document:
    """The document with its candidates split again at ``threshold``: those at or above it are
    ``items`` (to be ticketed), the rest ``possible``. Document order is kept in both."""
    if _split_at(document, threshold):
        return document  # already split there (the parse cache's threshold): nothing to copy
    candidates = [
        PossibleItem(item=item, assessment=assessment)
        for item, assessment in zip(document.items, document.assessments, strict=True)
    ]
    candidates += list(document.possible)
    candidates.sort(key=lambda candidate: (candidate.item.line, candidate.item.end_line))
    sure = [c for c in candidates if c.assessment.confidence >= threshold]
    return document.model_copy(
        update={
            "items": tuple(c.item for c in sure),
            "assessments": tuple(c.assessment for c in sure),
            "possible": tuple(c for c in candidates if c.assessment.confidence < threshold),
        }
    )


def _split_at(document: Document, threshold: float) -> bool:
    """Whether ``with_threshold`` would give ``document`` back as it is: split at
    ``threshold`` already, each part in document order."""
    items = [(i.line, i.end_line) for i in document.items]
    possible = [(p.item.line, p.item.end_line) for p in document.possible]
    return (
        all(a.confidence >= threshold for a in document.assessments)
        and all(p.assessment.confidence < threshold for p in document.possible)
        and items == sorted(items)
        and possible == sorted(possible)
    )


def _refused_sections(
    drafts: list[Draft], assessments: list[Assessment], *, source: str, threshold: float
) -> list[Problem]:
    """A warning for each action-looking heading none of whose entries was confident enough,
    naming the heading and the evidence that weighed most against them."""
    by_section: dict[tuple[str, int], list[Assessment]] = {}
    for draft, assessment in zip(drafts, assessments, strict=True):
        if draft.section and draft.strength in {1, 2}:
            by_section.setdefault((draft.section, draft.section_line), []).append(assessment)
    problems: list[Problem] = []
    for (title, line), found in by_section.items():
        if any(a.confidence >= threshold for a in found):
            continue
        against = [e for a in found for e in a.evidence if e.startswith("-")]
        reason = max(set(against), key=against.count)[3:] if against else "too little evidence"
        problems.append(
            Problem(
                source=source,
                line=line or None,
                message=f"heading {title!r} looks like an action-item section, but none of its "
                f"{len(found)} entries was taken as an action item (mostly: {reason}); they "
                "are possible follow-ups, not ticketed",
            )
        )
    return problems


def _assign_keys(
    drafts: list[Draft], *, incident_id: str, source: str, warnings: list[Problem]
) -> list[ActionItem]:
    seen: dict[str, int] = {}
    explicit: set[str] = set()
    items: list[ActionItem] = []
    for draft in drafts:
        fields = draft.fields
        occurrence = 1
        if fields.explicit_id:
            if fields.explicit_id.lower() in explicit:
                # Two items cannot share one key; the later one falls back to its title.
                warnings.append(
                    Problem(
                        source=source,
                        line=draft.line,
                        message=f"item id {fields.explicit_id!r} is used twice; "
                        "this item is keyed by its title instead",
                    )
                )
                fields.explicit_id = None
            else:
                explicit.add(fields.explicit_id.lower())
        if not fields.explicit_id:
            normal = normalise_title(fields.title)
            occurrence = seen[normal] = seen.get(normal, 0) + 1
        key = make_item_key(
            incident_id, fields.title, explicit_id=fields.explicit_id, occurrence=occurrence
        )
        items.append(
            ActionItem(
                key=key,
                title=fields.title,
                description="\n".join(draft.details) or None,
                owner=fields.owner,
                due=fields.due,
                unread_due=fields.unread_due,
                done_on=fields.done_on,
                priority=fields.priority,
                tickets=tuple(fields.tickets),
                # Won't do is resolved, not done: the report and the tracker tell them apart.
                done=bool(fields.done) and not fields.wont_do,
                wont_do=fields.wont_do,
                group=draft.group,
                group_tracked=draft.group_tracked,
                source=source,
                line=draft.line,
                end_line=max(draft.line, draft.end_line),
            )
        )
    return items
