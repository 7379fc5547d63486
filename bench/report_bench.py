"""Compute time of the follow-up report over a large generated portfolio, all in memory.

    python bench/report_bench.py [--docs 1000] [--items 5] [--seed 7] [--repeat 3]

Generates ``--docs`` parsed post-mortems with ``--items`` action items each (5,000 by
default) spread over 8 teams and 40 services, a managed ticket for most items (a mix of to do,
in progress, done and won't do, some edited behind syncer's back, some missing), state links,
52 weeks of run history and a few hundred planner findings, then times ``build_report`` and
each renderer. No tracker or sandbox is involved: this is the "after the reads" half; the
request count against the sandbox comes with the CLI wiring.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.model import (
    ActionItem,
    Document,
    Finding,
    Incident,
    Link,
    Ticket,
    TicketFields,
    TicketRef,
)
from syncer.report import (
    HistoryPoint,
    ReportPolicy,
    TrackerRead,
    build_report,
    render_html,
    render_json,
    render_markdown,
)

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
TEAMS = ("payments", "search", "web", "mobile", "infra", "data", "identity", "edge")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", None)
OWNERS = ("alice", "bob", "carol", "dave", "erin", None)


def generate(
    docs: int, per_doc: int, rng: random.Random
) -> tuple[
    list[Document], dict[str, TrackerRead], dict[str, Link], list[HistoryPoint], list[Finding]
]:
    documents: list[Document] = []
    tickets: list[Ticket] = []
    links: dict[str, Link] = {}
    findings: list[Finding] = []
    number = 0
    for d in range(docs):
        incident_id = f"INC-{1000 + d}"
        source = f"postmortems/{incident_id.lower()}.md"
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 695))
        items = []
        for i in range(per_doc):
            key = f"{incident_id.lower()}.ai-{i + 1}"
            done = rng.random() < 0.4
            items.append(
                ActionItem(
                    key=key,
                    title=f"Follow-up {i + 1} of {incident_id}",
                    owner=rng.choice(OWNERS),
                    due=day + dt.timedelta(days=rng.randrange(7, 90))
                    if rng.random() < 0.3
                    else None,
                    done=done,
                    source=source,
                    line=20 + i,
                    end_line=20 + i,
                )
            )
            roll = rng.random()
            if roll < 0.08:
                if roll < 0.02:
                    findings.append(
                        Finding(kind="deferred", message="cap", item_key=key, source=source)
                    )
                continue  # never ticketed
            number += 1
            ref = TicketRef(
                system="jira", key=f"OPS-{number}", url=f"https://j.example/OPS-{number}"
            )
            links[key] = Link(
                item_key=key,
                tracker="ops",
                source=source,
                status="managed",
                ref=ref,
                fields=TicketFields(title="t", body="b", assignee=None),
                first_seen=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
            )
            if roll > 0.98:
                continue  # deleted behind syncer's back
            closed = done if rng.random() < 0.9 else not done
            updated = NOW - dt.timedelta(days=rng.randrange(0, 120), hours=rng.randrange(24))
            tickets.append(
                Ticket(
                    ref=ref,
                    title=f"Follow-up {i + 1}",
                    item_key=key,
                    status_category="done" if closed else rng.choice(("todo", "in_progress")),
                    resolution=(("wont_do" if rng.random() < 0.1 else "done") if closed else None),
                    done=closed,
                    updated=updated,
                    created=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                    resolved=updated if closed else None,
                    assignee=rng.choice((None, "acc-1", "acc-2")),
                )
            )
        documents.append(
            Document(
                source=source,
                content_hash=str(d),
                incident=Incident(
                    id=incident_id,
                    date=day,
                    severity=rng.choice(SEVERITIES),
                    team=rng.choice(TEAMS),
                    service=f"svc-{rng.randrange(40)}",
                    status=rng.choice(("Published", "Draft", "Review")),
                ),
                items=tuple(items),
            )
        )
    history = [
        HistoryPoint(
            at=NOW - dt.timedelta(weeks=w, hours=3), open=rng.randrange(2000, 3000), overdue=500
        )
        for w in range(1, 53)
        if rng.random() < 0.85
    ]
    reads = {"ops": TrackerRead(tracker="ops", tickets=tuple(tickets))}
    return documents, reads, links, history, findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents, reads, links, history, findings = generate(args.docs, args.items, rng)
    items = sum(len(d.items) for d in documents)
    print(
        f"{len(documents)} documents, {items} items, {len(reads['ops'].tickets)} tickets, "
        f"{len(history)} history points, {len(findings)} findings"
    )
    best: dict[str, float] = {}
    report = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = build_report(
            documents=documents,
            tickets=reads,
            links=links,
            history=history,
            policy=ReportPolicy(day_kind="business", holidays=frozenset({dt.date(2026, 12, 25)})),
            now=NOW,
            findings=findings,
        )
        best["build_report"] = min(best.get("build_report", 1e9), time.perf_counter() - started)
        for name, render in (
            ("render_markdown", render_markdown),
            ("render_html", render_html),
            ("render_json", render_json),
        ):
            started = time.perf_counter()
            size = len(render(report))
            elapsed = time.perf_counter() - started
            best[name] = min(best.get(name, 1e9), elapsed)
            best[f"{name} bytes"] = size
    assert report is not None
    print("counts:", ", ".join(f"{k} {v}" for k, v in report.counts().items()))
    for name in ("build_report", "render_markdown", "render_html", "render_json"):
        print(f"{name:16} {best[name] * 1000:8.1f} ms (best of {args.repeat})", end="")
        print(f"  {int(best[name + ' bytes']):,} bytes" if name != "build_report" else "")


if __name__ == "__main__":
    main()
