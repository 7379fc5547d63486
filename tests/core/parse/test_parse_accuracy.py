"""``bench/parse_accuracy.py`` scores the parser against a key in the shared key's format,
here the project's own fixtures and a small key written for them (``accuracy-key.json``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.parse_rows import FIXTURES

BENCH = Path(__file__).resolve().parents[3] / "bench" / "parse_accuracy.py"
KEY = Path(__file__).parent / "accuracy-key.json"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parse_accuracy", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["parse_accuracy"] = module
    spec.loader.exec_module(module)
    return module


def test_scores_the_fixtures_against_their_key(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main([str(FIXTURES), str(KEY), "--verbose"]) == 0
    out = capsys.readouterr().out
    # The two candidates of "Improvements" are possible follow-ups: not ticketed, so missed.
    assert "miss confirmed_candidates.md: Request coalescing in the catalogue client" in out
    assert out.splitlines()[-1] == (
        "docs=6 items=19 tp=17 fp=0 fn=2 precision=1.000 recall=0.895 F1=0.944 "
        "owner=1.00 due=1.00 ticket=1.00 done=1.00"
    )


def test_a_lower_threshold_tickets_the_possible_follow_ups(bench: ModuleType) -> None:
    key = json.loads(KEY.read_text())
    score = bench.score_folder(FIXTURES, key, threshold=0.3)
    assert (score.tp, score.fn) == (19, 0)


def test_the_floors_decide_the_exit_status(bench: ModuleType) -> None:
    assert bench.main([str(FIXTURES), str(KEY), "--min-precision", "1.0"]) == 0
    assert bench.main([str(FIXTURES), str(KEY), "--min-f1", "0.95"]) == 1


def test_field_accuracy_counts_only_matched_items(bench: ModuleType) -> None:
    score = bench.Score()
    bench.score_document(
        [{"title": "Rotate keys", "owner": "@ana", "due": None, "ticket": "OPS-1", "done": True}],
        [],
        name="x.md",
        score=score,
    )
    assert (score.tp, score.fn, score.fp) == (0, 1, 0)
    assert score.accuracy("owner") == 0.0


@pytest.mark.parametrize(
    ("expected", "found", "similar"),
    [
        ("Rotate the keys.", "rotate the **keys**", True),
        ("https://github.com/o/r/issues/5", "o/r#5", True),
        ("Add alerting on the queue depth", "Add a runbook", False),
    ],
)
def test_titles_match_loosely(bench: ModuleType, expected: str, found: str, similar: bool) -> None:
    assert (bench.title_similarity(expected, found) >= bench.MATCH) is similar
