"""The HTML report's charts as inline SVG, drawn by pygal with no JavaScript at all.

pygal always puts a small ``<script>`` holding its tooltip configuration into the SVG, even with
``js=[]``; the charts are built as an element tree and that element is removed before
serialising, so the report needs and runs no script. Labels from documents (team names) are
text nodes and attributes of the tree: the XML serialiser escapes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pygal
from pygal.style import Style

from syncer.core.report.model import Metrics

_STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, sans-serif",
    colors=("#2b6cb0", "#c53030", "#d69e2e", "#2f855a", "#6b46c1", "#4a5568"),
)


def _config(**overrides: object) -> dict[str, object]:
    return {
        "js": [],
        "style": _STYLE,
        "width": 640,
        "height": 320,
        "explicit_size": True,
        "disable_xml_declaration": True,
        "show_legend": True,
        "legend_at_bottom": True,
        "print_values": False,
        "no_data_text": "none",
        **overrides,
    }


def _svg(chart: pygal.graph.graph.Graph) -> str:
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return ET.tostring(tree, encoding="unicode")


def age_chart(metrics: Metrics) -> str:
    """Open items by age bucket."""
    chart = pygal.Bar(**_config(show_legend=False, print_values=True, print_zeroes=False))
    chart.x_labels = [bucket.label for bucket in metrics.age_buckets]
    chart.add("open items", [bucket.count for bucket in metrics.age_buckets])
    return _svg(chart)


def overdue_chart(metrics: Metrics) -> str:
    """Overdue items per team, stacked by severity."""
    cells = metrics.overdue_by_team_severity
    teams = sorted({cell.team for cell in cells})
    severities = sorted({cell.severity for cell in cells})
    counts = {(cell.team, cell.severity): cell.count for cell in cells}
    chart = pygal.StackedBar(**_config(print_values=True, print_zeroes=False))
    chart.x_labels = teams
    for severity in severities:
        chart.add(severity, [counts.get((team, severity)) for team in teams])
    return _svg(chart)


def trend_chart(metrics: Metrics) -> str:
    """Open and overdue items per week; a week without a run is a break in the line."""
    chart = pygal.Line(**_config(allow_interruptions=True, x_label_rotation=30))
    chart.x_labels = [point.week.isoformat() for point in metrics.trend]
    chart.add("open", [point.open for point in metrics.trend])
    chart.add("overdue", [point.overdue for point in metrics.trend])
    return _svg(chart)
