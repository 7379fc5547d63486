"""Validate JSON against the official OpenAPI descriptions (copies in tests/sandbox/apispecs/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

SPECS = Path(__file__).resolve().parents[1] / "sandbox" / "apispecs"
GITHUB = "github-rest-issues.openapi.json"
JIRA = "jira-cloud-platform-v3-issues.openapi.json"


@cache
def _spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SPECS / name).read_text(encoding="utf-8"))
    _allow_null_in_nullable_enums(loaded)
    return loaded


def _allow_null_in_nullable_enums(node: Any) -> None:
    """``nullable: true`` with an ``enum`` that lacks ``null`` rejects null under OpenAPI 3.0.3's
    reading, yet GitHub sends ``"state_reason": null`` for open issues; its description means
    "one of these, or null", so say so."""
    if isinstance(node, dict):
        if node.get("nullable") is True and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_in_nullable_enums(value)


def validate(spec: str, pointer: str, instance: Any) -> None:
    """Validate ``instance`` against ``#/components/...`` or a response schema pointer.

    The schema is wrapped in a document that carries the spec's ``components`` so every
    ``$ref`` resolves inside the file.
    """
    document = _spec(spec)
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    schema = {**node, "components": document["components"]}
    OAS30Validator(schema).validate(instance)
