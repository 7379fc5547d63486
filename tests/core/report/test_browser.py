"""The HTML report in a real headless browser: Debian's ``chromium`` driven by Playwright.

The charts render as boxes with something drawn in them, the page logs no console error,
loads nothing but itself (no external asset, no script), and hostile titles stay text. A
screenshot of the demo's report is kept under ``artifacts/`` (ignored by git) and its path
printed. Without chromium this test fails: ``.ci/run`` installs it.

The layout is checked at 1400 px and 820 px: the page never scrolls sideways (a 5,000-character
word wraps inside its cell), and no date, age or status breaks over two lines. Screenshots at
both widths are kept under ``artifacts/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from syncer.cli import main

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed (apt-get install chromium; .ci/run does)")
    return found


@dataclass
class Opened:
    page: Page
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def browser_page() -> Iterator[Opened]:
    executable = chromium()
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = context.new_page()
            opened = Opened(page)
            page.on("console", lambda m: opened.console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: opened.console.append(f"pageerror: {e}"))
            page.on("request", lambda r: opened.requests.append(r.url))
            yield opened
        finally:
            context.close()


def assert_charts_render(opened: Opened, html: Path) -> None:
    page = opened.page
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    charts = page.locator("svg")
    # Age buckets, overdue by team x severity, and the weekly trend once it has two weeks.
    trend_pending = page.get_by_text("The trend starts after two weeks of runs.").count() == 1
    assert charts.count() == (2 if trend_pending else 3)
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 100
        # Something is drawn inside: a shape with a non-empty box of its own.
        shapes = charts.nth(index).locator("rect, path, circle")
        drawn = [shapes.nth(i).bounding_box() for i in range(min(shapes.count(), 50))]
        assert any(b is not None and b["width"] > 0 and b["height"] > 0 for b in drawn)
    assert opened.console == []
    assert opened.requests == [html.as_uri()]  # self-contained: nothing else is loaded


WIDTHS = (1400, 820)

_LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  for (const cell of document.querySelectorAll('td.nw, th.nw')) {
    const line = parseFloat(getComputedStyle(cell).lineHeight) || 20;
    const range = document.createRange();
    range.selectNodeContents(cell);
    if (range.getBoundingClientRect().height > line * 1.5) {
      problems.push(`broken over lines: ${cell.textContent}`);
    }
  }
  for (const table of document.querySelectorAll('table')) {
    if (table.getBoundingClientRect().right > window.innerWidth + 1) {
      problems.push(`table past the page: ${table.getBoundingClientRect().right}px`);
    }
  }
  return problems;
}"""


def assert_layout(opened: Opened, html: Path, *, name: str) -> list[Path]:
    """At each width: no sideways scrolling, nothing that must stay on one line broken, a
    screenshot kept. Returns the screenshots."""
    shots = []
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        opened.page.set_viewport_size({"width": width, "height": 1000})
        opened.page.goto(html.as_uri())
        opened.page.wait_for_load_state("load")
        assert opened.page.evaluate(_LAYOUT_PROBLEMS) == [], width
        shot = ARTIFACTS / f"{name}-{width}.png"
        opened.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        shots.append(shot)
    return shots


def test_the_demo_report_renders_in_chromium(
    tmp_path: Path, browser_page: Opened, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--workdir", str(tmp_path / "demo")]) == 0
    html = tmp_path / "demo" / "followup-report.html"
    assert_charts_render(browser_page, html)
    shots = assert_layout(browser_page, html, name="followup-report-demo")
    with capsys.disabled():
        print(f"\nscreenshots of the demo's follow-up report: {', '.join(map(str, shots))}")


HOSTILE = """\
---
id: INC-6666
date: 2026-09-01
severity: SEV1
team: "<img src=x onerror=console.error('team')>"
---

# <script>console.error('title')</script>

## Action items
- [ ] <script>console.error('item')</script> fix | the `pipe` @alice due 2026-10-01
- [ ] <img src=x onerror="console.error('img')"> [link](javascript:alert(1))
- [ ] Rotate the LONGWORD key @bob due 2026-10-02
"""


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path, browser_page: Opened) -> None:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-6666.md").write_text(HOSTILE.replace("LONGWORD", "x" * 5000))
    (tmp_path / "syncer.toml").write_text(
        '[sources]\npaths = ["postmortems"]\nroot = "postmortems"\n[state]\npath = "s.db"\n'
    )
    html = tmp_path / "report.html"
    config = str(tmp_path / "syncer.toml")
    as_of = ["--as-of", "2026-11-27"]
    assert main(["report", "--config", config, *as_of, "--output", str(html)]) == 0
    assert_charts_render(browser_page, html)
    text = browser_page.page.inner_text("body")
    # Tags written in a title or front matter are kept as the text they are, never run.
    assert "Teams: <img src=x onerror=console.error('team')>" in text
    assert "<script>console.error('item')</script> fix | the pipe" in text
    assert browser_page.page.locator("img, script").count() == 0
    # The 5,000-character word wraps inside its cell at either width: no sideways scrolling.
    assert_layout(browser_page, html, name="followup-report-hostile")


def test_a_right_to_left_override_turns_only_its_own_value(
    tmp_path: Path, browser_page: Opened
) -> None:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-7.md").write_text(
        '---\nid: INC-7\ndate: 2026-09-01\nteam: "pay\u202ements"\n---\n\n# INC-7\n\n'
        "## Action items\n- [ ] Add retries @alice due 2026-10-01\n"
    )
    (tmp_path / "syncer.toml").write_text(
        '[sources]\npaths = ["postmortems"]\nroot = "postmortems"\n[state]\npath = "s.db"\n'
    )
    html = tmp_path / "report.html"
    config = str(tmp_path / "syncer.toml")
    assert main(["report", "--config", config, "--as-of", "2026-11-27", "--output", str(html)]) == 0
    page = browser_page.page
    page.goto(html.as_uri())
    # Seen before the fix: "Teams: pay bew ,stnem" (the override ran on past the value).
    paragraph = page.locator("p.asof")
    shown = paragraph.inner_text()
    assert shown.endswith("Teams: pay\u202ements.")
    # What the eye reads: "Teams:" stays left of the value and the closing "." right of it.
    # Without an isolate the override ran on and drew the "." before the team's letters.
    order = page.evaluate(
        """() => {
          const p = document.querySelector('p.asof');
          const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
          let last = null, teams = null;
          while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.textContent.includes('Teams:')) teams = node;
            last = node;
          }
          const rect = (node, start, end) => {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            return range.getBoundingClientRect();
          };
          const label = rect(teams, teams.textContent.indexOf('Teams:'), teams.textContent.length);
          const dot = rect(last, last.textContent.length - 1, last.textContent.length);
          const name = p.querySelector('bdi').getBoundingClientRect();
          return [label.right <= name.left + 1, dot.left >= name.right - 1];
        }"""
    )
    assert order == [True, True]
