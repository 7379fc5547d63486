"""How well the parser reads action items, scored against a hand-written answer key.

    python bench/parse_accuracy.py FOLDER KEY [--confidence X] [--verbose]

KEY is a JSON object in the format of the shared ``answer-key.json``: ``{file name: [{title,
owner, due, priority, ticket, done}, ...]}``, one entry per document of FOLDER that is scored.
Only ticketed items count (``Document.items``); possible follow-ups count as not ticketed.
Prints item precision, recall and F1, and the accuracy of owner, due, ticket and done over the
items found. Titles match loosely (case, markup, spacing; containment; similarity >= 0.75);
tickets match by their keys and numbers, whatever their form (URL, ``#12``, ``OPS-3``).

Exit status 0, or 1 when ``--min-f1``/``--min-precision`` is not reached.

Measuring honestly on the shared documents (``../shared/corpus`` and ``corpus-keyed``): split
them by organisation (the word after ``NN-`` in the file name; cog-uk, k8s-test-infra and
titan-relay are one organisation each, geth and ethereum-pm together "ethereum") and hold out
every organisation whose ``sha256(name)`` starts with a hex digit below 8. Issue 16 held out
2i2c, atlassian, chia, cog-uk, dastergon, hyperbola, k8s-test-infra, openfoodfacts, pagerduty,
portswigger, posthog, titan-relay, torbox, va (29 documents, 100 items) and tuned on dfds,
envoy, ethereum, gitlab, google, learningequality, mezo, moj, mybinder, openlibrary, optimism,
oxymoron (26 documents, 111 items). Link the documents of each half into two folders (never
copy them into the project) and score each.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.core.parse import DEFAULT_CONFIDENCE, parse_bytes
from syncer.model import ActionItem

MATCH = 0.75
FIELDS = ("owner", "due", "ticket", "done")


@dataclass
class Score:
    """Counts over a folder: items matched, invented, missed, and each field right of those
    matched."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    notes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        return self.right[name] / self.tp if self.tp else 0.0

    def summary(self) -> str:
        fields = " ".join(f"{name}={self.accuracy(name):.2f}" for name in FIELDS)
        return (
            f"items={self.tp + self.fn} tp={self.tp} fp={self.fp} fn={self.fn} "
            f"precision={self.precision:.3f} recall={self.recall:.3f} F1={self.f1:.3f} {fields}"
        )


def _plain(text: str | None) -> str:
    text = (text or "").casefold()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    # An issue URL and its short form name the same item: ".../o/r/issues/5" is "o/r#5".
    text = re.sub(
        r"https?://github\.com/([\w.-]+/[\w.-]+)/(?:issues|pull)/(\d+)\S*", r"\1#\2", text
    )
    text = re.sub(r"[`*_~]", "", text)
    return " ".join(text.split()).strip(" .:;-")


def title_similarity(expected: str, found: str) -> float:
    """1 for the same words, 0.9 when one contains the other, else difflib's ratio."""
    a, b = _plain(expected), _plain(found)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    if len(short) >= 12 and short in long:
        return 0.9
    return difflib.SequenceMatcher(None, a, b).ratio()


def _references(text: str) -> set[str]:
    """The keys and numbers a ticket reference names: ``OPS-3``, ``#12``, ``.../issues/12``."""
    keys = set(re.findall(r"\b[A-Z][A-Z0-9]+-\d+\b", text))
    rest = re.sub(r"\b[A-Z][A-Z0-9]+-\d+\b", "", text)
    numbers = set(re.findall(r"(?<![\w-])(\d{2,})\b", rest)) | set(re.findall(r"#(\d+)\b", rest))
    numbers |= set(re.findall(r"/(?:issues|pull|pulls)/(\d+)\b", rest))
    commits = {sha[:7] for sha in re.findall(r"(?:/commit/|@)([0-9a-f]{7,40})\b", rest)}
    return keys | numbers | commits


def _field_right(name: str, expected: dict[str, Any], item: ActionItem) -> bool:
    if name == "owner":
        want = _plain(str(expected.get("owner") or "")).lstrip("@")
        got = _plain(item.owner).lstrip("@")
        return want == got or bool(want and got and (want in got or got in want))
    if name == "due":
        return (expected.get("due") or None) == (item.due.isoformat() if item.due else None)
    if name == "done":
        return bool(expected.get("done")) == item.done
    wanted = expected.get("ticket")
    wanted_list = wanted if isinstance(wanted, list) else [wanted] if wanted else []
    wanted_list = [w for w in wanted_list if _references(str(w))]
    found = _references(" ".join(f"{ref.key} {ref.url or ''}" for ref in item.tickets))
    if not wanted_list:
        return not item.tickets
    return all(_references(str(w)) & found for w in wanted_list)


def score_document(
    expected: list[dict[str, Any]], items: list[ActionItem], *, name: str, score: Score
) -> None:
    """Match one document's items to its key (greedy, best title first) and count."""
    unmatched = list(items)
    for entry in expected:
        best = max(unmatched, key=lambda i: title_similarity(entry["title"], i.title), default=None)
        if best is None or title_similarity(entry["title"], best.title) < MATCH:
            score.fn += 1
            score.notes.append(f"miss {name}: {entry['title'][:70]}")
            continue
        unmatched.remove(best)
        score.tp += 1
        for field_name in FIELDS:
            if _field_right(field_name, entry, best):
                score.right[field_name] += 1
            else:
                score.notes.append(f"field {field_name} {name}: {entry['title'][:50]}")
    score.fp += len(unmatched)
    score.notes += [f"extra {name}: {item.title[:70]}" for item in unmatched]


def score_folder(
    folder: Path, key: dict[str, list[dict[str, Any]]], *, threshold: float = DEFAULT_CONFIDENCE
) -> Score:
    """Parse every document of ``folder`` that ``key`` names and score its ticketed items."""
    score = Score()
    for name, expected in sorted(key.items()):
        path = folder / name
        if not path.is_file():
            continue
        document = parse_bytes(path.read_bytes(), source=name, threshold=threshold)
        score_document(expected, list(document.items), name=name, score=score)
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("key", type=Path)
    parser.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE)
    parser.add_argument("--min-f1", type=float, default=0.0)
    parser.add_argument("--min-precision", type=float, default=0.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    key = json.loads(args.key.read_text(encoding="utf-8"))
    named = {name: items for name, items in key.items() if (args.folder / name).is_file()}
    if not named:
        print(f"no document of {args.key} is in {args.folder}")
        return 1
    score = score_folder(args.folder, named, threshold=args.confidence)
    if args.verbose:
        print("\n".join(f"  {note}" for note in score.notes))
    print(f"docs={len(named)} {score.summary()}")
    return 0 if score.f1 >= args.min_f1 and score.precision >= args.min_precision else 1


if __name__ == "__main__":
    sys.exit(main())
