"""Documents whose conclusion stands: unchanged since a cycle found all of their items in step.

Planning every item every cycle makes a quiet cycle's local work grow with history (rendering
and comparing 50,000 items when nothing changed). A document is *quiet* when the plan made of
it had nothing to say about it: every item kept with its ticket (a ``Match``), no change, no
finding, no document edit. A sync records each quiet document (``SettledRecord``: its content
hash, a fingerprint of the configuration and code that planned it, each item's ticket), and a
later cycle lets that conclusion stand (``settle``) instead of planning the document again,
when nothing it was drawn from can have moved:

* the document's bytes are the same (content hash) and so is the configuration (fingerprint);
* every tracker was read, and read incrementally (a full listing, state lost, ``--full`` or a
  tracker that could not be read: everything is planned);
* none of its tickets changed in the tracker since (the incremental read's changed tickets, by
  key and by the item key they carry: a new or edited ticket claiming one of its items too);
* state still links each item to the same ticket as managed (or linked), with the fields the
  plan last recorded; nothing pending or failed;
* no other document holds an item with one of its keys.

Anything else plans the document as before. The planner takes the settled items' conclusions
as given (``plan_changes(settled=...)``): they count as present, their tickets are claimed,
their ``Match`` stands; a planned item that reaches one of their tickets makes the planner give
up (``SettledConflictError``) and the caller plans everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from syncer.model import ActionItem, Document, Frozen, ItemKey, Link, Match, Plan, TicketRef

Named = Callable[[Document, ActionItem, str], tuple[TicketRef, ...]]
"""``named(document, item, tracker)``: the tickets of ``tracker`` the item names, resolved
(``syncer.core.desired.named_refs``)."""


class SettledItem(NamedTuple):
    """One item of a quiet document, as the plan found it. (Plain tuples, not models: a
    cycle holds 50,000 of them; state's rows are the only way in, checked there.)"""

    item_key: ItemKey
    tracker: str
    ticket: str
    """The ticket's key in its tracker."""
    linked: bool = False
    """A person's ticket the document names (syncer does not own it)."""


@dataclass(frozen=True, slots=True)
class SettledRecord:
    """A quiet document, as a sync recorded it."""

    source: str
    content_hash: str
    fingerprint: str
    """The configuration and code that planned it (``syncer.shell.world.plan_fingerprint``)."""
    items: tuple[SettledItem, ...]


class Settled(Frozen):
    """An item whose conclusion (in step with its ticket) stands without planning it again."""

    match: Match
    named: tuple[TicketRef, ...] = ()
    """The tickets its document names for it (a person's ticket named is never paired)."""


def quiet_documents(
    plan: Plan, documents: Iterable[Document], *, fingerprint: str
) -> dict[str, SettledRecord]:
    """Source -> record of each document the plan has nothing to say about but matches."""
    busy: set[str] = {c.source for c in plan.changes} | {e.source for e in plan.edits}
    busy_keys: set[ItemKey] = {c.item_key for c in plan.changes}
    for finding in plan.findings:
        if finding.source is not None:
            busy.add(finding.source)
        if finding.item_key is not None:
            busy_keys.add(finding.item_key)
    matched = {m.item_key: m for m in plan.matches}
    quiet = {}
    for document in documents:
        if document.errors or not document.items or document.source in busy:
            continue
        items = []
        for item in document.items:
            match = matched.get(item.key)
            if match is None or item.key in busy_keys or match.source != document.source:
                break
            items.append(
                SettledItem(
                    item_key=item.key,
                    tracker=match.tracker,
                    ticket=match.ref.key,
                    linked=match.fields is None,
                )
            )
        else:
            quiet[document.source] = SettledRecord(
                source=document.source,
                content_hash=document.content_hash,
                fingerprint=fingerprint,
                items=tuple(items),
            )
    return quiet


def touched(records: Mapping[str, SettledRecord], changed: Collection[str]) -> list[str]:
    """The recorded sources one of whose items' tickets changed, or whose item keys a
    changed ticket carries (or carried) in any tracker: ``changed`` holds both kinds of key
    (``TicketRead.moved``). A ticket elsewhere carrying an item's key decides where it lives."""
    return [
        source
        for source, record in records.items()
        if any(i.ticket in changed or i.item_key in changed for i in record.items)
    ]


def settle(
    documents: Iterable[Document],
    records: Mapping[str, SettledRecord],
    *,
    fingerprint: str,
    links: Mapping[ItemKey, Link],
    listed: Mapping[str, Collection[str]],
    named: Named,
) -> dict[str, tuple[Settled, ...]]:
    """Source -> its settled items, for each document whose recorded conclusion stands.

    ``records`` must no longer hold a document whose tickets changed since it was recorded
    (``touched``). ``listed``: per tracker read this cycle, the keys of the tickets it holds;
    a tracker missing from it was not (its documents are planned). ``named`` gives the tickets
    an item names, for the planner's pairing rules.
    """
    documents = list(documents)
    counts = Counter(item.key for d in documents for item in d.items)
    found: dict[str, tuple[Settled, ...]] = {}
    for document in documents:
        record = records.get(document.source)
        if (
            record is None
            or document.errors
            or record.content_hash != document.content_hash
            or record.fingerprint != fingerprint
            or [i.item_key for i in record.items] != [i.key for i in document.items]
        ):
            continue
        settled = []
        for recorded, item in zip(record.items, document.items, strict=True):
            match = _stands(recorded, record.source, links=links, listed=listed)
            if match is None or counts[recorded.item_key] != 1:
                break
            refs = named(document, item, match.tracker)
            settled.append(Settled.model_construct(match=match, named=refs))  # valid parts
        else:
            found[document.source] = tuple(settled)
    return found


def _stands(
    recorded: SettledItem,
    source: str,
    *,
    links: Mapping[ItemKey, Link],
    listed: Mapping[str, Collection[str]],
) -> Match | None:
    """The item's ``Match`` as the last plan made it, if state still says what it said."""
    link = links.get(recorded.item_key)
    tracker = recorded.tracker
    if (
        link is None
        or link.ref is None
        or link.tracker != tracker
        or link.source != source
        or link.ref.key != recorded.ticket
        or tracker not in listed
    ):
        return None
    held = recorded.ticket in listed[tracker]
    if recorded.linked:
        # A person's ticket named in the document: found by state, never read (not listed).
        if link.status != "linked" or link.fields is not None or held:
            return None
        fields = None
    elif link.status != "managed" or link.fields is None or not held:
        return None
    else:
        fields = link.fields
    # Every value comes from a validated ``Link``: built without validating again (50,000 a
    # quiet cycle).
    return Match.model_construct(
        item_key=recorded.item_key, tracker=tracker, source=source, ref=link.ref, fields=fields
    )
