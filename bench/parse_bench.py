"""Throughput and memory of the post-mortem parser, next to a bare markdown-it parse.

    python bench/parse_bench.py [--docs 1000 10000] [--seed 7]
    python bench/parse_bench.py --hostile

For each corpus size it writes that many generated post-mortems (about 6 KB each, mixed
layouts: template task lists, tables with and without outer pipes, numbered loose lists,
bold labels, grouped sub-headings, bare lines) into a temporary directory, then reads them
back one at a time (read, parse, drop) twice: once with ``parse_bytes`` and once with a bare
``MarkdownIt("commonmark").enable("table").parse`` of the decoded text, the floor any
markdown-it based parser stands on. It prints documents per second, the growth of the peak
resident set size over each run, and the ratio of the two rates.

``--hostile`` instead times the parser on the hostile inputs of
``tests/core/parse/test_parse_bad_input.py`` (which checks their results and memory, not their
time): each should take seconds at most, and grow linearly with its size.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from markdown_it import MarkdownIt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.core.parse import parse_bytes

WORDS = (
    "database", "proxy", "queue", "worker", "cache", "region", "cluster", "deploy", "rollback",
    "alert", "dashboard", "latency", "timeout", "retry", "index", "replica", "certificate",
    "pool", "traffic", "customer", "checkout", "search", "pipeline", "config", "canary",
    "backlog", "throughput", "memory", "disk", "node", "service", "gateway",
)  # fmt: skip
OWNERS = ("alice", "bob", "carol", "dave", "erin")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def prose(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng, rng.randint(8, 18)) + "." for _ in range(sentences))


def due(rng: random.Random) -> str:
    return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def task_list(rng: random.Random, count: int) -> str:
    lines = []
    for _ in range(count):
        box = rng.choice(("[ ]", "[x]", "[ ]"))
        extra = rng.choice(
            (
                f" @{rng.choice(OWNERS)} due {due(rng)}",
                f" (owner: {rng.choice(OWNERS)}) OPS-{rng.randint(1, 999)}",
                " (Link to Ticket)",
                f" [P{rng.randint(0, 3)}] https://github.com/acme/api/issues/{rng.randint(1, 999)}",
            )
        )
        lines.append(f"- {box} {sentence(rng, rng.randint(5, 10))}{extra}")
    return "\n".join(lines)


def table(rng: random.Random, count: int, *, pipes: bool) -> str:
    rows = [("Action", "Owner", "Due date", "Priority", "Ticket", "Status")]
    rows.append(("---",) * 6)
    for _ in range(count):
        rows.append(
            (
                sentence(rng, rng.randint(5, 10)),
                rng.choice(OWNERS),
                due(rng),
                rng.choice(("P1", "P2", "High", "Low")),
                f"WEB-{rng.randint(1, 999)}",
                rng.choice(("Open", "Done", "In progress")),
            )
        )
    if pipes:
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(" | ".join(row) for row in rows)


def numbered(rng: random.Random, count: int) -> str:
    items = []
    for number in range(1, count + 1):
        items.append(
            f"{number}. {sentence(rng, 9)}\n   {sentence(rng, 8).lower()}.\n"
            f"   - {sentence(rng, 6)}\n   - Tracked in OPS-{rng.randint(1, 999)}"
        )
    return "\n\n".join(items)


def grouped(rng: random.Random, count: int) -> str:
    done = "\n".join(f"- {sentence(rng, 7)}" for _ in range(count // 2))
    todo = "\n".join(f"- [ ] {sentence(rng, 7)} @{rng.choice(OWNERS)}" for _ in range(count))
    return f"### Completed\n\n{done}\n\n### Long-term\n\n{todo}"


def bold_labels(rng: random.Random, count: int) -> str:
    return "\n".join(
        f"- **{sentence(rng, 2)}**: {sentence(rng, 10).lower()} (P{rng.randint(1, 3)})"
        for _ in range(count)
    )


def bare_lines(rng: random.Random, count: int) -> str:
    return "\n".join(sentence(rng, rng.randint(6, 12)) for _ in range(count))


LAYOUTS: tuple[Callable[[random.Random, int], str], ...] = (
    task_list,
    lambda rng, count: table(rng, count, pipes=True),
    lambda rng, count: table(rng, count, pipes=False),
    numbered,
    grouped,
    bold_labels,
    bare_lines,
)
HEADINGS = ("Action Items", "Follow-ups", "Remediation", "Corrective actions", "Next steps")


def document(rng: random.Random, number: int) -> str:
    timeline = "\n".join(
        f"- {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} {sentence(rng, 12)}"
        for _ in range(rng.randint(14, 34))
    )
    layout = rng.choice(LAYOUTS)
    lessons = "\n".join(f"- {sentence(rng, 10)}" for _ in range(rng.randint(3, 8)))
    return (
        f"# Post-Mortem: Incident INC-{number:05d}\n\n"
        f"**Date**: {due(rng)}\n**Authors**: {rng.choice(OWNERS)}\n**Status**: Published\n"
        f"**Severity**: SEV{rng.randint(1, 3)}\n\n"
        f"## Summary\n\n{prose(rng, rng.randint(3, 8))}\n\n"
        f"## Impact\n\n{prose(rng, rng.randint(2, 6))}\n\n"
        f"## Root Cause\n\n{prose(rng, rng.randint(6, 14))}\n\n"
        f"## Timeline\n\n{timeline}\n\n"
        f"## Lessons Learned\n\n{lessons}\n\n"
        f"## {rng.choice(HEADINGS)}\n\n{layout(rng, rng.randint(3, 12))}\n"
    )


def write_corpus(directory: Path, count: int, *, seed: int) -> int:
    rng = random.Random(seed)
    total = 0
    for number in range(count):
        data = document(rng, number).encode()
        (directory / f"pm-{number:05d}.md").write_bytes(data)
        total += len(data)
    return total


def paths(directory: Path) -> Iterator[Path]:
    return iter(sorted(directory.glob("*.md")))


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(directory: Path, parse: Callable[[bytes, str], object]) -> tuple[float, int, int]:
    """Documents per second, peak RSS growth (KiB) over the run, items or tokens seen."""
    gc.collect()
    before = peak_rss_kib()
    seen = 0
    count = 0
    started = time.perf_counter()
    for path in paths(directory):
        result = parse(path.read_bytes(), path.name)
        seen += len(getattr(result, "items", ())) if hasattr(result, "items") else 1
        count += 1
        del result
    elapsed = time.perf_counter() - started
    return count / elapsed, peak_rss_kib() - before, seen


HEAD = b"# Incident\n\n## Action items\n\n"
HOSTILE: tuple[tuple[str, Callable[[], bytes]], ...] = (
    ("100k one-letter items", lambda: HEAD + b"- a\n" * 100_000),
    ("3k task-list items", lambda: HEAD + b"- [ ] Rotate the keys\n" * 3_000),
    ("10k-deep bullets", lambda: HEAD + b"- " * 10_000 + b"deep\n"),
    ("10k-deep quotes", lambda: HEAD + b"> " * 10_000 + b"- [ ] deep\n"),
    ("megabyte of brackets", lambda: HEAD + b"- " + b"[" * 1_000_000 + b"\n"),
    ("megabyte of emphasis", lambda: HEAD + b"- " + b"*a " * 330_000 + b"\n"),
    ("megabyte of ticket keys", lambda: HEAD + b"- " + b"OPS-1 " * 170_000 + b"\n"),
    ("megabyte of pipes", lambda: HEAD + b"| a | b |\n|---|---|\n|" + b"|" * 1_000_000 + b"\n"),
    ("megabyte heading", lambda: b"# " + b"[" * 1_000_000 + b"\n"),
    (
        "3k rows of unclosed HTML",
        lambda: HEAD + b"<table><tr><th>Action</th></tr>" + b"<tr><td>Fix <a href='x'>" * 3000,
    ),
)


def hostile() -> int:
    """Seconds each hostile input takes (best of three)."""
    print(f"{'input':<28} {'KB':>7} {'seconds':>8} {'items':>6}")
    for name, generate in HOSTILE:
        data = generate()
        best, items = float("inf"), 0
        for _ in range(3):
            started = time.perf_counter()
            items = len(parse_bytes(data, source="hostile.md").items)
            best = min(best, time.perf_counter() - started)
        print(f"{name:<28} {len(data) / 1000:>7.0f} {best:>8.2f} {items:>6}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hostile", action="store_true", help="time the hostile inputs instead")
    args = parser.parse_args(argv)
    if args.hostile:
        return hostile()
    bare = MarkdownIt("commonmark").enable("table")

    def ours(data: bytes, name: str) -> object:
        return parse_bytes(data, source=name)

    def floor(data: bytes, name: str) -> object:
        return bare.parse(data.decode("utf-8"))

    print(
        f"{'docs':>6} {'avg KB':>7} {'parser docs/s':>14} {'rss +KiB':>9} {'items':>7} "
        f"{'markdown-it docs/s':>19} {'rss +KiB':>9} {'ratio':>6}"
    )
    for count in args.docs:
        with tempfile.TemporaryDirectory(prefix="parse-bench-") as name:
            directory = Path(name)
            size = write_corpus(directory, count, seed=args.seed)
            # Warm the page cache and the parser's compiled patterns before timing.
            for path in list(paths(directory))[:50]:
                ours(path.read_bytes(), path.name)
            rate, grown, items = run(directory, ours)
            floor_rate, floor_grown, _ = run(directory, floor)
        print(
            f"{count:>6} {size / count / 1000:>7.1f} {rate:>14.0f} {grown:>9} {items:>7} "
            f"{floor_rate:>19.0f} {floor_grown:>9} {rate / floor_rate:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
