"""Renderers: every section in every format, escaping, well-formed HTML with real SVG charts."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from syncer.core.report import ReportPolicy, build_report, render_html, render_json, render_markdown
from syncer.core.report.model import SCHEMA_VERSION, Report, TrackerRead
from syncer.core.report.text import SECTIONS
from syncer.model import Document, Incident, TicketRef
from tests.core.report import world as w
from tests.core.report.test_build import report as world_report

HOSTILE = "<script>alert(1)</script> | a `tick` & **bold** [x](javascript:alert(2))\nnext line"
HOSTILE_TEAM = "<b>ops</b>|team"


def hostile_report() -> Report:
    """One overdue, untracked, unowned item whose every text tries to break out."""
    source = "pm/<img src=x onerror=alert(3)>|.md"
    document = Document(
        source=source,
        content_hash="h",
        incident=Incident(
            id="INC-9`|", date=dt.date(2026, 9, 1), severity="SEV1|<i>", team=HOSTILE_TEAM
        ),
        items=(
            w.item("INC-9", "h", HOSTILE, source=source, line=4),
            w.item(
                "INC-9",
                "j",
                "linked | item",
                source=source,
                line=5,
                owner="@x|y",
                tickets=(TicketRef(system="jira", key="OPS-1", url="javascript:alert(4)"),),
            ),
        ),
    )
    ticket = w.ticket("OPS-1", item_key="inc-9.j", assignee="<svg onload=alert(5)>")
    ticket = ticket.model_copy(
        update={"ref": TicketRef(system="jira", key="OPS-1", url="javascript:alert(4)")}
    )
    return build_report(
        documents=[document],
        tickets={"ops": TrackerRead(tracker="ops", tickets=(ticket,))},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
    )


# Markdown -------------------------------------------------------------------------------------


def _markdown_html(text: str) -> str:
    html: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    return html


def test_markdown_has_every_section_and_none_when_empty() -> None:
    empty = build_report(
        documents=(), tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    text = render_markdown(empty)
    for _, title in SECTIONS:
        assert f"\n## {title}\n" in text
    # Every section but the metrics says "none".
    for key, title in SECTIONS:
        assert (f"## {title}\n\nnone\n" in text) is (key != "metrics")


def test_markdown_of_the_world() -> None:
    text = render_markdown(world_report())
    assert (
        "INC-2050 recurred on payments-proxy 37 days after INC-2041; 2 of its 4 follow-ups "
        "were still open (OPS-7, OPS-9)"
    ) in text
    assert "### payments" in text
    assert "### web" in text
    assert "**web could not be read**" in text
    assert "[OPS-9](<https://jira.example.com/browse/OPS-9>)" in text
    # The trend shows the week without a run as a gap.
    assert "| 2026-11-09 | gap | gap |" in text


def test_the_headline_counts_read_as_english() -> None:
    text = render_markdown(world_report())
    # One recurrence, four unfinished post-mortems, no loop closed: each noun agrees.
    assert "**1** recurrence · **0** loops closed · **5** incidents" in text
    assert "**4** unfinished post-mortems" in text
    html = render_html(world_report())
    assert "<b>1</b> recurrence</span>" in html


def test_markdown_escapes_what_documents_and_tickets_say() -> None:
    text = render_markdown(hostile_report())
    html = _markdown_html(text)
    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    assert "<strong>bold" not in html
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    # Every table row keeps its column count: no pipe or newline split a cell.
    for table in re.findall(r"((?:^\|.*\|\n)+)", text, flags=re.MULTILINE):
        rows = table.strip("\n").split("\n")
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows
    assert "next line" in text
    assert "\nnext line" not in text


# JSON ----------------------------------------------------------------------------------------


def test_json_is_versioned_and_round_trips_hostile_text() -> None:
    report = hostile_report()
    text = render_json(report)
    assert "<" not in text
    assert ">" not in text
    data = json.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION == 1
    titles = {e["row"]["title"] for e in data["overdue"]}
    assert HOSTILE in titles
    assert data["counts"] == report.counts()
    assert Report.model_validate({k: v for k, v in data.items() if k != "counts"}) == report


def test_json_has_every_section() -> None:
    data = json.loads(render_json(world_report()))
    for key, _ in SECTIONS:
        assert key in data
    assert data["recurrence"][0]["open_refs"] == ["OPS-7", "OPS-9"]
    assert data["metrics"]["trend"][1] == {"week": "2026-11-09", "open": None, "overdue": None}


# HTML ----------------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}


class _Checker(HTMLParser):
    """A strict well-formedness check: every element closed in order; scripts and links noted."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts = 0
        self.hrefs: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.svg_shapes = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note(tag, attrs)

    def _note(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if any(name.startswith("on") for name, _ in attrs):
            self.errors.append(f"event handler on <{tag}>")
        if tag == "a":
            self.hrefs.append(values.get("href") or "")
        if tag == "svg":
            self.svgs.append(values)
        if tag in ("path", "rect", "circle", "line", "polyline"):
            self.svg_shapes += 1

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def test_html_is_well_formed_with_three_svg_charts() -> None:
    html = render_html(world_report())
    assert html.startswith("<!DOCTYPE html>")
    checker = _check(html)
    assert checker.scripts == 0
    assert len(checker.svgs) == 3
    for svg in checker.svgs:
        width, height = float(svg["width"] or 0), float(svg["height"] or 0)
        assert width > 0
        assert height > 0
        assert svg["viewbox"] == f"0 0 {width:g} {height:g}"
    assert checker.svg_shapes > 10
    # Self-contained: nothing fetched from elsewhere.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html.replace('href="https://jira', ""))
    assert "Content-Security-Policy" in html
    text = " ".join(checker.text)
    for _, title in SECTIONS:
        assert title in text


def test_html_charts_draw_the_numbers() -> None:
    html = render_html(world_report())
    age = html[html.index('id="chart-age"') : html.index('id="chart-overdue"')]
    # One bar per age bucket, each carrying its count: 3, 0, 4, 0 (see test_build).
    values = re.findall(r'<desc class="value">([^<]*)</desc>', age)
    assert values == ["3", "0", "4", "0"]
    # The non-zero counts are printed on their bars: readable with no tooltip script.
    assert re.findall(r'class="value">([^<]*)</text>', age) == ["3", "4"]
    trend = html[html.index('id="chart-trend"') :]
    assert "2026-11-09" in trend
    assert "overdue" in trend


def test_html_escapes_what_documents_and_tickets_say() -> None:
    html = render_html(hostile_report())
    checker = _check(html)
    assert checker.scripts == 0
    assert not any(href.startswith("javascript") for href in checker.hrefs)
    text = "".join(checker.text)
    assert "<script>alert(1)</script> | a `tick`" in text
    assert "<b>ops</b>|team" in text  # shown as text, in the heading and the chart labels
    assert "<svg onload=alert(5)>" in text


def test_html_says_none_for_empty_sections() -> None:
    empty = build_report(
        documents=(), tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    html = render_html(empty)
    _check(html)
    assert html.count('<p class="none">none</p>') == len(SECTIONS) - 1
    assert html.count("<svg") == 3


@pytest.mark.parametrize("render", [render_markdown, render_html, render_json])
def test_renderers_are_deterministic_apart_from_chart_ids(render: object) -> None:
    assert callable(render)
    first, second = render(world_report()), render(world_report())
    strip = re.compile(r"chart-[0-9a-f-]{36}|on \d{4}-\d{2}-\d{2}")
    assert strip.sub("", first) == strip.sub("", second)


def test_json_matches_its_published_schema() -> None:
    import jsonschema

    from syncer.core.report.json import json_schema

    published = Path(__file__).parents[3] / "syncer" / "core" / "report" / "schema-v1.json"
    # A change to the report's values changes the schema: regenerate the file (and bump
    # SCHEMA_VERSION when a field is renamed, removed or changes meaning).
    assert json.loads(published.read_text(encoding="utf-8")) == json_schema()
    validator = jsonschema.Draft202012Validator(json_schema())
    for report in (world_report(), hostile_report()):
        errors = list(validator.iter_errors(json.loads(render_json(report))))
        assert errors == []
    broken = json.loads(render_json(world_report()))
    broken["overdue"][0]["row"]["surprise"] = 1
    assert not validator.is_valid(broken)


def test_every_format_over_the_repository_fixture_post_mortems() -> None:
    from syncer.core.parse import parse_bytes

    folder = Path(__file__).parents[2] / "fixtures" / "postmortems"
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}
    documents = [parse_bytes(t.encode(), source=name) for name, t in texts.items()]
    report = build_report(
        documents=documents,
        tickets={},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
        texts=texts,
    )
    assert len(report.loops) == len(documents)
    assert report.metrics.items == sum(len(d.items) for d in documents)
    markdown, html = render_markdown(report), render_html(report)
    for _, title in SECTIONS:
        assert f"## {title}" in markdown
        assert f"<h2>{title}</h2>" in html
    _check(html)
    data = json.loads(render_json(report))
    assert data["counts"]["incidents"] == len(documents)


def test_every_form_says_when_each_tracker_was_last_listed_in_full() -> None:
    listed = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
    reads = {
        "ops": TrackerRead(tracker="ops", last_full=listed),
        "gh": TrackerRead(tracker="gh", unavailable="down"),
    }
    report = build_report(
        documents=(), tickets=reads, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    assert [(f.tracker, f.at) for f in report.full_listings] == [("ops", listed)]
    line = "Tickets last listed in full (deletions show from then): ops 2026-11-27T03:00+00:00."
    assert line in render_markdown(report)
    assert line in render_html(report)
    assert json.loads(render_json(report))["full_listings"] == [
        {"tracker": "ops", "at": "2026-11-27T03:00:00Z"}
    ]
    none = build_report(
        documents=(), tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    assert "listed in full" not in render_markdown(none)
