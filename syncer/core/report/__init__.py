"""The follow-up report: a pure model (``build_report``) and its renderers.

``build_report`` turns documents, tickets, links, history and a policy into a ``Report`` value;
``render_markdown``, ``render_html`` and ``render_json`` turn that value into text; ``gate``
answers ``--fail-on``. Nothing here reads a clock, file, environment or tracker.
"""

from syncer.core.report.build import build_report
from syncer.core.report.gate import gate
from syncer.core.report.html import render_html
from syncer.core.report.inputs import owners_for, routes_for
from syncer.core.report.json import render_json
from syncer.core.report.markdown import render_markdown
from syncer.core.report.metrics import history_from_runs
from syncer.core.report.model import HistoryPoint, Report, TrackerRead
from syncer.core.report.policy import ReportPolicy, policy_from_config

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
