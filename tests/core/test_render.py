"""What ``plan`` and ``sync`` print: a plan by document, findings by kind, what a sync did."""

from __future__ import annotations

from datetime import date

from syncer.core.render import outcome_json, outcome_markdown, outcome_text
from syncer.model import (
    Change,
    CloseChange,
    CreateChange,
    Finding,
    OwnedField,
    Plan,
    TicketFields,
    TicketRef,
    UpdateChange,
)
from syncer.outcome import ApplyResult, Outcome, SyncOutcome

OPS_7 = TicketRef(system="jira", key="OPS-7", url="https://jira.example/browse/OPS-7")


def _fields(title: str, **extra: object) -> TicketFields:
    return TicketFields.model_validate({"title": title, "body": "b", **extra})


def _changes() -> list[Change]:
    # Deliberately out of document order: the plan must not print them as they come.
    return [
        UpdateChange(
            tracker="ops",
            item_key="inc-2.aaa",
            source="b.md",
            reason="changed in the document",
            ref=OPS_7,
            fields=_fields("Add alerting", assignee="acc-alice", due=date(2026, 12, 1)),
            changed=(OwnedField.ASSIGNEE, OwnedField.DUE, OwnedField.BODY),
            before=(("assignee", "acc-bob"), ("due", None), ("body", "old")),
        ),
        CreateChange(
            tracker="ops",
            item_key="inc-1.zzz",
            source="a.md",
            reason="new item",
            fields=_fields("Second in a.md", due=date(2026, 11, 1), priority="High"),
        ),
        CreateChange(
            tracker="ops",
            item_key="inc-1.yyy",
            source="a.md",
            reason="new item",
            fields=_fields("First in a.md, already done", done=True, assignee="acc-alice"),
        ),
        CloseChange(
            tracker="ops",
            item_key="inc-2.bbb",
            source="b.md",
            reason="ticked in the document",
            ref=TicketRef(system="jira", key="OPS-9"),
            fields=_fields("Remove the old proxy", done=True),
            changed=(OwnedField.DONE,),
            before=(("done", "open"),),
        ),
    ]


def _findings(count: int) -> tuple[Finding, ...]:
    owners = tuple(
        Finding(kind="unknown_owner", message=f"owner 'p{i}' has no account", item_key=f"i.{i}")
        for i in range(count)
    )
    return (*owners, Finding(kind="deferred", message="create cap reached", item_key="i.x"))


def _outcome(*, result: ApplyResult | None = None, findings: int = 5) -> SyncOutcome:
    return SyncOutcome(
        documents=2,
        items=4,
        parsed=2,
        plan=Plan(changes=tuple(_changes()), findings=_findings(findings)),
        result=result,
        headings={"a.md": "INC-1 Proxy pool", "b.md": "INC-2 Certificates"},
        lines={"inc-1.yyy": 10, "inc-1.zzz": 12, "inc-2.aaa": 30, "inc-2.bbb": 20},
        owners={"inc-1.yyy": "alice", "inc-2.aaa": "alice"},
    )


def test_a_plan_reads_by_document_in_document_order_with_old_and_new_values() -> None:
    text = outcome_text(_outcome(), show_plan=True)
    plan = text.split("\n\n")[:2]
    assert plan == [
        "Plan: 1 to create, 1 to create (closed), 1 to update, 1 to close; 0 items already in "
        "step.",
        "a.md  (INC-1 Proxy pool)\n"
        "  + create (closed) in ops: First in a.md, already done\n"
        "      owner alice (acc-alice), no due date  [inc-1.yyy]\n"
        "  + create in ops: Second in a.md\n"
        "      no owner, due 2026-11-01, priority High  [inc-1.zzz]\n"
        "b.md  (INC-2 Certificates)\n"
        "  - close OPS-9 Remove the old proxy  [inc-2.bbb]\n"
        "      done: open -> done\n"
        "  ~ update OPS-7 Add alerting  [inc-2.aaa]\n"
        "      assignee: acc-bob -> acc-alice\n"
        "      due: (none) -> 2026-12-01\n"
        "      body: rewritten from the document",
    ]


def test_findings_are_grouped_by_kind_with_a_few_examples_and_all_with_verbose() -> None:
    text = outcome_text(_outcome(findings=5), show_plan=True)
    assert (
        "6 findings (unknown_owner 5, deferred 1)\n"
        "  unknown owner (5)\n"
        "    i.0: owner 'p0' has no account\n"
        "    i.1: owner 'p1' has no account\n"
        "    i.2: owner 'p2' has no account\n"
        "    ... and 2 more\n"
        "  deferred (1)\n"
        "    i.x: create cap reached\n"
        "  (-v lists all 6 findings, as does --format json)"
    ) in text
    verbose = outcome_text(_outcome(findings=5), show_plan=True, verbose=True)
    assert "i.4: owner 'p4' has no account" in verbose
    assert "more" not in verbose
    assert '"message": "owner \'p4\' has no account"' in outcome_json(_outcome(findings=5))


def test_a_plan_with_an_unreadable_tracker_never_says_no_changes() -> None:
    # Every tracker down: "No changes: 0 items already in step." would read as all is well.
    down = SyncOutcome(
        documents=4,
        items=19,
        parsed=4,
        plan=Plan(),
        unavailable={"ops": "ops: cannot reach http://127.0.0.1:9", "web": "web: HTTP 503"},
    )
    headline = outcome_text(down, show_plan=True).splitlines()[0]
    assert headline == (
        "Nothing planned for 2 trackers that could not be read (below); 0 items already in step."
    )
    partly = _outcome().model_copy(update={"unavailable": {"web": "HTTP 503"}})
    assert outcome_text(partly, show_plan=True).splitlines()[0] == (
        "Plan: 1 to create, 1 to create (closed), 1 to update, 1 to close; 0 items already in "
        "step; nothing planned for 1 tracker that could not be read (below)."
    )


def test_markdown_says_which_tracker_could_not_be_read_and_why() -> None:
    down = _outcome().model_copy(update={"unavailable": {"web": "HTTP 503"}})
    assert "## Trackers that could not be read\n\n- web: HTTP 503\n" in outcome_markdown(down)


def test_a_finding_that_names_its_ticket_first_is_not_prefixed_twice() -> None:
    orphan = Finding(
        kind="orphaned",
        message="OPS-10 belongs to no action item any more",
        item_key="inc-1.x",
        ref=TicketRef(system="jira", key="OPS-10"),
    )
    text = outcome_text(
        SyncOutcome(documents=1, items=0, parsed=1, plan=Plan(findings=(orphan,))),
        show_plan=True,
    )
    assert "    OPS-10 belongs to no action item any more" in text
    assert "OPS-10: OPS-10" not in text


def test_one_finding_is_singular() -> None:
    text = outcome_text(_outcome(findings=0), show_plan=True)
    assert "1 finding (deferred 1)" in text


def test_a_sync_ends_with_one_line_per_change_with_ticket_and_url_then_the_summary() -> None:
    changes = _changes()
    made = TicketRef(system="jira", key="OPS-12", url="https://jira.example/browse/OPS-12")
    result = ApplyResult(
        outcomes=(
            Outcome(change=changes[1], status="done", ref=made),
            Outcome(change=changes[0], status="done", ref=OPS_7),
            Outcome(change=changes[3], status="failed", error="ops: 500 from Jira"),
        )
    )
    text = outcome_text(_outcome(result=result, findings=0), show_plan=False)
    lines = text.splitlines()
    assert lines[:3] == [
        "created  OPS-12  https://jira.example/browse/OPS-12  Second in a.md",
        "updated  OPS-7   https://jira.example/browse/OPS-7   Add alerting",
        "failed   close   inc-2.bbb                           ops: 500 from Jira",
    ]
    assert lines[-1] == (
        "documents 2, items 4: deferred 1, findings 1, created 1, updated 1, failed 1"
    )


def test_markdown_lists_the_planned_changes_and_grouped_findings() -> None:
    text = outcome_markdown(_outcome(findings=2))
    assert "## Planned changes" in text
    assert "  ~ update OPS-7 Add alerting  [inc-2.aaa]" in text
    assert "- **unknown owner** (2)\n  - i.0: owner 'p0' has no account" in text
