"""Configuration problems in the user's terms: what pydantic found, said the way a person fixes it.

``describe(error, root=Settings)`` turns one pydantic error into ``(path, message)``: the dotted
path as the file spells it (``trackers.web-github.type``) and a sentence about the value, with a
did-you-mean for misspelt keys and choices. ``key_lines(text)`` finds the line of each key in the
TOML text (``tomllib`` keeps no positions), so ``validate`` can say where to look. Pure: no files.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

PATTERNS: Mapping[str, str] = {
    "repository": "repository must look like owner/name, e.g. acme/web",
    "project": "a Jira project key is 2-10 capital letters, digits or _, starting with a letter "
    "(e.g. OPS)",
    "holiday_country": "a country code such as DE, or DE-BY for a subdivision",
    "shard": "a shard name is lower-case letters, digits and _, starting with a letter",
    "instance": "an instance name is up to 32 lower-case letters, digits and -, starting with "
    "a letter (e.g. syncer-web)",
}
"""What a value that fails a field's pattern should look like, by field name."""

KEY_PATTERNS: Mapping[str, str] = {
    "trackers": "a tracker name is lower-case letters, digits and -, starting with a letter "
    "(at most 40), e.g. ops-jira",
    "shards": "a shard name is lower-case letters, digits and _, starting with a letter",
}
"""The same for the names of a table's keys, by the table's name."""


def plural(count: int, noun: str) -> str:
    """``1 problem``, ``2 problems``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``; did you mean 'jira'?`` when a choice is close, else ``''``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(root: type[BaseModel], loc: Iterable[int | str]) -> Any:
    """The type expected at ``loc`` (pydantic's location), or None when it cannot be told."""
    annotation: Any = root
    for part in loc:
        current = _unwrap(annotation)
        origin = get_origin(current)
        if _is_model(current):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif origin in (Union, types.UnionType):
            # A discriminated union: pydantic puts the tag (the tracker type) in the location.
            tagged = [
                member
                for member in get_args(current)
                if _is_model(member)
                and "type" in member.model_fields
                and get_args(member.model_fields["type"].annotation) == (part,)
            ]
            if not tagged:
                return None
            annotation = tagged[0]
        elif origin is not None and get_args(current):
            args = get_args(current)
            annotation = args[-1] if len(args) == 2 and args[1] is not Ellipsis else args[0]
        else:
            return None
    return annotation


def known_keys(root: type[BaseModel], loc: Iterable[int | str]) -> list[str]:
    """The keys the table at ``loc`` accepts (empty when it is not a fixed table)."""
    annotation = _unwrap(_annotation_at(root, loc))
    return list(annotation.model_fields) if _is_model(annotation) else []


_TAGS = ("jira", "github")


def dotted(loc: Iterable[int | str]) -> str:
    """``trackers.ops-jira.project``: the path as the file spells it (no union tags)."""
    parts = [str(p) for p in loc if p not in _TAGS]
    return ".".join(parts) or "(file)"


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, default=str)


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def describe(error: ErrorDetails, *, root: type[BaseModel]) -> tuple[str, str]:
    """One pydantic error as ``(path, message)`` in the terms of the TOML file."""
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    path = dotted(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = known_keys(root, loc[:-1])
        hint = did_you_mean(key, known)
        if not hint and known:
            hint = f" (known keys: {', '.join(known)})"
        return path, f"unknown key{hint}"
    if kind == "union_tag_invalid":
        tags = _choices(str(ctx.get("expected_tags", "")))
        hint = did_you_mean(str(ctx.get("tag")), tags) or f" (use {' or '.join(map(repr, tags))})"
        return f"{path}.type", f"{ctx.get('tag')!r} is not a tracker type{hint}"
    if kind == "union_tag_not_found":
        return f"{path}.type", 'missing: every tracker needs type = "jira" or "github"'
    if kind == "missing":
        return path, "required, but missing"
    if kind == "string_pattern_mismatch":
        if loc and loc[-1] == "[key]":
            table = str(loc[-3]) if len(loc) >= 3 else ""
            rule = KEY_PATTERNS.get(table, "not an accepted name")
            return dotted(loc[:-1]), f"{rule}"
        rule = PATTERNS.get(str(loc[-1]) if loc else "", "does not have the expected form")
        return path, f"{_toml_value(value)}: {rule}"
    if kind == "literal_error":
        choices = _choices(str(ctx.get("expected", "")))
        hint = did_you_mean(str(value), choices) or f" (use {' or '.join(map(repr, choices))})"
        return path, f"{value!r} is not one of the choices{hint}"
    simple = {
        "tuple_type": f"must be a list, e.g. [{_toml_value(value)}]"
        if isinstance(value, str)
        else 'must be a list, e.g. ["a", "b"]',
        "list_type": 'must be a list, e.g. ["a", "b"]',
        "string_type": "must be text in quotes",
        "string_too_short": "must not be empty",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "dict_type": "must be a table ([section] or { key = value })",
        "model_type": "must be a table ([section] or { key = value })",
        "model_attributes_type": "must be a table ([section] or { key = value })",
        "date_type": "must be a date as YYYY-MM-DD",
        "date_parsing": "must be a date as YYYY-MM-DD",
        "date_from_datetime_parsing": "must be a date as YYYY-MM-DD",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, not {value}",
        "greater_than": f"must be more than {ctx.get('gt')}, not {value}",
        "less_than_equal": f"must be at most {ctx.get('le')}, not {value}",
        "less_than": f"must be less than {ctx.get('lt')}, not {value}",
    }
    if kind in simple:
        return path, simple[kind]
    message = str(error["msg"]).removeprefix("Value error, ")
    return path, message[:1].lower() + message[1:]


# --- where each key is written -----------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r'^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*='
)
_INLINE_KEY = re.compile(r'[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=')


def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[str, int]:
    """Dotted path -> 1-based line of every table header and key written in ``text``.

    Arrays of tables count from 0 (``routes.1.tracker``), as pydantic's locations do. A scan of
    the common TOML layouts, not a parser: multi-line strings and arrays are not followed.
    """
    lines: dict[str, int] = {}
    table: list[str] = []
    arrays: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            parts = _split_key(header[2])
            name = ".".join(parts)
            if header[1] == "[[":
                arrays[name] = arrays.get(name, -1) + 1
                parts = [*parts, str(arrays[name])]
            table = parts
            lines.setdefault(".".join(table), number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = [*table, *_split_key(key[1])]
        lines.setdefault(".".join(path), number)
        rest = line[key.end() :]
        if rest.lstrip().startswith("{"):
            for inner in _INLINE_KEY.finditer(rest):
                name = inner[1].strip('"')
                lines.setdefault(".".join([*path, name]), number)
    return lines


def line_of(path: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``path``, else of the nearest table above it that the file writes."""
    parts = path.split(".")
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
