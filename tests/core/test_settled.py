"""Which documents are quiet, which records a tracker's changes touch, and when a record stands."""

from __future__ import annotations

from syncer.core.desired import Desired
from syncer.core.settled import SettledItem, SettledRecord, quiet_documents, settle, touched
from syncer.model import (
    Document,
    Finding,
    Link,
    LinkStatus,
    Match,
    OwnedField,
    Plan,
    Problem,
    TicketFields,
    TicketRef,
    UpdateChange,
)
from tests.support.builders import INCIDENT, desired, fixed_now

ONE = desired("Add a circuit breaker", line=10, source="a.md")
TWO = desired("Alert on errors", line=11, source="a.md")
OTHER = desired("Rotate credentials", line=10, source="b.md")
FIELDS = TicketFields(title="t", body="b")


def doc(source: str, *items: Desired, errors: bool = False) -> Document:
    return Document(
        source=source,
        content_hash=f"hash-{source}",
        incident=INCIDENT,
        items=tuple(d.item for d in items),
        errors=(Problem(source=source, message="broken"),) if errors else (),
    )


def ref(key: str) -> TicketRef:
    return TicketRef(system="jira", key=key)


def match(d: Desired, key: str) -> Match:
    item = d.item
    return Match(item_key=item.key, tracker="fake", source=item.source, ref=ref(key), fields=FIELDS)


def link(d: Desired, key: str, *, status: LinkStatus = "managed") -> Link:
    item = d.item
    return Link(
        item_key=item.key,
        tracker="fake",
        source=item.source,
        status=status,
        ref=ref(key),
        fields=FIELDS,
        first_seen=fixed_now(),
    )


def no_names(*_: object) -> tuple[TicketRef, ...]:
    return ()


def test_a_document_is_quiet_only_when_the_plan_says_nothing_about_it_but_matches() -> None:
    docs = [doc("a.md", ONE, TWO), doc("b.md", OTHER)]
    all_in_step = Plan(matches=(match(ONE, "OPS-1"), match(TWO, "OPS-2"), match(OTHER, "OPS-3")))
    assert set(quiet_documents(all_in_step, docs, fingerprint="f")) == {"a.md", "b.md"}
    update = UpdateChange(
        tracker="fake",
        item_key=OTHER.item.key,
        source="b.md",
        ref=ref("OPS-3"),
        fields=FIELDS,
        changed=(OwnedField.TITLE,),
        reason="title changed in the document",
    )
    busy = Plan(matches=all_in_step.matches[:2], changes=(update,))
    assert set(quiet_documents(busy, docs, fingerprint="f")) == {"a.md"}
    finding = Finding(kind="duplicate", message="two", item_key=TWO.item.key)
    noted = all_in_step.model_copy(update={"findings": (finding,)})
    assert set(quiet_documents(noted, docs, fingerprint="f")) == {"b.md"}
    unmatched = Plan(matches=all_in_step.matches[1:])
    assert set(quiet_documents(unmatched, docs, fingerprint="f")) == {"b.md"}
    broken = [doc("a.md", ONE, TWO, errors=True), doc("b.md", OTHER)]
    assert set(quiet_documents(all_in_step, broken, fingerprint="f")) == {"b.md"}


def test_a_change_touches_a_record_by_ticket_key_or_by_the_item_key_it_carries() -> None:
    record = SettledRecord(
        source="a.md",
        content_hash="h",
        fingerprint="f",
        items=(SettledItem(ONE.item.key, "fake", "OPS-1"),),
    )
    records = {"a.md": record}
    assert touched(records, {"OPS-9"}) == []
    assert touched(records, {"OPS-1"}) == ["a.md"]
    assert touched(records, {ONE.item.key}) == ["a.md"]


def test_a_record_stands_only_while_document_fingerprint_and_state_say_the_same() -> None:
    docs = [doc("a.md", ONE, TWO)]
    [record] = quiet_documents(
        Plan(matches=(match(ONE, "OPS-1"), match(TWO, "OPS-2"))), docs, fingerprint="f"
    ).values()
    links = {ONE.item.key: link(ONE, "OPS-1"), TWO.item.key: link(TWO, "OPS-2")}
    listed = {"fake": {"OPS-1", "OPS-2"}}

    def stands(**changed: object) -> bool:
        kwargs: dict[str, object] = {
            "documents": docs,
            "records": {"a.md": record},
            "fingerprint": "f",
            "links": links,
            "listed": listed,
            "named": no_names,
        } | changed
        return bool(settle(**kwargs))  # type: ignore[arg-type]

    assert stands()
    assert not stands(fingerprint="g")
    edited = docs[0].model_copy(update={"content_hash": "other"})
    assert not stands(documents=[edited])
    assert not stands(documents=[*docs, doc("c.md", ONE)])  # its key in another document
    assert not stands(listed={"fake": {"OPS-1"}})  # its ticket not in the listing
    assert not stands(listed={})  # the tracker not read
    pending = {**links, TWO.item.key: link(TWO, "OPS-2", status="pending")}
    assert not stands(links=pending)
    elsewhere = {**links, TWO.item.key: link(TWO, "OPS-7")}
    assert not stands(links=elsewhere)
