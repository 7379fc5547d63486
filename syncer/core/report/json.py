"""``render_json``: the report in its documented, versioned JSON form (see the README).

The form is ``Report.model_dump`` in JSON mode, so it cannot drift from the values; its
``schema_version`` changes whenever a field is renamed, removed or changes meaning (fields may
be added within a version). ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so the JSON
stays inert even when pasted into an HTML page.
"""

from __future__ import annotations

import json as jsonlib

from syncer.core.report.model import SCHEMA_VERSION, Report


def report_data(report: Report) -> dict[str, object]:
    """The JSON form as Python data, with the headline counts added."""
    data = report.model_dump(mode="json")
    data["counts"] = report.counts()
    return data


def json_schema() -> dict[str, object]:
    """The JSON Schema of ``render_json``'s output (``syncer/core/report/schema-v2.json``)."""
    schema = Report.model_json_schema(mode="serialization")
    properties = schema["properties"]
    assert isinstance(properties, dict)
    properties["counts"] = {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "description": "headline counts, one per section",
    }
    required = schema.setdefault("required", [])
    assert isinstance(required, list)
    required.extend(name for name in ("schema_version", "counts") if name not in required)
    schema["$id"] = f"https://syncer.invalid/report/schema-v{SCHEMA_VERSION}.json"
    schema["title"] = f"syncer follow-up report, schema version {SCHEMA_VERSION}"
    return schema


def render_json(report: Report) -> str:
    text = jsonlib.dumps(report_data(report), indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
