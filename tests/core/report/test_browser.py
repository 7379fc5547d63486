"""The HTML report in a real headless browser: Debian's ``chromium`` driven by Playwright.

The charts render as boxes with something drawn in them, the page logs no console error,
loads nothing but itself (no external asset, no script), and hostile titles stay text. A
screenshot of the demo's report is kept under ``artifacts/`` (ignored by git) and its path
printed. Without chromium this test fails: ``.ci/run`` installs it.
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
    assert charts.count() == 3  # age buckets, overdue by team x severity, weekly trend
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


def test_the_demo_report_renders_in_chromium(
    tmp_path: Path, browser_page: Opened, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--workdir", str(tmp_path / "demo")]) == 0
    html = tmp_path / "demo" / "followup-report.html"
    assert_charts_render(browser_page, html)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "followup-report-demo.png"
    browser_page.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nscreenshot of the demo's follow-up report: {shot}")


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
"""


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path, browser_page: Opened) -> None:
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "inc-6666.md").write_text(HOSTILE)
    (tmp_path / "syncer.toml").write_text(
        '[sources]\npaths = ["postmortems"]\nroot = "postmortems"\n[state]\npath = "s.db"\n'
    )
    html = tmp_path / "report.html"
    config = str(tmp_path / "syncer.toml")
    as_of = ["--as-of", "2026-11-27"]
    assert main(["report", "--config", config, *as_of, "--output", str(html)]) == 0
    assert_charts_render(browser_page, html)
    text = browser_page.page.inner_text("body")
    # The parser drops tags from item titles; front matter keeps them, as text.
    assert "Teams: <img src=x onerror=console.error('team')>" in text
    assert "console.error('item') fix | the pipe" in text
    assert browser_page.page.locator("img, script").count() == 0
