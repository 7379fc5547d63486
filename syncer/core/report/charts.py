"""The HTML report's charts as inline SVG, drawn by pygal with no JavaScript at all.

pygal always puts a small ``<script>`` holding its tooltip configuration into the SVG, even with
``js=[]``; the charts are built as an element tree and that element is removed before
serialising, so the report needs and runs no script. Labels from documents (team names) are
text nodes and attributes of the tree: the XML serialiser escapes them.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

import pygal
from pygal.style import Style

from syncer.core.report.model import Metrics

_FONTS = {
    "font_family": "system-ui, sans-serif",
    "label_font_size": 16,
    "major_label_font_size": 16,
    "value_font_size": 18,
    "legend_font_size": 16,
    "tooltip_font_size": 14,
}
"""Large enough to read when the chart is drawn at half its width on a narrow page."""

_STYLE = Style(
    background="white",
    plot_background="white",
    colors=("#2b6cb0", "#c53030", "#d69e2e", "#2f855a", "#6b46c1", "#4a5568"),
    **_FONTS,
)


SEVERITY_COLOURS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(sev[-_ ]?[01]|s[01]|p0|critical|blocker|highest)$"), "#9b2c2c"),
    (re.compile(r"^(sev[-_ ]?2|s2|p1|high|major)$"), "#dd6b20"),
    (re.compile(r"^(sev[-_ ]?3|s3|p2|medium|moderate)$"), "#d69e2e"),
    (re.compile(r"^(sev[-_ ]?[4-9]|s[4-9]|p[3-9]|low|lowest|minor)$"), "#3182ce"),
)
"""The colour of a severity, the same in every report: the most severe is the warmest."""

UNKNOWN_SEVERITY_COLOUR = "#718096"


def severity_rank(severity: str) -> tuple[int, str]:
    """Sort key: most severe first, severities nobody recognises (and "none") last."""
    folded = severity.strip().casefold()
    for rank, (pattern, _) in enumerate(SEVERITY_COLOURS):
        if pattern.match(folded):
            return rank, folded
    return len(SEVERITY_COLOURS), folded


def severity_colour(severity: str) -> str:
    rank, _ = severity_rank(severity)
    return SEVERITY_COLOURS[rank][1] if rank < len(SEVERITY_COLOURS) else UNKNOWN_SEVERITY_COLOUR


def whole_ticks(values: Iterable[int | None]) -> list[int]:
    """Y-axis ticks from zero in whole numbers, at most about six of them."""
    top = max((v for v in values if v is not None), default=0)
    top = max(top, 1)
    step = max(1, math.ceil(top / 5))
    return list(range(0, step * math.ceil(top / step) + 1, step))


def _config(values: Iterable[int | None], **overrides: object) -> dict[str, object]:
    listed = list(values)
    # pygal cannot place fixed y labels on a chart with no series: an empty chart has none.
    axis: dict[str, object] = {}
    if listed:
        ticks = whole_ticks(listed)
        axis = {"y_labels": ticks, "range": (0, ticks[-1])}
    return {
        **axis,
        "min_scale": 1,
        "include_x_axis": True,
        "value_formatter": lambda v: f"{v:.0f}",
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


def _svg(chart: pygal.graph.graph.Graph, *, title: str) -> str:
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    # The SVG's own title names the chart (a screen reader, a hover), never "Pygal"; the page's
    # caption shows it, so pygal draws no title of its own.
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "title":
            element.text = title
            break
    tree.set("role", "img")
    tree.set("aria-label", title)
    return ET.tostring(tree, encoding="unicode")


def age_chart(metrics: Metrics) -> str:
    """Open items by age bucket."""
    title = "Open items by age (days since the incident)"
    counts = [bucket.count for bucket in metrics.age_buckets]
    chart = pygal.Bar(**_config(counts, show_legend=False, print_values=True, print_zeroes=False))
    chart.x_labels = [bucket.label for bucket in metrics.age_buckets]
    chart.add("open items", counts)
    return _svg(chart, title=title)


def overdue_chart(metrics: Metrics) -> str:
    """Overdue items per team, stacked by severity."""
    cells = metrics.overdue_by_team_severity
    teams = sorted({cell.team for cell in cells})
    severities = sorted({cell.severity for cell in cells}, key=severity_rank)
    counts = {(cell.team, cell.severity): cell.count for cell in cells}
    totals = [sum(counts.get((team, s), 0) for s in severities) for team in teams]
    title = "Overdue items by team and severity"
    style = _severity_style(severities)
    chart = pygal.StackedBar(**_config(totals, style=style, print_values=True, print_zeroes=False))
    chart.x_labels = teams
    for severity in severities:
        chart.add(severity, [counts.get((team, severity)) for team in teams])
    return _svg(chart, title=title)


def _severity_style(severities: Sequence[str]) -> Style:
    colours = tuple(severity_colour(s) for s in severities) or _STYLE.colors
    return Style(background="white", plot_background="white", colors=colours, **_FONTS)


def trend_chart(metrics: Metrics) -> str:
    """Open and overdue items per week; a week without a run is a break in the line."""
    title = "Open and overdue items per week"
    values = [p.open for p in metrics.trend] + [p.overdue for p in metrics.trend]
    chart = pygal.Line(**_config(values, allow_interruptions=True, x_label_rotation=30))
    chart.x_labels = [point.week.isoformat() for point in metrics.trend]
    chart.add("open", [point.open for point in metrics.trend])
    chart.add("overdue", [point.overdue for point in metrics.trend])
    return _svg(chart, title=title)
