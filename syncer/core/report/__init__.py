"""The follow-up report: a pure model (``build_report``) and its renderers.

``build_report`` turns documents, tickets, links, history and a policy into a ``Report`` value;
``render_markdown``, ``render_html`` and ``render_json`` turn that value into text; ``gate``
answers ``--fail-on``. Nothing here reads a clock, file, environment or tracker.

Each name is imported from its module when first used: ``syncer report --help`` needs the gate
kinds (``gate.py``, ``formats.py``), not Jinja2 and pygal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported now: a submodule named ``gate`` would otherwise stand where the function should.
from syncer.core.report.gate import gate

if TYPE_CHECKING:
    from syncer.core.report.build import build_report
    from syncer.core.report.html import render_html
    from syncer.core.report.inputs import owners_for, routes_for
    from syncer.core.report.json import render_json
    from syncer.core.report.markdown import render_markdown
    from syncer.core.report.metrics import history_from_runs
    from syncer.core.report.model import HistoryPoint, Report, TrackerRead
    from syncer.core.report.policy import ReportPolicy, policy_from_config

_HOMES = {
    "HistoryPoint": "model",
    "Report": "model",
    "ReportPolicy": "policy",
    "TrackerRead": "model",
    "build_report": "build",
    "history_from_runs": "metrics",
    "owners_for": "inputs",
    "policy_from_config": "policy",
    "render_html": "html",
    "render_json": "json",
    "render_markdown": "markdown",
    "routes_for": "inputs",
}

__all__ = [
    "HistoryPoint",
    "Report",
    "ReportPolicy",
    "TrackerRead",
    "build_report",
    "gate",
    "history_from_runs",
    "owners_for",
    "policy_from_config",
    "render_html",
    "render_json",
    "render_markdown",
    "routes_for",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value  # once: the next lookup finds it
    return value
