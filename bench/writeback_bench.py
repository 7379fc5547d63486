"""How long write-back takes on a large post-mortem: rewrite, verify (two parses), diff.

    python bench/writeback_bench.py

Builds documents of 100, 1,000 and 5,000 action items (task list, CRLF line endings), plans a
link and a status for every item, and prints the median of five runs of each step.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.core.parse import parse_bytes
from syncer.core.writeback import document_diff, rewrite_document, verify_rewrite
from syncer.model import ItemEdit, TicketRef


def document(items: int) -> bytes:
    lines = ["# INC-1: Bench", "", "## Action Items", ""]
    lines += [f"- [ ] Fix thing number {n} @owner{n % 7} (Link to Ticket)" for n in range(items)]
    return ("\r\n".join(lines) + "\r\n").encode()


def median(step: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(data: bytes, edits: list[ItemEdit]) -> tuple[float, float, float]:
    new = rewrite_document(data, edits).data
    return (
        median(lambda: rewrite_document(data, edits)),
        median(lambda: verify_rewrite(data, new, edits, source="bench.md"), runs=3),
        median(lambda: document_diff(data, new, source="bench.md")),
    )


def main() -> None:
    print(f"{'items':>6}  {'bytes':>8}  {'rewrite s':>9}  {'verify s':>9}  {'diff s':>7}")
    for items in (100, 1_000, 5_000):
        data = document(items)
        parsed = parse_bytes(data, source="bench.md")
        edits = [
            ItemEdit(
                item_key=item.key,
                line=item.line,
                end_line=item.end_line,
                link=TicketRef(system="jira", key=f"OPS-{n}", url=f"https://j.example/browse/OPS-{n}"),
                status="done" if n % 2 else None,
                tracker="jira",
                reason="bench",
            )
            for n, item in enumerate(parsed.items, 1)
        ]  # fmt: skip
        rewrite, verify, diff = measure(data, edits)
        print(f"{items:>6}  {len(data):>8}  {rewrite:>9.4f}  {verify:>9.4f}  {diff:>7.4f}")


if __name__ == "__main__":
    main()
