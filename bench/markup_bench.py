"""Speed of the Markdown -> Jira wiki markup converter on ticket-sized descriptions.

    python bench/markup_bench.py [--bodies 2000] [--repeat 5] [--against OLD_MARKUP_PY]

Generates ``--bodies`` descriptions shaped like the ones syncer writes (a title, a paragraph
with links, emphasis and code spans, a nested list, a table, a fenced block, the facts list and
the footer), converts them all ``--repeat`` times and prints the best rate in bodies per second.
With ``--against`` it also times another copy of ``markup.py`` (say, the previous commit's,
from ``git show HEAD~1:syncer/trackers/markup.py > /tmp/old.py``) on the same bodies and prints
the ratio of the two times.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.shell.trackers.markup import markdown_to_wiki

WORDS = (
    *("proxy", "pool", "alert", "rollout", "canary", "region", "latency", "budget", "page"),
    *("on-call", "runbook", "p99", "2026-10-02", "re-run", "snake_case_name", "C++", "2*3*4"),
    *("{braces}", "[AI-3]", "why?", "done!", "50%", "a|b", "x^2", "~1s", "+1"),
)


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_body(rng: random.Random) -> str:
    return "\n".join(
        [
            f"Alert when the {_sentence(rng, 6)}",
            "",
            f"The **{_sentence(rng, 2)}** hit *every* region; see "
            f"[the timeline](https://wiki.test/t/{rng.randrange(999)}) and "
            f"`make {rng.choice(WORDS)}`. {_sentence(rng, 14)}",
            "",
            f"- {_sentence(rng, 5)}",
            f"  - {_sentence(rng, 4)} ~~{_sentence(rng, 2)}~~",
            f"1. {_sentence(rng, 6)} <https://status.test/{rng.randrange(99)}>",
            "",
            "| step | owner |",
            "|---|---|",
            f"| {_sentence(rng, 3)} | @{rng.choice(WORDS)} |",
            "",
            "```yaml",
            "stages: [canary, full]",
            "```",
            "",
            "---",
            f"- **Incident:** INC-{rng.randrange(999)}: {_sentence(rng, 5)} (severity SEV2)",
            "- **Post-mortem:** [2026/inc.md](https://github.com/acme/pm/blob/main/2026/inc.md)",
            "- **Owner:** @alice",
            "- **Due:** 2026-12-20",
            "",
            "_Kept in step with the post-mortem by syncer; edit the document, not this ticket._",
        ]
    )


def best_seconds(convert: Callable[[str], str], bodies: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for body in bodies:
            convert(body)
        best = min(best, time.perf_counter() - start)
    return best


def load_converter(path: Path) -> Callable[[str], str]:
    spec = importlib.util.spec_from_file_location("markup_against", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot load")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    convert: Callable[[str], str] = module.markdown_to_wiki
    return convert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another markup.py to compare with")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bodies = [make_body(rng) for _ in range(args.bodies)]
    size = sum(len(b) for b in bodies) / len(bodies)
    now = best_seconds(markdown_to_wiki, bodies, args.repeat)
    print(f"{args.bodies} bodies of {size:.0f} characters on average")
    print(
        f"this markup.py:  {args.bodies / now:9.0f} bodies/s  "
        f"({now * 1e6 / args.bodies:.0f} us each)"
    )
    if args.against:
        other = best_seconds(load_converter(args.against), bodies, args.repeat)
        print(
            f"{args.against}: {args.bodies / other:9.0f} bodies/s  "
            f"({other * 1e6 / args.bodies:.0f} us each)"
        )
        print(f"time ratio, this / other: {now / other:.2f}")


if __name__ == "__main__":
    main()
