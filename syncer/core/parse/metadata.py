"""A post-mortem's metadata: YAML front matter, bold-label lines, the title and the incident id.

Precedence, field by field: YAML front matter (``id``, ``title``, ``date``, ``severity``,
``status``, ``team``, ``service``, ``authors``), then label lines near the top of the document
(``**Date**: 2026-11-20``, ``Date: ...``, ``**Severity:** SEV2``, or a heading ``## Severity``
followed by its value), then for the title the first heading that is not a section name.

The incident id is the front matter ``id``, else an id in the title or a heading above the
first section (``INC-1234``, ``Incident INC-0000``, ``PM2021-001``, ``incident #465`` ->
``incident-465``), else the slug of ``source`` without its extension, so that it is stable for
a file that does not move.

Unfilled template placeholders (``[Names]``, ``[Draft/Review/Published]``, ``[SEV1/SEV2]``,
``_Your name goes here._``) are not values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import yaml

from syncer.core.parse.fields import DATE_PATTERN, parse_date
from syncer.core.parse.markdown import Parsed, iter_blocks, render_inline
from syncer.core.parse.sections import normalise_heading, render_heading
from syncer.model import Incident, Problem, slugify

MAX_FRONT_MATTER_CHARS = 16_384

_LABELS = {
    "date": "date",
    "incident date": "date",
    "date of incident": "date",
    "created": "date",
    "author": "authors",
    "authors": "authors",
    "written by": "authors",
    "created by": "authors",
    "status": "status",
    "document status": "status",
    "severity": "severity",
    "sev": "severity",
    "incident severity": "severity",
    "team": "team",
    "teams": "team",
    "owning team": "team",
    "service": "service",
    "services": "service",
    "affected service": "service",
    "affected services": "service",
    "id": "id",
    "incident id": "id",
}
# Labels that name a person or a meeting, not the incident: never a title.
_OTHER_LABELS = {
    "owner", "postmortem owner", "involved", "meeting scheduled for", "call recording",
    "incident commander", "reviewers", "participants", "attendees", "responders",
}  # fmt: skip
# One line of a paragraph as written: "**Date**: x", "**Date:** x", "__Date__: x", "Date: x".
_RAW_LABEL_LINE = re.compile(
    r"^\s*(?:\*\*|__)?\s*([A-Za-z][A-Za-z /]{0,30}?)\s*"
    r"(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(.*)$"
)
_LABEL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z /]{0,30}?)\s*:\s*(.*)$")
_ID_LABELS = {"incident", "incident number", "incident no", "incident ref", "reference"}
_TABLE_LABELS = {"detected": "date", "systems": "service"}
_SECTION_NAMES = {
    "summary", "overview", "impact", "timeline", "root cause", "root causes", "background",
    "description", "what happened", "issue summary", "incident summary", "executive summary",
    "detection", "resolution", "trigger", "leadup", "fault", "contributing factors",
    "lessons learned", "introduction", "context", "details", "incident details",
}  # fmt: skip
_ID_IN_TEXT = re.compile(
    r"\b((?:INC|INCIDENT|PM|PIR|IR|SIR|IM|OUT)[-_]?\d[\d]*(?:-\d+)*)\b|\bincident\s+#\s*(\d+)\b",
    re.IGNORECASE,
)
_SEVERITY = re.compile(r"^sev(?:erity)?[\s_-]*([0-5])$", re.IGNORECASE)
_DATE_IN_TEXT = re.compile(DATE_PATTERN, re.IGNORECASE)


def normalise_severity(value: str) -> str:
    """``Sev 2``, ``sev-2``, ``SEV2`` -> ``SEV2``; other values as written."""
    match = _SEVERITY.match(value.strip())
    return f"SEV{match[1]}" if match else value.strip()


def _placeholder(value: str) -> bool:
    text = value.strip()
    return (
        not text
        or (text.startswith("[") and text.endswith("]"))
        or text.lower() in {"tbd", "tbc", "n/a", "-", "?", "todo"}
    )


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value) or _date_in(value)
    return None


def _date_in(text: str) -> date | None:
    match = _DATE_IN_TEXT.search(text)
    return parse_date(match[0]) if match else None


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return None if _placeholder(text) else text


def _as_authors(value: object) -> tuple[str, ...]:
    names: list[str] = []
    if isinstance(value, (list, tuple)):
        # Only plain strings: an alias-laden YAML list must not be expanded with str().
        raw = [entry for entry in value if isinstance(entry, str)]
    elif isinstance(value, str):
        raw = re.split(r",|;|\band\b|&", value)
    else:
        return ()
    for entry in raw:
        name = " ".join(entry.replace("@", " ").split())
        if name and not _placeholder(name):
            names.append(name)
    return tuple(names)


class MetadataReader:
    """Collects metadata fields; the first value found for a field wins."""

    def __init__(self, parsed: Parsed, *, source: str) -> None:
        self.parsed = parsed
        self.source = source
        self.values: dict[str, object] = {}
        self.warnings: list[Problem] = []
        self.title: str | None = None
        self.preamble: list[str] = []

    def _set(self, name: str, value: object) -> None:
        if name not in self.values and value not in (None, "", ()):
            self.values[name] = value

    def read(self) -> Incident:
        """The incident this document describes."""
        tokens = self.parsed.tokens
        if tokens and tokens[0].type == "front_matter":
            self._front_matter(tokens[0].content)
        self._labels()
        title = _as_text(self.values.get("title")) or self.title
        incident_id = self._incident_id(title)
        when = _as_date(self.values.get("date"))
        if when is None and title:
            when = _date_in(title)
        severity = _as_text(self.values.get("severity"))
        return Incident(
            id=incident_id,
            title=title,
            date=when,
            severity=normalise_severity(severity) if severity else None,
            status=_as_text(self.values.get("status")),
            team=_as_text(self.values.get("team")),
            service=_as_text(self.values.get("service")),
            authors=_as_authors(self.values.get("authors")),
        )

    def _front_matter(self, content: str) -> None:
        if len(content) > MAX_FRONT_MATTER_CHARS:
            self.warnings.append(
                Problem(source=self.source, line=1, message="front matter is too long; ignored")
            )
            return
        try:
            data: Any = yaml.safe_load(content)
        except (yaml.YAMLError, ValueError, RecursionError) as error:
            # PyYAML raises ValueError for timestamps like 2026-13-45 and RecursionError for
            # absurd nesting; both mean "not usable front matter", not a bug.
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            self.warnings.append(
                Problem(source=self.source, line=line, message="front matter is not valid YAML")
            )
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            name = _LABELS.get(str(key).strip().lower().replace("_", " "), str(key).lower())
            if name in {"id", "title", "date", "severity", "status", "team", "service", "authors"}:
                if name == "date":
                    self._set(name, value if isinstance(value, (date, str)) else None)
                elif name == "authors":
                    self._set(name, _as_authors(value))
                else:
                    self._set(name, _as_text(value))

    def _labels(self) -> None:
        tokens = self.parsed.tokens
        blocks = iter_blocks(self.parsed, 0, len(tokens))
        for position, (start, _stop) in enumerate(blocks):
            token = tokens[start]
            if token.type == "heading_open":
                text = render_heading(self.parsed, start)
                words = normalise_heading(text)
                if words in _SECTION_NAMES:
                    return
                if (label := _LABELS.get(words)) is not None:
                    self._heading_value(label, blocks, position)
                    continue
                if (match := _LABEL_LINE.match(text)) and (
                    match[1].strip().lower() in _LABELS.keys() | _OTHER_LABELS
                    or not match[2].strip()
                ):
                    self._label_value(match[1], match[2])
                    continue
                self.preamble.append(text)
                if self.title is None and text.strip() and not text.rstrip().endswith(":"):
                    self.title = text
            elif token.type == "table_open":
                self._table_labels(start, _stop)
            elif token.type == "paragraph_open":
                self._paragraph_labels(tokens[start + 1].content)

    def _paragraph_labels(self, content: str) -> None:
        """``**Date**: 2026-11-20`` lines; only the value is rendered, and only when known."""
        for raw in content.split("\n"):
            match = _RAW_LABEL_LINE.match(raw)
            label = " ".join(match[1].lower().split()) if match else ""
            if match is None or (label not in _LABELS and label not in _ID_LABELS):
                continue
            value = render_inline(match[2], self.parsed.env)[0]
            if not value.italic:
                self._label_value(match[1], value.text)

    def _table_labels(self, start: int, stop: int) -> None:
        """Key/value tables at the top (``| **Detected** | 2021-03-05 |``)."""
        row: list[str] = []
        for token in self.parsed.tokens[start:stop]:
            if token.type == "tr_open":
                row = []
            elif token.type == "inline":
                row.append(" ".join(render_inline(token.content, self.parsed.env)[0].text.split()))
            elif token.type == "tr_close" and len(row) == 2:
                label = row[0].strip(" :").lower()
                self._label_value(_TABLE_LABELS.get(label, label), row[1])

    def _label_value(self, label: str, value: str) -> None:
        words = " ".join(label.lower().split())
        name = _LABELS.get(words)
        if name is None and words in _ID_LABELS:
            # "Incident: INC-3390" names the id; "Incident: database outage" does not.
            if (match := _ID_IN_TEXT.fullmatch(value.strip())) is not None and match[1]:
                self._set("id", match[1].upper())
            return
        if name is None:
            return
        if name == "authors":
            self._set(name, _as_authors(value))
        elif name == "date":
            self._set(name, _as_date(value))
        else:
            self._set(name, _as_text(value))

    def _heading_value(self, name: str, blocks: list[tuple[int, int]], position: int) -> None:
        if position + 1 >= len(blocks):
            return
        start = blocks[position + 1][0]
        if self.parsed.tokens[start].type != "paragraph_open":
            return
        line = render_inline(self.parsed.tokens[start + 1].content, self.parsed.env)[0]
        if line.italic:
            return
        value = line.lead_strong or line.text
        self._label_value(name, value)

    def _incident_id(self, title: str | None) -> str:
        explicit = _as_text(self.values.get("id"))
        if explicit:
            return explicit
        for text in ([title] if title else []) + self.preamble:
            if match := _ID_IN_TEXT.search(text):
                if match[1]:
                    return match[1].upper() if match[1][:1].isalpha() else match[1]
                return f"incident-{match[2]}"
        return derive_incident_id(self.source)


def derive_incident_id(source: str) -> str:
    """The fallback incident id: ``postmortems/2026/db.md`` -> ``postmortems-2026-db``."""
    name = source.rsplit("/", 1)[-1]
    stem = source[: -(len(name) - name.rindex("."))] if "." in name.lstrip(".") else source
    return slugify(stem, max_length=64)


def read_incident(parsed: Parsed, *, source: str) -> tuple[Incident, list[Problem]]:
    """The incident metadata of a parsed document, and any warnings about it."""
    reader = MetadataReader(parsed, source=source)
    incident = reader.read()
    return incident, reader.warnings
