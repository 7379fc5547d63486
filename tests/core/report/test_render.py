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
from tests.support import report_world as w
from tests.support.report_world import report as world_report

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
        "INC-2050 recurred on payments-proxy 37 days after INC-2041 (same service); 2 of its 4 "
        "follow-ups "
        "were still open (OPS-7, OPS-9)"
    ) in text
    assert "### payments" in text
    assert "### search" in text
    assert "**web could not be read**" in text
    assert "As of Friday 27 November 2026, 12:00 UTC." in text
    assert "[OPS-9](<https://jira.example.com/browse/OPS-9>)" in text
    # The trend shows the week without a run as a gap.
    assert "| 2026-11-09 | gap | gap |" in text


def test_the_headline_counts_read_as_english() -> None:
    text = render_markdown(world_report())
    # One recurrence, four unfinished post-mortems, no loop closed: each noun agrees.
    # Each count links to its section; the ones that are a problem when non-zero stand out.
    assert (
        "[1 recurrence](#recurrence) · [0 loops closed](#loop-status) · [5 incidents](#loop-status)"
    ) in text
    assert "[**4 overdue**](#overdue)" in text
    assert "[0 due soon](#due-soon)" in text
    assert "[4 unfinished post-mortems](#post-mortems-without-follow-ups-or-unfinished)" in text
    html = render_html(world_report())
    assert '<a href="#recurrence"><b>1</b> recurrence</a>' in html
    assert '<a href="#overdue" class="bad"><b>4</b> overdue</a>' in html
    assert '<section id="overdue">' in html
    assert '<section id="post-mortems-without-follow-ups-or-unfinished">' in html


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
    assert data["schema_version"] == SCHEMA_VERSION == 2
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
    # Two charts; the trend has a single point, so it says when it starts instead.
    assert html.count("<svg") == 2
    assert "The trend starts after two weeks of runs." in html


@pytest.mark.parametrize("render", [render_markdown, render_html, render_json])
def test_renderers_are_deterministic_apart_from_chart_ids(render: object) -> None:
    assert callable(render)
    first, second = render(world_report()), render(world_report())
    strip = re.compile(r"chart-[0-9a-f-]{36}|on \d{4}-\d{2}-\d{2}")
    assert strip.sub("", first) == strip.sub("", second)


def test_json_matches_its_published_schema() -> None:
    import jsonschema

    from syncer.core.report.json import json_schema

    published = Path(__file__).parents[3] / "syncer" / "core" / "report" / "schema-v2.json"
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


# Text direction -------------------------------------------------------------------------------

RLO_TEAM = "pay\u202ements"  # a right-to-left override with no end: "pay" + "stnem" reversed


def bidi_report() -> Report:
    source = "pm/inc-77.md"
    document = Document(
        source=source,
        content_hash="b",
        incident=Incident(id="INC-77", date=dt.date(2026, 9, 1), severity="SEV1", team=RLO_TEAM),
        items=(w.item("INC-77", "a", "\u05ea\u05e7\u05df retries", source=source, line=4),),
    )
    return build_report(
        documents=[document], tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )


def test_html_isolates_every_value_so_an_override_cannot_turn_the_page_around() -> None:
    html = render_html(bidi_report())
    _check(html)
    assert f"Teams: <bdi>{RLO_TEAM}</bdi>." in html
    assert f"<h3><bdi>{RLO_TEAM}</bdi></h3>" in html
    assert '<td class="item"><bdi>\u05ea\u05e7\u05df retries</bdi></td>' in html


def test_markdown_and_the_digest_isolate_right_to_left_values() -> None:
    from syncer.core.report.digest import digest_payload

    text = render_markdown(bidi_report())
    assert f"Teams: \u2068{RLO_TEAM}\u2069." in text
    assert f"### \u2068{RLO_TEAM}\u2069" in text
    # An override never reaches the text outside its isolate.
    for line in text.splitlines():
        outside = re.sub("\u2068[^\u2069]*\u2069", "", line)
        assert "\u202e" not in outside, line
    payload = digest_payload(bidi_report(), team=RLO_TEAM)
    assert "\u202e" not in re.sub("\u2068[^\u2069]*\u2069", "", payload["text"])
    # Plain left-to-right text is left as it is.
    assert "\u2068" not in render_markdown(world_report())


def test_a_five_thousand_character_word_wraps_inside_its_cell() -> None:
    # The browser test measures it; here: cells may break anywhere, and dates never.
    html = render_html(hostile_report())
    assert "overflow-wrap: anywhere" in html
    assert re.search(r'<td class="nw">\d{4}-\d{2}-\d{2}</td>', html)


def test_the_document_column_links_and_a_document_without_an_id_shows_its_title() -> None:
    source = "pm/db-outage.md"
    document = Document(
        source=source,
        content_hash="t",
        incident=Incident(
            id="pm-db-outage", title="Database failover took 40 minutes", date=dt.date(2026, 9, 1)
        ),
        items=(w.item("pm-db-outage", "a", "Automate failover", source=source, line=7),),
    )
    report = build_report(
        documents=[document],
        tickets={},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
        document_base_url="https://git.example.com/pm/blob/main",
    )
    url = "https://git.example.com/pm/blob/main/pm/db-outage.md"
    html = render_html(report)
    assert f'<a href="{url}"><bdi>pm/db-outage.md:7</bdi></a>' in html
    assert "<td><bdi>Database failover took 40 minutes</bdi></td>" in html
    text = render_markdown(report)
    assert f"[pm/db-outage.md:7](<{url}>)" in text
    assert "| Database failover took 40 minutes | Automate failover |" in text


def test_as_of_is_in_the_readers_words_and_time_zone() -> None:
    report = world_report().model_copy(
        update={"policy": world_report().policy.model_copy(update={"timezone": "Europe/Berlin"})}
    )
    assert "As of Friday 27 November 2026, 13:00 CET (Europe/Berlin)." in render_markdown(report)


# Charts ---------------------------------------------------------------------------------------


def test_charts_have_fixed_severity_colours_whole_ticks_from_zero_and_real_titles() -> None:
    from syncer.core.report import charts

    metrics = world_report().metrics
    overdue = charts.overdue_chart(metrics)
    # SEV1 (most severe) is the warmest, SEV2 next: the same colours in every report.
    assert charts.severity_colour("SEV1") == "#9b2c2c"
    assert charts.severity_colour("sev2") == "#dd6b20"
    assert charts.severity_colour("whatever") == charts.UNKNOWN_SEVERITY_COLOUR
    assert re.findall(r"\.color-(\d)[^{]*\{[^}]*fill:(#[0-9a-f]+)", overdue)[:2] == [
        ("0", "#9b2c2c"),
        ("1", "#dd6b20"),
    ]
    assert charts.whole_ticks([0, 0]) == [0, 1]
    assert charts.whole_ticks([3, 7]) == [0, 2, 4, 6, 8]
    assert charts.whole_ticks([23]) == [0, 5, 10, 15, 20, 25]
    for svg, title in (
        (charts.age_chart(metrics), "Open items by age (days since the incident)"),
        (overdue, "Overdue items by team and severity"),
        (charts.trend_chart(metrics), "Open and overdue items per week"),
    ):
        assert "Pygal" not in svg
        assert f"<title>{title}</title>" in svg
        assert f'aria-label="{title}"' in svg
        # The y axis starts at zero and counts in whole numbers.
        axis = svg[svg.index('class="axis y') : svg.index('class="axis x')]
        ticks = re.findall(r'class="(?:major|)">([^<]*)</text>', axis)
        assert ticks[0] == "0", ticks
        assert all(t.isdigit() for t in ticks), ticks


def test_unreadable_dates_are_listed_with_their_line_in_every_format() -> None:
    odd = w.B1.model_copy(update={"unread_due": "next Friday"})
    d2 = w.D2.model_copy(update={"items": (odd, *w.D2.items[1:])})
    report = world_report(documents=(w.D1, d2))
    text = render_markdown(report)
    assert "| INC-2050 | pm/inc-2050.md:9 | Cap pool size: due date 'next Friday'" in text
    assert (
        "[**1 unreadable date or priority**](#dates-and-priorities-syncer-could-not-read)" in text
    )
    html = render_html(report)
    _check(html)
    assert "<bdi>pm/inc-2050.md</bdi>:9" in html
    assert json.loads(render_json(report))["document_findings"][0]["line"] == 9


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
    # In HTML the tracker's name is isolated like every value from a tracker.
    assert line.replace(": ops ", ": <bdi>ops</bdi> ") in render_html(report)
    assert json.loads(render_json(report))["full_listings"] == [
        {"tracker": "ops", "at": "2026-11-27T03:00:00Z"}
    ]
    none = build_report(
        documents=(), tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    assert "listed in full" not in render_markdown(none)
