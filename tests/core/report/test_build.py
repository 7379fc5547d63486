"""build_report over the hand-checked world of ``tests/support/report_world.py``: every count."""

from __future__ import annotations

import datetime as dt

import pytest

from syncer.core.report import ReportPolicy, build_report
from syncer.core.report.build import related_ids
from syncer.core.report.model import HistoryPoint, TrackerRead
from syncer.model import Assessment, Document, Finding, Incident, PossibleItem, Ticket
from tests.support import report_world as w
from tests.support.report_world import report


def test_headline_counts() -> None:
    assert report().counts() == {
        "untracked": 2,  # c1 (web down), c3 (deferred); a4 is done, so not listed
        "unowned": 1,  # b1 (nobody anywhere)
        "unmapped_owners": 1,  # c1: carol is not in web's owner map (a setup problem)
        "overdue": 4,  # a2 59, a1 57, b1 22, b4 22
        "due_soon": 0,
        "possible": 0,
        "document_findings": 0,
        "stale": 1,  # a2, 17 days idle; a1 is in progress, 26 < 30
        "drift": 6,
        "unfinished": 4,
        "recurrence": 1,
        "incidents": 5,
        "loops_closed": 0,
        "items": 11,
        "open": 7,  # 11 - 3 done - 1 closed as won't do
    }


def test_untracked_says_why() -> None:
    entries = report().untracked
    assert [(e.row.item_key, e.reason, e.row.team) for e in entries] == [
        (w.C1.key, "tracker_unavailable", "search"),
        (w.C3.key, "deferred", "search"),
    ]
    assert "HTTP 503" in entries[0].detail


def test_unowned() -> None:
    entries = report().unowned
    assert [(e.row.item_key, e.reason) for e in entries] == [(w.B1.key, "no_owner")]
    assert entries[0].detail == "no owner in the document and no assignee on the ticket"


def test_an_owner_missing_from_the_owner_map_is_a_setup_problem_not_unowned() -> None:
    # carol owns C1 in the document; web's owner map lacks her: her name is to be added there.
    result = report()
    assert w.C1.key not in {e.row.item_key for e in result.unowned}
    assert [(u.tracker, u.owner, u.items, u.item_keys) for u in result.unmapped_owners] == [
        ("web", "carol", 1, (w.C1.key,))
    ]


def test_overdue_sorted_by_lateness_with_the_deadline_source() -> None:
    entries = report().overdue
    assert [(e.row.item_key, e.days_late, e.deadline) for e in entries] == [
        (w.A2.key, 59, dt.date(2026, 9, 29)),
        (w.A1.key, 57, dt.date(2026, 10, 1)),
        (w.B1.key, 22, dt.date(2026, 11, 5)),
        (w.B4.key, 22, dt.date(2026, 11, 5)),
    ]
    assert entries[0].deadline_source == (
        "the SEV2 policy: 28 calendar days (default for the highest severities)"
    )
    assert entries[1].deadline_source == "the document"


def test_overdue_falls_back_to_the_ticket_due_date() -> None:
    # B1 has no due date of its own; its ticket says 2026-11-20: 7 days late, not 22.
    tickets = dict(w.TICKETS)
    ops = tickets["ops"]
    changed = tuple(
        t.model_copy(update={"due": dt.date(2026, 11, 20)}) if t.ref.key == "OPS-12" else t
        for t in ops.tickets
    )
    tickets["ops"] = ops.model_copy(update={"tickets": changed})
    b1 = next(e for e in report(tickets=tickets).overdue if e.row.item_key == w.B1.key)
    assert (b1.days_late, b1.deadline_source) == (7, "the ticket")


def test_stale() -> None:
    entries = report().stale
    assert [(e.row.item_key, e.idle_days, e.in_progress, e.threshold_days) for e in entries] == [
        (w.A2.key, 17, False, 14)
    ]
    # The same in-progress ticket is stale once its longer limit is passed.
    later = report(policy=ReportPolicy(in_progress_stale_days=20)).stale
    assert {e.row.item_key for e in later} == {w.A1.key, w.A2.key}


def test_drift() -> None:
    entries = report().drift
    assert [(e.kind, e.incident_id, e.ticket.key if e.ticket else None) for e in entries] == [
        ("duplicate", "INC-2041", "OPS-70"),
        ("orphaned", "INC-2041", "OPS-3"),
        ("assignee", "INC-2041", "OPS-9"),
        ("wont_do", "INC-2050", "OPS-13"),
        ("done_in_document_only", "INC-2050", "OPS-14"),
        ("ticket_missing", "INC-2050", "OPS-15"),
    ]
    assert entries[2].detail == "OPS-9 is assigned to nobody; the document's owner is bob"


def test_assignee_drift_names_people_not_account_ids() -> None:
    # A team lead reads "dave", not "acc-dave"; an account the owner map does not know is shown
    # as it is.
    ops = w.TICKETS["ops"]
    for account, shown in (("acc-dave", "dave"), ("acc-zed", "acc-zed")):
        changed = tuple(
            t.model_copy(update={"assignee": account}) if t.ref.key == "OPS-9" else t
            for t in ops.tickets
        )
        tickets = {**w.TICKETS, "ops": ops.model_copy(update={"tickets": changed})}
        entry = next(e for e in report(tickets=tickets).drift if e.kind == "assignee")
        assert entry.detail == f"OPS-9 is assigned to {shown}; the document's owner is bob"


def test_an_orphan_found_without_state_is_shown_with_its_incidents_document() -> None:
    # Without state the planner knows an orphan only by its ticket's marker (no source): the
    # report still files it under the incident's team and document, not under the tracker.
    with_state = next(e for e in report().drift if e.kind == "orphaned")
    findings = tuple(
        f.model_copy(update={"source": None, "tracker": "ops"}) if f.kind == "orphaned" else f
        for f in w.FINDINGS
    )
    without = next(e for e in report(findings=findings).drift if e.kind == "orphaned")
    assert (without.team, without.incident_id, without.source) == (
        with_state.team,
        "INC-2041",
        w.D1_SOURCE,
    )


def test_drift_done_in_tracker_only_due_and_moved() -> None:
    a2 = w.A2.model_copy(update={"due": dt.date(2026, 12, 1)})
    d1 = w.D1.model_copy(update={"items": (w.A1, a2, w.A3, w.A4)})
    ops = w.TICKETS["ops"]
    tickets = []
    for listed in ops.tickets:
        t = listed
        if t.ref.key == "OPS-9":  # closed as done while the document has it open
            t = t.model_copy(
                update={"status_category": "done", "resolution": "done", "due": dt.date(2027, 1, 1)}
            )
        if t.ref.key == "OPS-14":  # moved to another project: the marker still finds it
            t = t.model_copy(update={"ref": w.jira("NEW-1")})
        tickets.append(t)
    result = report(
        documents=(d1, w.D2),
        tickets={"ops": ops.model_copy(update={"tickets": tuple(tickets)})},
    )
    kinds = {(e.item_key, e.kind) for e in result.drift}
    assert (w.A2.key, "done_in_tracker_only") in kinds
    assert (w.A2.key, "due") in kinds
    assert (w.B3.key, "moved") in kinds
    moved = next(e for e in result.drift if e.kind == "moved")
    assert moved.detail == "OPS-14 is now NEW-1"


def test_a_status_conflict_is_drift_as_the_plan_words_it() -> None:
    # Ticked in the document while a person closed the ticket as won't do: the plan holds the
    # status and says so; the report shows the same, not "0 drift" (review of issue 17).
    b3 = w.B3.model_copy(update={"done": True})
    d2 = w.D2.model_copy(update={"items": tuple(b3 if i.key == b3.key else i for i in w.D2.items)})
    ops = w.TICKETS["ops"]
    closed = tuple(
        t.model_copy(update={"status_category": "done", "done": True, "resolution": "wont_do"})
        if t.ref.key == "OPS-14"
        else t
        for t in ops.tickets
    )
    said = (
        "changed on both sides since the last sync: done in the document, won't do in OPS-14 "
        "(was open); neither is changed until they agree"
    )
    conflict = Finding(
        kind="conflict",
        message=said,
        item_key=b3.key,
        source=b3.source,
        tracker="ops",
        ref=w.jira("OPS-14"),
    )
    result = report(
        documents=(w.D1, d2),
        tickets={**w.TICKETS, "ops": ops.model_copy(update={"tickets": closed})},
        findings=(*w.FINDINGS, conflict),
    )
    mine = [(e.kind, e.detail) for e in result.drift if e.item_key == b3.key]
    assert mine == [("status_conflict", said)]


def test_unreadable_single_ticket() -> None:
    ops = w.TICKETS["ops"].model_copy(update={"unreadable": (("OPS-15", "403 Forbidden"),)})
    entry = next(e for e in report(tickets={"ops": ops}).drift if e.item_key == w.B4.key)
    assert (entry.kind, entry.detail) == (
        "ticket_unreadable",
        "OPS-15 could not be read: 403 Forbidden",
    )


def test_unfinished_post_mortems() -> None:
    entries = report().unfinished
    assert [(e.incident_id, e.kind) for e in entries] == [
        ("INC-0000", "placeholders"),
        ("INC-0000", "template_items"),
        ("INC-1999", "draft"),
        ("INC-1999", "no_action_section"),
    ]
    assert entries[0].detail == (
        "template placeholders left: [Names], [Draft/Review/Published], [SEV1/SEV2], "
        "Brief description of what happened., [Time UTC]"
    )
    assert entries[2].detail == "still Draft 57 days after the incident (limit 14)"


def test_recurrence_sentence() -> None:
    (entry,) = report().recurrence
    assert entry.sentence == (
        "INC-2050 recurred on payments-proxy 37 days after INC-2041 (same service); "
        "2 of its 4 follow-ups were still open (OPS-7, OPS-9)"
    )
    assert (entry.via, entry.open_count, entry.total) == ("service", 2, 4)


def test_no_recurrence_when_the_earlier_follow_ups_were_closed_in_time() -> None:
    done = tuple(i.model_copy(update={"done": True}) for i in w.D1.items)
    d1 = w.D1.model_copy(update={"items": done})
    assert report(documents=(d1, w.D2), tickets={}, links={}).recurrence == ()


def test_a_follow_up_closed_after_the_recurrence_still_counts_as_open_then() -> None:
    # OPS-8 closed on 2026-09-20, before INC-2050 (2026-10-08); moved to 2026-10-10 it was open.
    ops = w.TICKETS["ops"]
    tickets = tuple(
        t.model_copy(update={"resolved": w.utc(2026, 10, 10)}) if t.ref.key == "OPS-8" else t
        for t in ops.tickets
    )
    (entry,) = report(tickets={"ops": ops.model_copy(update={"tickets": tickets})}).recurrence
    assert entry.open_refs == ("OPS-7", "OPS-9", "OPS-8")


def test_recurrence_needs_a_shared_service_or_a_related_line() -> None:
    def doc(source: str, incident: str, day: int, service: str | None, team: str) -> Document:
        return Document(
            source=source,
            content_hash=source,
            incident=Incident(id=incident, date=dt.date(2026, 11, day), team=team, service=service),
            items=(w.item(incident, "x", "Open thing", source=source, line=3),),
        )

    first = doc("a.md", "INC-1", 1, None, "infra")
    second = doc("b.md", "INC-2", 3, None, "infra")  # same team alone: not the same problem
    third = doc("c.md", "INC-3", 9, "dns", "edge")  # names INC-1 as related
    texts = {"c.md": "# INC-3\n\n**Related incidents**: INC-1, see also OPS-1\n"}
    result = build_report(
        documents=[first, second, third],
        tickets={},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
        texts=texts,
    )
    # A follow-up without a ticket is named by its title, never by its internal key.
    assert [e.sentence for e in result.recurrence] == [
        "INC-3 recurred 8 days after INC-1 (named as related); "
        '1 of its 1 follow-up was still open ("Open thing", no ticket)',
    ]


def test_a_tracker_name_is_never_a_team_nor_a_recurrence() -> None:
    # Two unrelated post-mortems from the `syncer new` template (no team, no service line),
    # both routed to ops-jira: no team "ops-jira", no "INC-4002 recurred on team ops-jira".
    def doc(source: str, incident: str, day: int) -> Document:
        return Document(
            source=source,
            content_hash=source,
            incident=Incident(id=incident, date=dt.date(2026, 10, day)),
            items=(w.item(incident, "x", f"Fix {incident}", source=source, line=3),),
        )

    documents = [doc("a.md", "INC-4001", 1), doc("b.md", "INC-4002", 5)]
    result = build_report(
        documents=documents,
        tickets={"ops-jira": TrackerRead(tracker="ops-jira")},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
        routes={"a.md": "ops-jira", "b.md": "ops-jira"},
        findings=[
            Finding(kind="orphaned", message="gone", item_key="inc-9.x", source="gone.md"),
        ],
    )
    assert result.teams == ("(no team)",)
    assert result.recurrence == ()
    assert {e.row.team for e in result.untracked} == {"(no team)"}
    assert {e.team for e in result.drift} == {"(no team)"}


def test_related_ids_from_front_matter_and_lines() -> None:
    text = "---\nid: INC-9\nrelated: [INC-1, inc-2]\n---\n\n- Related: INC-3\nnot related: x\n"
    assert {"inc-1", "inc-2", "inc-3"} <= related_ids(text)
    assert "inc-9" not in related_ids(text)


def test_loop_status() -> None:
    loops = {e.incident_id: e for e in report().loops}
    assert [(e.team, e.incident_id) for e in report().loops] == [
        ("(no team)", "INC-0000"),
        ("payments", "INC-2041"),
        ("payments", "INC-1999"),
        ("payments", "INC-2050"),
        ("search", "INC-3001"),
    ]
    d1 = loops["INC-2041"]
    assert (d1.items, d1.tracked, d1.done, d1.overdue, d1.closed) == (4, 3, 2, 2, False)
    d3 = loops["INC-3001"]
    assert (d3.items, d3.tracked, d3.unknown) == (3, 1, 1)


def test_loop_closed_and_time_to_close() -> None:
    # Every item of INC-2041 closed on its ticket: the loop closes on the last close date.
    tickets = [
        w.ticket(
            f"OPS-{n}",
            item_key=i.key,
            category="done",
            resolution="done",
            resolved=w.utc(2026, 10, day, 9),
        )
        for n, (i, day) in enumerate(zip(w.D1.items, (3, 10, 5, 20), strict=True), start=100)
    ]
    result = report(
        documents=(w.D1,),
        tickets={"ops": TrackerRead(tracker="ops", tickets=tuple(tickets))},
        links={},
        findings=(),
    )
    (loop,) = result.loops
    assert (loop.closed, loop.closed_on, loop.days_to_close) == (True, dt.date(2026, 10, 20), 49)
    m = result.metrics
    # Days to close 32, 39, 34, 49; sorted 32 34 39 49: median (34 + 39) / 2 = 36.5; p90 at
    # rank 0.9 * (4 - 1) = 2.7: 39 + 0.7 * (49 - 39) = 46. The deadline 09-29: none on time.
    assert (m.median_days_to_close, m.p90_days_to_close) == (36.5, 46.0)
    assert (m.on_time_rate, m.on_time_basis, m.completion_rate) == (0.0, 4, 1.0)


def test_metrics() -> None:
    m = report().metrics
    assert (m.items, m.open, m.done) == (11, 7, 3)
    assert m.completion_rate == 0.2727
    assert (m.on_time_rate, m.on_time_basis) == (1.0, 1)  # a3: closed 09-20, due 09-29
    assert (m.median_days_to_close, m.p90_days_to_close, m.close_basis) == (19.0, 19.0, 1)
    assert [(b.label, b.count) for b in m.age_buckets] == [
        ("0-7", 3),  # c1, c2, c3: 7 days
        ("8-30", 0),
        ("31-90", 4),  # a1, a2: 87 days; b1, b4: 50 days
        ("90+", 0),
    ]
    assert [(c.team, c.severity, c.count) for c in m.overdue_by_team_severity] == [
        ("payments", "SEV1", 2),
        ("payments", "SEV2", 2),
    ]


def test_weekly_trend_has_gaps_not_zeros() -> None:
    trend = report().metrics.trend
    assert [(p.week, p.open, p.overdue) for p in trend] == [
        (dt.date(2026, 11, 2), 7, 2),  # the later of two runs that week
        (dt.date(2026, 11, 9), None, None),  # no run: a gap
        (dt.date(2026, 11, 16), 5, 3),
        (dt.date(2026, 11, 23), 7, 4),  # this report
    ]


def test_unavailable_tracker_is_named_with_its_items() -> None:
    (down,) = report().unavailable
    assert (down.tracker, down.items) == ("web", 2)  # c1 untracked, c2 unknown


def test_team_filter() -> None:
    result = report(teams=["SEARCH"])
    assert result.teams == ("search",)
    counts = result.counts()
    assert (counts["untracked"], counts["unowned"], counts["overdue"], counts["drift"]) == (
        2,
        0,
        0,
        0,
    )
    assert [e.incident_id for e in result.loops] == ["INC-3001"]
    assert result.recurrence == ()


def test_documents_alone() -> None:
    result = build_report(
        documents=w.DOCUMENTS, tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    reasons = {e.row.item_key: e.reason for e in result.untracked}
    # A1 names OPS-7 in the document: tracked, its state unknown. Done items are not listed.
    assert w.A1.key not in reasons
    assert set(reasons.values()) == {"no_tracker"}
    assert len(reasons) == 7  # a2, b1, b2, b4, c1, c2, c3
    assert result.drift == ()
    assert len(result.overdue) == 5  # a1, a2, b1, b2, b4 by the documents' own dates
    assert result.stale == ()
    assert result.unavailable == ()


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_report(
            documents=(),
            tickets={},
            links={},
            history=[],
            policy=ReportPolicy(),
            now=dt.datetime(2026, 1, 1),  # naive: the point of the test
        )


def test_input_order_does_not_matter() -> None:
    forward = report()
    backward = report(documents=tuple(reversed(w.DOCUMENTS)))
    assert forward == backward


def test_history_after_now_is_ignored() -> None:
    future = (*w.HISTORY, HistoryPoint(at=w.utc(2026, 12, 30), open=99, overdue=99))
    assert report(history=future).metrics.trend == report().metrics.trend


def test_ticket_without_category_falls_back_to_done_flag() -> None:
    t = Ticket(ref=w.jira("OPS-1"), title="x", done=True, item_key=w.B1.key)
    result = report(
        documents=(w.D2,),
        tickets={"ops": TrackerRead(tracker="ops", tickets=(t,))},
        links={},
        findings=(),
    )
    loop = result.loops[0]
    assert loop.done == 2  # b1 by its ticket, b3 by the document


def test_recurrence_names_the_latest_earlier_incident_still_open() -> None:
    def doc(n: int, day: int, *, team: str | None = "infra") -> Document:
        source = f"{n}.md"
        return Document(
            source=source,
            content_hash=source,
            incident=Incident(id=f"INC-{n}", date=dt.date(2026, 11, day), team=team, service="db"),
            items=(w.item(f"INC-{n}", "x", "Open thing", source=source, line=3),),
        )

    documents = [doc(1, 1), doc(2, 5), doc(3, 9)]
    result = build_report(
        documents=documents, tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    # INC-3 against INC-2 only (INC-2 already stands for INC-1); INC-2 against INC-1.
    assert [(e.incident_id, e.earlier_id, e.days_after) for e in result.recurrence] == [
        ("INC-2", "INC-1", 4),
        ("INC-3", "INC-2", 4),
    ]


def test_no_recurrence_between_incidents_without_service_or_team() -> None:
    def doc(n: int, day: int) -> Document:
        source = f"{n}.md"
        return Document(
            source=source,
            content_hash=source,
            incident=Incident(id=f"INC-{n}", date=dt.date(2026, 11, day)),
            items=(w.item(f"INC-{n}", "x", "Open thing", source=source, line=3),),
        )

    result = build_report(
        documents=[doc(1, 1), doc(2, 5)],
        tickets={},
        links={},
        history=[],
        policy=ReportPolicy(),
        now=w.NOW,
    )
    assert result.recurrence == ()


def test_history_from_runs_reads_report_runs_only() -> None:
    from syncer.core.report import history_from_runs
    from syncer.shell.state import RunRecord

    runs = [
        RunRecord(
            id=1,
            started=w.utc(2026, 11, 3, 8),
            finished=w.utc(2026, 11, 3, 9),
            command="report",
            summary=report().counts(),
        ),
        RunRecord(
            id=2,
            started=w.utc(2026, 11, 10),
            finished=w.utc(2026, 11, 10, 1),
            command="sync",
            summary={"documents": 5, "items": 11},
        ),
    ]
    assert history_from_runs(runs) == [HistoryPoint(at=w.utc(2026, 11, 3, 9), open=7, overdue=4)]


def test_a_ticket_created_closed_gives_no_close_date() -> None:
    # A3 was done during the incident; syncer first saw it on 2026-11-25 and created OPS-8
    # closed. That day is when syncer ran, not when the work was done: it is left out of the
    # on-time rate and the days to close, and counted as unknown.
    ops = w.TICKETS["ops"]
    created_closed = tuple(
        t.model_copy(
            update={"created": w.utc(2026, 11, 25, 9), "resolved": w.utc(2026, 11, 25, 9, 1)}
        )
        if t.ref.key == "OPS-8"
        else t
        for t in ops.tickets
    )
    m = report(tickets={**w.TICKETS, "ops": ops.model_copy(update={"tickets": created_closed})})
    metrics = m.metrics
    assert (metrics.on_time_basis, metrics.close_basis, metrics.close_unknown) == (0, 0, 3)
    assert (metrics.on_time_rate, metrics.median_days_to_close) == (None, None)
    # Closed by a person days after it was created: that resolution date is evidence.
    assert (report().metrics.close_basis, report().metrics.close_unknown) == (1, 2)
    # The document saying when it was done is the best evidence of all.
    noted = w.A3.model_copy(update={"done_on": dt.date(2026, 9, 5)})
    d1 = w.D1.model_copy(update={"items": (w.A1, w.A2, noted, w.A4)})
    dated = report(
        documents=(d1, w.D2),
        tickets={**w.TICKETS, "ops": ops.model_copy(update={"tickets": created_closed})},
    ).metrics
    # Done 4 days after the incident, before its 2026-09-29 deadline: on time, 4 days to close.
    assert (dated.on_time_basis, dated.on_time_rate, dated.median_days_to_close) == (1, 1.0, 4.0)
    assert dated.close_unknown == 2


def test_due_soon_and_each_owners_plate() -> None:
    # On 2026-11-27 INC-3001's items (2026-11-20, no severity: 56 days) are due 2027-01-15;
    # a 50-day window lists them, sorted by days left.
    result = report(policy=ReportPolicy(trend_weeks=4, due_soon_days=50))
    assert [(e.row.item_key, e.days_left) for e in result.due_soon] == [
        (w.C1.key, 49),
        (w.C2.key, 49),
        (w.C3.key, 49),
    ]
    assert report().due_soon == ()
    plates = {o.owner: o for o in result.owners}
    alice = plates["alice"]
    # alice: a1 (overdue, OPS-7), c2 and c3 (due soon); a3 is done, b2 won't do, b3 done.
    assert (alice.open, alice.overdue, alice.due_soon) == (3, 1, 2)
    assert alice.items[0] == "OPS-7"
    assert alice.next_due == dt.date(2026, 10, 1)
    assert plates["bob"].overdue == 2  # a2 and b4 ("@bob" and "bob" are one person)
    assert result.owners[0].owner == "bob"  # most overdue first
    assert plates["carol"].items == ('"Reindex"',)  # no ticket: its title, not its item key


def test_possible_follow_ups_are_listed_apart() -> None:
    candidate = PossibleItem(
        item=w.item("INC-2041", "p1", "Maybe shard the queue", source=w.D1_SOURCE, line=30),
        assessment=Assessment(
            confidence=0.4, evidence=("- no task-list box",), section="Lessons learned"
        ),
    )
    d1 = w.D1.model_copy(update={"possible": (candidate,)})
    result = report(documents=(d1, w.D2))
    (entry,) = result.possible
    assert (entry.incident_id, entry.line, entry.title, entry.section) == (
        "INC-2041",
        30,
        "Maybe shard the queue",
        "Lessons learned",
    )
    assert "Maybe shard the queue" not in {e.row.title for e in result.untracked}


def test_rows_link_to_their_document_when_a_base_url_is_set() -> None:
    result = report(document_base_url="https://git.example.com/pm/blob/main/")
    row = result.overdue[0].row
    assert row.document_url == "https://git.example.com/pm/blob/main/pm/inc-2041.md"
    assert report().overdue[0].row.document_url is None


def test_unreadable_due_dates_and_unmapped_priorities_are_findings_naming_the_line() -> None:
    odd = w.B1.model_copy(update={"unread_due": "next Friday"})
    d2 = w.D2.model_copy(update={"items": (odd, *w.D2.items[1:])})
    priority = Finding(
        kind="unknown_priority",
        message="pm/inc-2050.md:10: priority 'P2' is not in trackers.ops.priorities; the "
        "ticket gets the severity's 'High'",
        item_key=w.B2.key,
        source=w.D2_SOURCE,
    )
    result = report(documents=(w.D1, d2), findings=(*w.FINDINGS, priority))
    assert [(f.source, f.line, f.kind) for f in result.document_findings] == [
        (w.D2_SOURCE, 9, "unreadable_due"),
        (w.D2_SOURCE, 10, "unknown_priority"),
    ]
    assert result.document_findings[0].detail == (
        "Cap pool size: due date 'next Friday' is not a date syncer can read (write it as "
        "YYYY-MM-DD); the deadline shown comes from the SEV1 policy: 28 calendar days "
        "(default for the highest severities)"
    )
    assert result.document_findings[1].detail == (
        "Remove flag: priority 'P2' is not in trackers.ops.priorities; the ticket gets the "
        "severity's 'High'"
    )
    assert result.counts()["document_findings"] == 2


def test_an_item_marked_wont_do_in_the_document_is_resolved_not_done() -> None:
    # B2's ticket OPS-13 is closed as won't do; once the document says so too, it is no drift.
    marked = w.B2.model_copy(update={"wont_do": True})
    documents = tuple(
        d.model_copy(update={"items": tuple(marked if i.key == marked.key else i for i in d.items)})
        for d in w.DOCUMENTS
    )
    made = report(documents=documents)
    assert made.counts()["open"] == report().counts()["open"]
    assert ("wont_do", "OPS-13") not in [
        (e.kind, e.ticket.key if e.ticket else None) for e in made.drift
    ]
    # Without a ticket closed that way it still counts as resolved, not open.
    reopened = report(
        documents=documents,
        tickets={
            name: read.model_copy(
                update={
                    "tickets": tuple(
                        t.model_copy(update={"done": False, "status_category": "todo",
                                             "resolution": None})
                        if t.ref.key == "OPS-13" else t
                        for t in read.tickets
                    )
                }
            )
            for name, read in w.TICKETS.items()
        },
    )  # fmt: skip
    assert reopened.counts()["open"] == report().counts()["open"]
