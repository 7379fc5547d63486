"""The sandbox's overview page: priority, post-mortem links, overdue rows, filter and pages."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from syncer.cli import main
from syncer.sandbox.page import PAGE_SIZE, render_page, source_link
from syncer.sandbox.store import State, load_state

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory: pytest.TempPathFactory) -> State:
    workdir = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--workdir", str(workdir)], stdout=io.StringIO()) == 0
    state = load_state(workdir / "sandbox.json")
    assert state is not None
    return state


def _rows(html: str) -> list[str]:
    return [row for row in re.findall(r"<tr[ >].*?</tr>", html, flags=re.S) if "<td" in row]


def test_every_issue_shows_priority_source_and_a_zoned_time(demo_state: State) -> None:
    html = render_page(demo_state, base_url="http://127.0.0.1:1", now=NOW)
    rows = _rows(html)
    assert len(rows) == 18
    assert "<th>Priority</th>" in html
    assert "<td>High</td>" in rows[6]  # OPS-7, from the incident's SEV2
    # The demo sets [sources] base_url: the post-mortem is a link.
    assert ">2026-10-checkout-proxy-pool.md</a>" in rows[6]
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", row) for row in rows)


def test_open_issues_past_their_due_date_are_highlighted(demo_state: State) -> None:
    html = render_page(demo_state, base_url="http://x", now=NOW)
    overdue = [row for row in _rows(html) if row.startswith("<tr class=overdue")]
    assert overdue
    for row in overdue:
        due = re.search(r"(\d{4}-\d\d-\d\d) <span class=\"overdue-tag\">", row)
        assert due is not None
        assert due.group(1) < "2026-11-27"
        assert "Done" not in row
    early = render_page(demo_state, base_url="http://x", now=datetime(2026, 1, 1, tzinfo=UTC))
    assert "class=overdue" not in early


def test_the_filter_keeps_matching_rows_and_escapes_what_was_typed(demo_state: State) -> None:
    query = {"q": ["canary"], "show": ["open"]}
    html = render_page(demo_state, base_url="http://x", query=query, now=NOW)
    rows = _rows(html)
    assert len(rows) == 1
    assert "Add a canary stage" in rows[0]
    hostile = render_page(demo_state, base_url="http://x", query={"q": ['"><b>x']}, now=NOW)
    assert '"><b>x' not in hostile
    assert "&quot;&gt;&lt;b&gt;x" in hostile
    overdue = render_page(demo_state, base_url="http://x", query={"show": ["overdue"]}, now=NOW)
    assert all("overdue" in row for row in _rows(overdue))


def test_large_projects_are_paged(demo_state: State) -> None:
    template = demo_state.jira_issues[0]
    many = [
        template.model_copy(update={"key": f"OPS-{n}", "id": 10_000 + n, "summary": f"Item {n}"})
        for n in range(1, 131)
    ]
    state = demo_state.model_copy(update={"jira_issues": many, "github_issues": []})
    first = render_page(state, base_url="http://x", now=NOW)
    assert len(_rows(first)) == PAGE_SIZE
    assert "50 of 130 issues" not in first
    assert "130 of 130 issues, page 1 of 3" in first
    assert '<a href="?page=2">2</a>' in first
    third = render_page(state, base_url="http://x", query={"page": ["3"]}, now=NOW)
    assert [re.search(r">OPS-(\d+)<", r).group(1) for r in _rows(third)][:1] == ["101"]  # type: ignore[union-attr]
    assert len(_rows(third)) == 30
    assert len(first) < 60_000


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (
            "- **Post-mortem:** [a.md](https://git.example/pm/blob/main/a.md)",
            '<a href="https://git.example/pm/blob/main/a.md">a.md</a>',
        ),
        (
            "* *Post-mortem:* [a.md|https://git.example/a.md]",
            '<a href="https://git.example/a.md">a.md</a>',
        ),
        ("* *Post-mortem:* {{b.md}}", "<code>b.md</code>"),
        ("- **Post-mortem:** [a.md](javascript:alert(1))", "<code>a.md</code>"),
        ("no source", "-"),
    ],
)
def test_the_source_post_mortem_is_linked_when_its_url_is_known(body: str, html: str) -> None:
    assert source_link(body) == html


def test_the_labels_column_keeps_syncers_long_marker_labels_out_of_the_way(
    demo_state: State,
) -> None:
    # Seen before: "syncer:2026-08-search-indexer-backlog.23782744cd" took most of the width.
    html = render_page(demo_state, base_url="http://x", now=NOW)
    cells = re.findall(r"<td class=labels>(.*?)</td>", html)
    assert len(cells) == 18
    for cell in cells:
        visible = re.sub(r'title="[^"]*"', "", cell)
        assert "syncer:" not in visible
        assert "postmortem" in visible
    assert 'title="syncer:inc-2041.' in html  # the full marker is still there, as a tooltip


def test_ticket_descriptions_name_the_incident_once(demo_state: State) -> None:
    from syncer.sandbox.page import render_issue_page

    page = render_issue_page(demo_state, "/browse/OPS-7")
    assert page is not None
    assert re.search(r"Incident:\*{1,2} INC-2041 \(severity SEV2", page)
    assert "Post-Mortem: Incident INC-2041" not in page
