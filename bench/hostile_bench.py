"""How long the parser takes on hostile documents: deep nesting, megabyte lines, 100k items.

    python bench/hostile_bench.py [--repeat 3] [--limit 10]

The tests in ``tests/parse/test_parse_bad_input.py`` check that these documents parse without
error, within the item and line caps and in bounded memory; their time is measured here, where
a loaded machine cannot fail a build. Prints the best of ``--repeat`` runs per document and
exits 1 when any takes longer than ``--limit`` seconds (the parser's target is a few seconds
each on a 2-core machine; quadratic behaviour shows as minutes).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.parse import parse_bytes

HEAD = b"# Incident\n\n## Action items\n\n"

DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "100k items": lambda: HEAD + b"- a\n" * 100_000,
    "10k deep bullets": lambda: HEAD + b"- " * 10_000 + b"deep\n",
    "10k deep numbers": lambda: HEAD + b"1. " * 10_000 + b"deep\n",
    "10k deep quotes": lambda: HEAD + b"> " * 10_000 + b"- [ ] deep\n",
    "600 deep indented": lambda: HEAD + b"".join(b"  " * depth + b"- x\n" for depth in range(600)),
    "1 MB of brackets": lambda: HEAD + b"- " + b"[" * 1_000_000 + b"\n",
    "1 MB of emphasis": lambda: HEAD + b"- " + b"*a " * 330_000 + b"\n",
    "1 MB of letters": lambda: HEAD + b"- " + b"a" * 1_000_000 + b"\n",
    "1 MB of ticket keys": lambda: HEAD + b"- " + b"OPS-1 " * 170_000 + b"\n",
    "1 MB of pipes": lambda: HEAD + b"| a | b |\n|---|---|\n|" + b"|" * 1_000_000 + b"\n",
    "1 MB heading": lambda: b"# " + b"[" * 1_000_000 + b"\n",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=10.0, help="seconds allowed per document")
    args = parser.parse_args()
    slow = 0
    for name, generate in DOCUMENTS.items():
        data = generate()
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            parse_bytes(data, source="hostile.md")
            best = min(best, time.perf_counter() - started)
        slow += best > args.limit
        print(f"{name:22} {len(data) / 1e6:6.2f} MB  {best:6.2f} s")
    print(f"{slow} of {len(DOCUMENTS)} over {args.limit:g} s")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
