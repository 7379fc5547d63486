"""``render_html``: the report as one self-contained HTML file with inline SVG charts.

Jinja2 renders ``templates/report.html.j2`` with autoescaping on, so every text from a
document or ticket is escaped; the only markup passed through unescaped is the SVG the chart
library drew (``charts.py``). No external asset, no script: a Content-Security-Policy in the
page forbids both, so a browser refuses anything that slipped in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from syncer.core.report import charts, text
from syncer.core.report.model import Report

_ENV = Environment(
    loader=PackageLoader("syncer.core.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links are written; anything else (``javascript:``) is dropped."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _isolated(value: object) -> Markup:
    """A value from a document or tracker, escaped and in its own ``<bdi>``: a right-to-left
    override in a team name reorders only that name, never the report's words around it."""
    return Markup("<bdi>") + escape(str(value)) + Markup("</bdi>")


TOKEN_MAX = 40
"""A short token (an incident id, a ticket key, a status, a name) is never broken over lines;
a longer value is text and wraps anywhere, so no value can push the page sideways."""


def _token(value: object, phrase: bool = False) -> Markup:
    """A word-like value kept on one line; a title with spaces still wraps between words
    unless ``phrase`` (a status such as "[In Progress]") asks to keep it whole."""
    shown = _isolated(value)
    text = str(value)
    if len(text) > TOKEN_MAX or (not phrase and any(c.isspace() for c in text)):
        return shown
    return Markup('<span class="nw">') + shown + Markup("</span>")


_ENV.filters["safe_url"] = _safe_url
_ENV.filters["v"] = _isolated
_ENV.filters["tok"] = _token
_ENV.globals["ticket_status"] = text.ticket_status_text
_ENV.globals.update(
    anchor=text.anchor,
    incident_text=text.incident_text,
    where=text.where,
    owner_text=text.owner_text,
    ticket_text=text.ticket_text,
    age_text=text.age_text,
    percent=text.percent,
    days=text.days,
)


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    template = _ENV.get_template("report.html.j2")
    return template.render(
        report=report,
        sections=text.SECTIONS,
        headline=text.headline(report),
        as_of=text.as_of_text(report),
        trend_ready=text.trend_has_data(report.metrics),
        trend_too_short=text.TREND_TOO_SHORT,
        policy=text.policy_text(report),
        age_chart=Markup(charts.age_chart(report.metrics)),  # noqa: S704  # SVG from pygal's serialiser
        overdue_chart=Markup(charts.overdue_chart(report.metrics)),  # noqa: S704  # same
        trend_chart=Markup(charts.trend_chart(report.metrics)),  # noqa: S704  # same
    )
