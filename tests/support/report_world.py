"""A small, hand-checked world for report tests: five post-mortems, two trackers, one down.

Every expected count in ``tests/core/report/test_build.py`` is worked out from the comments
here. Today is 2026-11-27 (UTC, noon); the policy is the built-in one (28 calendar days for
SEV1/SEV2, 56 for the rest) unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from syncer.core.parse import parse_postmortem
from syncer.core.report import ReportPolicy, build_report
from syncer.core.report.model import HistoryPoint, Report, TrackerRead
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

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).parents[1] / "core" / "report" / "fixtures"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def item(
    incident: str,
    part: str,
    title: str,
    *,
    source: str,
    line: int,
    owner: str | None = None,
    due: dt.date | None = None,
    done: bool = False,
    tickets: tuple[TicketRef, ...] = (),
) -> ActionItem:
    return ActionItem(
        key=f"{incident.lower()}.{part}",
        title=title,
        owner=owner,
        due=due,
        done=done,
        tickets=tickets,
        source=source,
        line=line,
        end_line=line,
    )


def jira(key: str) -> TicketRef:
    return TicketRef(system="jira", key=key, url=f"https://jira.example.com/browse/{key}")


def ticket(
    key: str,
    *,
    item_key: str,
    category: str = "todo",
    resolution: str | None = None,
    updated: dt.datetime | None = None,
    resolved: dt.datetime | None = None,
    assignee: str | None = None,
    due: dt.date | None = None,
) -> Ticket:
    return Ticket.model_validate(
        {
            "ref": jira(key),
            "title": key,
            "item_key": item_key,
            "status_category": category,
            "status": {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}[category],
            "done": category == "done",
            "resolution": resolution,
            "updated": updated,
            "resolved": resolved,
            "assignee": assignee,
            "due": due,
        }
    )


def link(key: str, ref: TicketRef, *, tracker: str = "ops", assignee: str | None = None) -> Link:
    return Link(
        item_key=key,
        tracker=tracker,
        source="x",
        status="managed",
        ref=ref,
        fields=TicketFields(title="t", body="b", assignee=assignee),
        first_seen=utc(2026, 9, 2),
    )


# INC-2041: payments-proxy, SEV2, 2026-09-01; policy deadline 2026-09-29.
D1_SOURCE = "pm/inc-2041.md"
A1 = item(  # due 2026-10-01 in the document: 57 days late; in progress 26 days: not stale
    "INC-2041",
    "a1",
    "Add retries",
    source=D1_SOURCE,
    line=10,
    owner="alice",
    due=dt.date(2026, 10, 1),
    tickets=(jira("OPS-7"),),
)
A2 = item(  # policy deadline: 59 days late; idle 17 days: stale; assignee drift (nobody)
    "INC-2041", "a2", "Add alert", source=D1_SOURCE, line=11, owner="@bob"
)
A3 = item(  # done on both sides, closed 2026-09-20: 19 days to close, on time
    "INC-2041", "a3", "Fix config", source=D1_SOURCE, line=12, owner="alice", done=True
)
A4 = item(  # done in the document only, never ticketed: done, not untracked
    "INC-2041", "a4", "Write runbook", source=D1_SOURCE, line=13, owner="dave", done=True
)
D1 = Document(
    source=D1_SOURCE,
    content_hash="1",
    incident=Incident(
        id="INC-2041",
        date=dt.date(2026, 9, 1),
        severity="SEV2",
        team="payments",
        service="payments-proxy",
        status="Published",
    ),
    items=(A1, A2, A3, A4),
)

# INC-2050: payments-proxy again, SEV1, 2026-10-08 (37 days later); deadline 2026-11-05.
D2_SOURCE = "pm/inc-2050.md"
B1 = item("INC-2050", "b1", "Cap pool size", source=D2_SOURCE, line=9)  # unowned, 22 late
B2 = item(  # closed as won't do, open in the document: drift, neither open nor done
    "INC-2050", "b2", "Remove flag", source=D2_SOURCE, line=10, owner="alice"
)
B3 = item(  # done in the document, ticket still open: drift
    "INC-2050", "b3", "Load test", source=D2_SOURCE, line=11, owner="alice", done=True
)
B4 = item(  # its ticket is gone from the listing: drift ticket_missing; 22 late
    "INC-2050", "b4", "Rotate keys", source=D2_SOURCE, line=12, owner="bob"
)
D2 = Document(
    source=D2_SOURCE,
    content_hash="2",
    incident=Incident(
        id="INC-2050",
        date=dt.date(2026, 10, 8),
        severity="SEV1",
        team="payments",
        service="payments-proxy",
    ),
    items=(B1, B2, B3, B4),
)

# INC-3001: team search, routed to the tracker "web", which could not be read.
D3_SOURCE = "search/inc-3001.md"
C1 = item("INC-3001", "c1", "Reindex", source=D3_SOURCE, line=5, owner="carol")
C2 = item("INC-3001", "c2", "Tune query", source=D3_SOURCE, line=6, owner="alice")
C3 = item("INC-3001", "c3", "Document cache", source=D3_SOURCE, line=7, owner="alice")
D3 = Document(
    source=D3_SOURCE,
    content_hash="3",
    incident=Incident(id="INC-3001", date=dt.date(2026, 11, 20), team="search"),
    items=(C1, C2, C3),
)

# INC-1999: no action-item section, still Draft 57 days after the incident.
D4 = Document(
    source="pm/inc-1999.md",
    content_hash="4",
    incident=Incident(
        id="INC-1999",
        date=dt.date(2026, 10, 1),
        severity="SEV3",
        team="payments",
        status="Draft",
    ),
    has_action_section=False,
)

TEMPLATE_SOURCE = "tmpl/inc-0000.md"
TEMPLATE_TEXT = (FIXTURES / "postmortem-template.md").read_text(encoding="utf-8")
D5 = parse_postmortem(TEMPLATE_TEXT, source=TEMPLATE_SOURCE)

DOCUMENTS = (D1, D2, D3, D4, D5)
TEXTS = {TEMPLATE_SOURCE: TEMPLATE_TEXT}
ROUTES = {D1_SOURCE: "ops", D2_SOURCE: "ops", D3_SOURCE: "web", "pm/inc-1999.md": "ops"}
OWNERS = {
    "ops": {"alice": "acc-alice", "bob": "acc-bob", "dave": "acc-dave"},
    "web": {"alice": "alice-gh"},
}

TICKETS = {
    "ops": TrackerRead(
        tracker="ops",
        tickets=(
            ticket(
                "OPS-7",
                item_key=A1.key,
                category="in_progress",
                updated=utc(2026, 11, 1, 10),
                assignee="acc-alice",
                due=dt.date(2026, 10, 1),
            ),
            ticket("OPS-9", item_key=A2.key, updated=utc(2026, 11, 10)),
            ticket(
                "OPS-8",
                item_key=A3.key,
                category="done",
                resolution="done",
                resolved=utc(2026, 9, 20, 10),
                updated=utc(2026, 9, 20, 10),
                assignee="acc-alice",
            ),
            ticket("OPS-12", item_key=B1.key, updated=utc(2026, 11, 26)),
            ticket(
                "OPS-13",
                item_key=B2.key,
                category="done",
                resolution="wont_do",
                resolved=utc(2026, 11, 20),
                updated=utc(2026, 11, 20),
                assignee="acc-alice",
            ),
            ticket("OPS-14", item_key=B3.key, updated=utc(2026, 11, 25), assignee="acc-alice"),
        ),
    ),
    "web": TrackerRead(tracker="web", unavailable="HTTP 503 from api.github.com"),
}

LINKS = {
    A1.key: link(A1.key, jira("OPS-7")),
    A2.key: link(A2.key, jira("OPS-9")),
    A3.key: link(A3.key, jira("OPS-8")),
    B1.key: link(B1.key, jira("OPS-12")),
    B2.key: link(B2.key, jira("OPS-13")),
    B3.key: link(B3.key, jira("OPS-14")),
    B4.key: link(B4.key, jira("OPS-15")),
    C2.key: link(
        C2.key,
        TicketRef(system="github", key="acme/web#5", url="https://github.com/acme/web/issues/5"),
        tracker="web",
    ),
}

FINDINGS = (
    Finding(kind="deferred", message="create cap reached", item_key=C3.key, source=D3_SOURCE),
    Finding(
        kind="duplicate",
        message="OPS-70 duplicates OPS-7",
        item_key=A1.key,
        source=D1_SOURCE,
        ref=jira("OPS-70"),
    ),
    Finding(
        kind="orphaned",
        message="gone from its document; OPS-3 is still open",
        item_key="inc-2041.old",
        source=D1_SOURCE,
        ref=jira("OPS-3"),
    ),
)

HISTORY = (
    HistoryPoint(at=utc(2026, 11, 3, 9), open=6, overdue=2),
    HistoryPoint(at=utc(2026, 11, 4, 9), open=7, overdue=2),  # same week, later: kept
    HistoryPoint(at=utc(2026, 11, 16, 9), open=5, overdue=3),
)


def report(**changes: object) -> Report:
    """``build_report`` over this world, with the arguments a test names replaced."""
    arguments: dict[str, object] = {
        "documents": DOCUMENTS,
        "tickets": TICKETS,
        "links": LINKS,
        "history": HISTORY,
        "policy": ReportPolicy(trend_weeks=4),
        "now": NOW,
        "findings": FINDINGS,
        "routes": ROUTES,
        "owners": OWNERS,
        "texts": TEXTS,
    }
    arguments.update(changes)
    return build_report(**arguments)  # type: ignore[arg-type]
