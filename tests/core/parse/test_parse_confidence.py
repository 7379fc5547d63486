"""Confidence: candidates the evidence does not support are possible follow-ups, not items.

Each fixture imitates a layout that real post-mortems use and that an earlier parser over-read
or missed: operator instructions and release lists under "next steps", lessons with
``Action point:`` paragraphs and "we will" commitments, advice under "Prevention", prose under
"Looking forward", and the author's ways of confirming an uncertain list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.config import SourcesConfig
from syncer.core.parse import DEFAULT_CONFIDENCE, parse_postmortem, with_threshold
from tests.support.parse_rows import FIXTURES, parse_fixture

# fixture -> (titles ticketed, titles kept as possible follow-ups)
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "status_next_steps": (
        ["Peer cache versioning", "Canary relays before a fleet rollout"],
        [
            "Upgrade their relays to the builds listed below",
            "Restart the relay with a clean peer cache",
            "Watch the sync dashboard for an hour after the restart",
            "Relay: v3.2.4",
            "Gateway: v1.9.0",
            "Indexer branch: relay-recovery",
            "Peer list for the healthy network",
            "Sync dashboard",
        ],
    ),
    "lessons_action_points": (
        [
            "route the index freshness alert to the search on-call rotation",
            "add a runbook entry for a stuck index refresh",
            "We will post a first status update within 30 minutes of a customer-visible incident",
            "Although the refresh job was not the trigger, we will add a timeout to it",
            "Finally, we will retire the legacy refresh path by the end of the quarter",
        ],
        [],
    ),
    "prevention_advice": (
        [
            "Ship agent 4.1 with staging-copy pruning",
            "Warn in the agent's log when the volume is more than 80% full",
            "Email customers still running agent 4.0 or older",
        ],
        [
            "Keep at least 20% of the backup volume free. The agent needs room for its staging "
            "copy",
            "Upgrade to agent 4.1 or later. It prunes old staging copies",
            "Watch the agent's exit status. A non-zero exit means the night's backup is missing",
            "Customers should keep two nights of backups on a second volume",
            "Operators can raise the agent's log level to see pruning decisions",
        ],
    ),
    "looking_forward": (
        [
            "We will store the acknowledgement of every webhook before the sender retries it",
            "Lastly, we will add an idempotency key to every webhook payload so that receivers "
            "can drop duplicates themselves",
        ],
        [
            "The sender's retry schedule is owned by two teams today, and neither reviewed the "
            "change that caused this.",
        ],
    ),
    "confirmed_candidates": (
        ["Shared cache warm-up job", "Load test with a cold cache"],
        ["Request coalescing in the catalogue client", "Jittered expiry for the hot keys"],
    ),
    "dropped_items": (
        [
            "Why? Fix the retry storm",
            "Fix the {{ .Values.replicas }} default in the Helm chart",
            "Make the <h1> on the status page smaller",
            "Remove the inline <style> block from the status page",
            "Close the stray </td> in the incident table template",
        ],
        [],
    ),
    "template_sample_rows": ([], []),
    # "Users need not do anything." above a list is no advice to them (no colon ends it);
    # "Short term" over a paragraph names a group, not an item.
    "grouped_prose": (
        [
            "Add a backlog alert",
            "Shard the queue per tenant",
            "We will add a backlog alert to the queue dashboard before the next release",
            "We will shard the queue per tenant",
        ],
        [],
    ),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_items_and_possible_follow_ups(name: str, expected: tuple[list[str], list[str]]) -> None:
    document = parse_fixture(name)
    items, possible = expected
    assert [item.title for item in document.items] == items
    assert [p.item.title for p in document.possible] == possible
    assert len(document.assessments) == len(document.items)
    assert all(a.confidence >= DEFAULT_CONFIDENCE for a in document.assessments)
    assert all(p.assessment.confidence < DEFAULT_CONFIDENCE for p in document.possible)


def test_every_candidate_says_which_evidence_decided() -> None:
    document = parse_fixture("status_next_steps")
    operators = document.possible[0].assessment.evidence
    assert "-3 the text above addresses operators, users or customers" in operators
    release = document.possible[3].assessment.evidence
    assert "-3 a version or branch to install, not a task" in release
    assert any("bare link" in e for e in document.possible[6].assessment.evidence)


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("status_next_steps", "Where things stand and next steps"),
        ("prevention_advice", "Prevention"),
        ("confirmed_candidates", "Improvements"),
    ],
)
def test_a_refused_action_heading_is_named(name: str, heading: str) -> None:
    messages = [w.message for w in parse_fixture(name).warnings]
    assert any(
        m.startswith(f"heading {heading!r} looks like an action-item section") for m in messages
    ), messages


def test_a_timeline_sub_heading_never_holds_items() -> None:
    document = parse_fixture("status_next_steps")
    titles = [c.item.title for c in document.possible] + [i.title for i in document.items]
    assert not any(title.startswith("10:") for title in titles)


def test_action_points_take_the_done_note_below_them() -> None:
    first = parse_fixture("lessons_action_points").items[0]
    assert first.done is True
    assert (first.line, first.end_line) == (13, 14)


def test_items_that_are_not_read_are_named_with_their_line() -> None:
    document = parse_fixture("dropped_items")
    [warning] = document.warnings
    assert warning.line == 10
    assert "template placeholders" in warning.message


def test_template_sample_rows_are_no_items_and_say_so() -> None:
    document = parse_fixture("template_sample_rows")
    assert document.items == ()
    assert document.possible == ()
    assert "sample rows of a template" in document.warnings[0].message


def test_items_nested_too_deep_are_named() -> None:
    deep = "\n".join("  " * n + f"- level {n}" for n in range(25))
    document = parse_postmortem(f"# Deep\n\n## Action items\n\n{deep}\n", source="deep.md")
    assert any("nested deeper than 20 levels" in w.message for w in document.warnings)


def test_a_threshold_moves_candidates_between_items_and_possible() -> None:
    document = parse_fixture("confirmed_candidates")
    everything = with_threshold(document, 0.0)
    assert len(everything.items) == 4
    assert everything.possible == ()
    assert [i.line for i in everything.items] == sorted(i.line for i in everything.items)
    strict = with_threshold(everything, 0.99)
    assert strict.items == ()
    assert len(strict.possible) == 4
    assert with_threshold(strict, DEFAULT_CONFIDENCE) == document


def test_keys_do_not_depend_on_the_threshold() -> None:
    document = parse_fixture("confirmed_candidates")
    keys = {i.key for i in with_threshold(document, 0.0).items}
    assert keys == {i.key for i in document.items} | {p.item.key for p in document.possible}


def test_the_config_default_is_the_parsers() -> None:
    assert SourcesConfig().confidence == DEFAULT_CONFIDENCE


def test_parse_json_lists_possible_follow_ups_under_their_own_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = FIXTURES / "confirmed_candidates.md"
    assert main(["parse", "--format", "json", str(path)]) == 0
    [document] = json.loads(capsys.readouterr().out)
    assert [i["title"] for i in document["items"]] == [
        "Shared cache warm-up job",
        "Load test with a cold cache",
    ]
    possible = document["possible_items"]
    assert [p["title"] for p in possible] == [
        "Request coalescing in the catalogue client",
        "Jittered expiry for the hot keys",
    ]
    assert possible[0]["section"] == "Improvements"
    assert possible[0]["confidence"] < DEFAULT_CONFIDENCE
    assert possible[0]["evidence"]


def test_parse_confidence_option_and_verbose_evidence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = FIXTURES / "confirmed_candidates.md"
    assert main(["parse", "-v", "--confidence", "0.3", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Request coalescing in the catalogue client" in out
    assert "possible follow-ups" not in out
    assert "+3 under an <!-- syncer: items --> marker" in out
