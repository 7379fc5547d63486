"""How long ``plan``'s text output is for a large first sync, default and with ``-v``.

    python bench/plan_output_bench.py [--docs 1000] [--items 5] [--findings-per-doc 10]

Builds the plan of a first sync (every item a create) with findings on every document (unknown
owners, deferred creates) and prints the line and byte counts of ``outcome_text``: the figure
issue 11 names (10,013 lines for 1,000 documents, 9,800 of them repeated findings).
"""

from __future__ import annotations

import argparse
from datetime import date

from syncer.core.render import outcome_text
from syncer.model import CreateChange, Finding, Plan, TicketFields
from syncer.outcome import SyncOutcome


def build(docs: int, items: int, findings: int) -> SyncOutcome:
    changes: list[CreateChange] = []
    found: list[Finding] = []
    lines: dict[str, int] = {}
    headings: dict[str, str] = {}
    for d in range(docs):
        source = f"2026/inc-{d:04}.md"
        headings[source] = f"INC-{d} Something broke"
        for i in range(items):
            key = f"inc-{d}.{i:04x}"
            lines[key] = 10 + i
            fields = TicketFields(title=f"Fix thing {i} of {d}", body="b", due=date(2026, 12, 1))
            changes.append(
                CreateChange(
                    tracker="ops", item_key=key, source=source, reason="new", fields=fields
                )
            )
        for f in range(findings):
            found.append(
                Finding(
                    kind="unknown_owner" if f % 2 else "deferred",
                    message=f"finding {f}",
                    item_key=f"inc-{d}.{f}",
                    source=source,
                )
            )
    plan = Plan(changes=tuple(changes), findings=tuple(found))
    return SyncOutcome(
        documents=docs, items=docs * items, parsed=docs, plan=plan, headings=headings, lines=lines
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--findings-per-doc", type=int, default=10)
    args = parser.parse_args()
    outcome = build(args.docs, args.items, args.findings_per_doc)
    for verbose in (False, True):
        text = outcome_text(outcome, show_plan=True, verbose=verbose)
        finding_lines = sum(1 for line in text.splitlines() if "finding " in line)
        print(
            f"plan{' -v' if verbose else '   '}: {len(text.splitlines()):>6} lines, "
            f"{len(text.encode()):>8} bytes, {finding_lines:>6} finding lines "
            f"({args.docs} documents, {args.docs * args.items} creates, "
            f"{len(outcome.plan.findings)} findings)"
        )


if __name__ == "__main__":
    main()
