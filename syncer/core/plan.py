"""(desired items, tickets found, state) -> Plan. Pure: no clock, no files, no network.

How an item finds its ticket, first rule that applies. A ticket is identified by its tracker
and key (``same_ticket``), never by the spelling of its URL.

1. **Named in the document.** A ticket reference written in the item (``OPS-12``, a GitHub URL,
   and the links write-back adds) is its ticket. A ticket syncer manages is kept in step (also
   syncer's ticket of an item of the same incident that no document has any more: the item was
   reworded and its link came along); a ticket a person created is *linked*: remembered, never
   edited. A named ticket that does not exist is a finding, never a reason to create one.
2. **Marker.** A managed ticket carrying the item's key (Jira label, GitHub body marker).
3. **State.** The ticket state last linked to this key. A recorded ticket that has vanished is a
   finding, not re-created.
4. **Changed item, on evidence only.** An unclaimed managed ticket of the same incident whose
   title (as it is now, or as syncer last wrote it) is close to the item's (``title_likeness``
   >= ``REWORD_SIMILARITY``, best pairs first); a ticket written for another incident's item
   (cut from one post-mortem and pasted into another, or a renamed post-mortem without an
   explicit id) needs a nearly equal title (``MOVE_SIMILARITY``), as does a ticket listed by
   the managed label whose marker a person deleted. Titles sharing no word beyond filler are
   never alike, and the place of an item in its list is never evidence: one item removed and
   an unrelated one added (even where it stood) leaves the old ticket an orphan and gives the
   new item its own ticket. A reworded pairing is named ``reworded: 'old' -> 'new'`` in the
   plan and a ``CommentChange`` tells the ticket's watchers; a moved one is named ``moved from
   <document>`` and commented likewise. The write moves the marker to the new key.
5. Otherwise the item gets a new ticket, up to the tracker's per-run create cap; the rest are
   deferred to the next run.

Identity is decided for every item before any ticket is claimed, owners first: an item that
names another item's ticket links it and never edits it. An item whose ticket exists stays in
the tracker holding it, whatever the routing says now (``desired.desire_items``).

Which fields are written: for each field syncer owns, the document's value is written when it
differs from the ticket's, unless the document has not changed that field since syncer last
wrote it (the baseline) and the field is not in the tracker's ``overwrite`` list: then a
person changed it in the tracker on purpose, and it is kept. The baseline travels with the
ticket (``Ticket.written``: a Jira issue property, the GitHub body marker), else comes from
state, so losing state loses nothing. Without any baseline (a ticket written before baselines
were carried, and no state) the document wins, except for an assignee a person set, for
reopening, and for clearing a value, which are kept. A ticket already in the document's done
state whose baseline is not (the transition was written, its comment not) gets the close or
reopen again: the tracker leaves the state alone and the comment is written. A missing
priority never clears the tracker's (it means "the default"). Labels are only ever added, and
one a person took off stays off. Done state closes or reopens. All of a ticket's changes are one
``Change``, so state records them only once all were written. The item's place in its list
(``TicketFields.neighbours``) is remembered with the baseline, never written as a field, and
no longer decides identity (issue 17).

Managed tickets no item claims are reported as orphaned, never closed or deleted.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date

from syncer.core.desired import Desired
from syncer.core.settled import Settled
from syncer.model import (
    Change,
    ChangeKind,
    CloseChange,
    CommentChange,
    CreateChange,
    DocumentEdit,
    Finding,
    FindingKind,
    ItemEdit,
    ItemKey,
    Link,
    LinkChange,
    Match,
    OwnedField,
    Plan,
    ReopenChange,
    Ticket,
    TicketFields,
    TicketRef,
    UpdateChange,
    WriteChange,
    Written,
    normalise_title,
    oldest_first,
)
from syncer.policy import SyncPolicy

REWORD_SIMILARITY = 0.6
_COMPARED = (
    OwnedField.TITLE,
    OwnedField.BODY,
    OwnedField.ASSIGNEE,
    OwnedField.DUE,
    OwnedField.PRIORITY,
)
"""Compared one by one; labels (a set to add to) and done (a transition) have rules of their own."""
MOVE_SIMILARITY = 0.8
"""How alike an item's title must be to a ticket written for another incident's item."""
_FILLER = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"}
    | {"of", "on", "or", "the", "this", "that", "to", "was", "were", "when", "with"}
)


def _incident_part(key: ItemKey) -> str:
    return key.partition(".")[0]


def title_likeness(one: str, other: str) -> float:
    """How alike two titles are (0 to 1), on their normalised forms.

    Titles sharing no word beyond filler ("the", "for") are unrelated, whatever their letters
    have in common: position or spelling alone never pairs two unrelated texts.
    """
    a, b = normalise_title(one), normalise_title(other)
    if a == b:
        return 1.0
    if not (set(a.split()) & set(b.split())) - _FILLER:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def same_ticket(ref: TicketRef | None, other: TicketRef) -> bool:
    """Whether two references name one ticket: its key decides, never how its URL is spelled."""
    return ref is not None and ref.key == other.key


def neighbours_of(desired: Sequence[Desired]) -> dict[ItemKey, tuple[ItemKey, ItemKey]]:
    """Item key -> the keys of the items before and after it in its document ('' at the ends)."""
    by_source: dict[str, list[Desired]] = defaultdict(list)
    for d in desired:
        by_source[d.item.source].append(d)
    found = {}
    for items in by_source.values():
        keys = [d.item.key for d in sorted(items, key=lambda d: (d.item.line, d.item.key))]
        padded = ["", *keys, ""]
        for i, key in enumerate(keys, start=1):
            found[key] = (padded[i - 1], padded[i + 1])
    return found


class _Index:
    """The tickets of every tracker, looked up by reference and by marker."""

    def __init__(self, tickets: Mapping[str, Sequence[Ticket]]) -> None:
        self.by_ref: dict[tuple[str, str], Ticket] = {}
        self.by_marker: dict[tuple[str, ItemKey], list[Ticket]] = defaultdict(list)
        self.managed: dict[str, list[Ticket]] = {}
        self.unmarked: dict[str, list[Ticket]] = {}
        """Tickets without a marker: a person's, named in a document, or syncer's own whose
        marker a person deleted (listed by the managed label)."""
        for tracker, found in tickets.items():
            ordered = sorted(found, key=oldest_first)
            self.managed[tracker] = [t for t in ordered if t.item_key is not None]
            self.unmarked[tracker] = [t for t in ordered if t.item_key is None]
            for ticket in ordered:
                self.by_ref[(tracker, ticket.ref.key)] = ticket
                if ticket.item_key is not None:
                    self.by_marker[(tracker, ticket.item_key)].append(ticket)


def _document_wins(name: str, wanted: object, actual: object, baseline: Written | None) -> bool:
    """Whether a field that differs should be written, absent an ``overwrite`` setting."""
    if baseline is not None:
        # Unchanged in the document since syncer wrote it: a person changed the ticket.
        return baseline.differs(name, wanted)
    # No baseline (lost state): never clear a value, never take an assignee from a person.
    return wanted is not None and not (name == "assignee" and actual is not None)


def compare_fields(
    desired: TicketFields,
    ticket: Ticket,
    *,
    baseline: TicketFields | Written | None,
    overwrite: Collection[str],
) -> tuple[list[OwnedField], TicketFields]:
    """The fields to write, and the fields to write them from.

    ``done`` is also listed when the ticket already shows the document's done state but the
    baseline does not: a close or reopen whose comment was never written (its answer was lost,
    or the comment failed) is completed; the tracker leaves a ticket already there as it is.
    """
    baseline = None if baseline is None else Written.of(baseline)
    changed: list[OwnedField] = []
    for name in _COMPARED:
        wanted, actual = getattr(desired, name), getattr(ticket, name)
        if wanted == actual or (name == "priority" and wanted is None):
            continue  # no priority means the tracker's default, never "clear it"
        if name in overwrite or _document_wins(name, wanted, actual, baseline):
            changed.append(name)
    missing = set(desired.labels) - set(ticket.labels)
    if baseline is not None and "labels" not in overwrite:
        missing -= set(baseline.labels)  # syncer set these before: a person took them off
    labels = tuple(sorted(set(ticket.labels) | missing))
    if missing:
        changed.append(OwnedField.LABELS)
    if desired.done != ticket.done:
        # Closing follows the document unless a person reopened what syncer closed; reopening
        # needs proof that the document changed (a baseline), since people close tickets too.
        person_did_it = baseline is not None and baseline.done == desired.done
        document_says = desired.done or baseline is not None
        if "done" in overwrite or (document_says and not person_did_it):
            changed.append(OwnedField.DONE)
    elif baseline is not None and (baseline.done != desired.done or baseline.unsaid):
        changed.append(OwnedField.DONE)  # the transition happened; its comment is still owed
    return changed, desired.model_copy(update={"labels": labels})


def _status(done: bool, wont_do: bool) -> str:
    return "open" if not done else ("wont_do" if wont_do else "done")


def _ticket_status(ticket: Ticket) -> str:
    return _status(ticket.done, ticket.resolution == "wont_do")


_STATUS_SAID = {"open": "open", "done": "done", "wont_do": "won't do"}


def _shown(value: object) -> str | None:
    """A ticket's field value as a plan shows it (``old -> new``)."""
    if value is None or value == ():
        return None
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "done" if value else "open"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _describe(changed: Sequence[str], *, done: bool, known: bool = True) -> str:
    """Why a ticket is written; without a baseline (``known``) no document change is claimed."""
    reasons = []
    if "done" in changed:
        reasons.append(
            "marked done in the document (with a comment saying so)"
            if done
            else "no longer marked done in the document (with a comment saying so)"
        )
    if fields := [f for f in changed if f != "done"]:
        if known:
            reasons.append(", ".join(fields) + " changed in the document")
        else:
            verb = "differs" if len(fields) == 1 else "differ"
            reasons.append(
                f"{', '.join(fields)} {verb} from the document (no record of what syncer "
                "last wrote on this ticket: the document's value is written)"
            )
    return "; ".join(reasons)


class _Planner:
    def __init__(
        self,
        *,
        tickets: Mapping[str, Sequence[Ticket]],
        links: Mapping[ItemKey, Link],
        policy: SyncPolicy,
        recreate: Collection[str] = (),
        adoptable: Mapping[str, Sequence[Ticket]] | None = None,
    ) -> None:
        # The default installation's tickets (this one has another ``instance``) that state
        # links: this installation made them before the setting was added. They are its own,
        # found like any other, and their next write carries this installation's marker.
        ours = {
            (link.tracker, link.ref.key)
            for link in links.values()
            if link.status == "managed" and link.ref is not None
        }
        earlier = {name: list(found) for name, found in (adoptable or {}).items()}
        self.adopting = {(name, t.ref.key) for name, found in earlier.items() for t in found} & ours
        merged = {
            name: [
                *found,
                *(t for t in earlier.get(name, []) if (name, t.ref.key) in self.adopting),
            ]
            for name, found in tickets.items()
        }
        self.index = _Index(merged)
        self.adoptable = _Index(
            {
                name: [t for t in found if (name, t.ref.key) not in self.adopting]
                for name, found in earlier.items()
            }
        )
        """The default installation's tickets state does not link: a second installation's."""
        self.links = links
        self.policy = policy
        self.claimed: dict[tuple[str, str], ItemKey] = {}
        """Managed tickets taken by an item (tracker, ticket) -> item key."""
        self.named: dict[tuple[str, str], ItemKey] = {}
        """Tickets linked by the items naming them; they never block the ticket's owner."""
        self.recreate = frozenset(recreate)
        """Item keys or ticket keys whose deleted ticket the operator asked to make again."""
        self.remade: set[ItemKey] = set()
        """The items whose deleted ticket is made again (``recreate``)."""
        self.desired: list[Desired] = []
        self.present: set[ItemKey] = set()
        """The keys of every item planned: a ticket whose item is among them is that item's."""
        self.settled: list[Settled] = []
        """Items of quiet documents whose conclusion stands (``syncer.core.settled``)."""
        self.settled_tickets: set[tuple[str, str]] = set()
        self.changes: list[Change] = []
        self.matches: list[Match] = []
        self.findings: list[Finding] = []
        self.edits: dict[str, list[ItemEdit]] = defaultdict(list)
        """Write-back: source -> the edits to its items."""

    def write_back(
        self,
        desired: Desired,
        ticket: Ticket | None,
        *,
        status: str | None = None,
        own: bool = True,
    ) -> None:
        """Plan the document edit for one item: its ticket's link (``ticket`` None: the one
        this sync creates) and the status the tracker gave it, as the policy allows. Only the
        item's ``own`` ticket is linked: never a group heading's tracking issue."""
        policy = self.policy.write_back
        if not policy.enabled:
            return
        item = desired.item
        link = own and (not item.tickets or (item.group_tracked and ticket is not None))
        new_status = status if status in ("done", "wont_do") and policy.status_to_document else None
        if not link and new_status is None:
            return
        reasons = []
        if link:
            reasons.append(
                f"link to {ticket.ref.key}" if ticket else "link to the ticket this sync creates"
            )
        if new_status is not None:
            assert ticket is not None
            reasons.append(f"{ticket.ref.key} was closed as {_STATUS_SAID[new_status]}")
        self.edits[item.source].append(
            ItemEdit(
                item_key=item.key,
                line=item.line,
                end_line=item.end_line,
                link=ticket.ref if link and ticket is not None else None,
                link_created=link and ticket is None,
                status="wont_do" if new_status == "wont_do" else "done" if new_status else None,
                tracker=desired.tracker,
                reason="; ".join(reasons),
            )
        )

    def tracker_status(self, desired: Desired, ticket: Ticket, baseline: Written | None) -> str:
        """The status to write into the document from the ticket, or "" for none: the ticket
        was closed since syncer last saw it open (or without a record of that), and the item
        is open. Only open items are ticked: a closed ticket's resolution changed afterwards,
        or set by syncer's own close (``close_resolution``), is not written back."""
        closed = _ticket_status(ticket)
        if closed == "open" or desired.fields.done:
            return ""
        return closed if baseline is None or not baseline.done else ""

    def conflict(self, desired: Desired, ticket: Ticket, baseline: Written | None) -> bool:
        """Both sides changed the item's status since the last sync, differently: reported,
        and neither status is written (the other fields still follow the document)."""
        if baseline is None:
            return False
        before = _status(baseline.done, baseline.wont_do)
        document = _status(desired.fields.done, desired.fields.wont_do)
        closed = _ticket_status(ticket)
        # The ticket changed when it was opened or closed: a resolution alone may be syncer's
        # own (close_resolution), never a person's change of mind to weigh against the document.
        if document in (before, closed) or ticket.done == baseline.done:
            return False
        self.finding(
            desired,
            "conflict",
            f"changed on both sides since the last sync: {_STATUS_SAID[document]} in the "
            f"document, {_STATUS_SAID[closed]} in {ticket.ref.key} (was "
            f"{_STATUS_SAID[before]}); neither is changed until they agree",
            ticket,
        )
        return True

    def finding(
        self,
        desired: Desired,
        kind: FindingKind,
        message: str,
        ticket: Ticket | None,
        *,
        gone: tuple[str, TicketRef] | None = None,
    ) -> None:
        """``gone``: (tracker, ref) of the item's ticket found deleted (no ``Ticket`` to name)."""
        tracker, ref = gone if gone is not None else (desired.tracker, None)
        self.findings.append(
            Finding(
                kind=kind,
                message=message,
                item_key=desired.item.key,
                source=desired.item.source,
                tracker=tracker,
                ref=ticket.ref if ticket else ref,
            )
        )

    def claim(
        self, desired: Desired, ticket: Ticket, claims: dict[tuple[str, str], ItemKey]
    ) -> bool:
        slot = (desired.tracker, ticket.ref.key)
        other = claims.setdefault(slot, desired.item.key)
        if other != desired.item.key:
            self.finding(
                desired,
                "duplicate",
                f"{ticket.ref.key} is already the ticket of item {other}; two items name it",
                ticket,
            )
            return False
        return True

    def ours(self, key: ItemKey, ticket: Ticket) -> bool:
        """Whether syncer manages ``ticket`` for item ``key`` (and may edit it)."""
        if ticket.item_key == key:
            return True
        link = self.links.get(key)
        # State knows it: a reworded item's ticket, or one whose marker a person removed.
        if link and link.status == "managed" and same_ticket(link.ref, ticket.ref):
            return True
        return self.follows_link(key, ticket)

    def follows_link(self, key: ItemKey, ticket: Ticket) -> bool:
        """Whether item ``key`` names syncer's ticket of an item of its incident that no
        document has any more: that item was reworded, and its link (written back, or pasted)
        came along, so the ticket follows it."""
        return (
            ticket.item_key is not None
            and ticket.item_key != key
            and ticket.item_key not in self.present
            and _incident_part(ticket.item_key) == _incident_part(key)
        )

    def baseline(self, key: ItemKey, ticket: Ticket) -> Written | None:
        """What syncer last wrote to ``ticket``: as the ticket carries it, else as state does."""
        if ticket.written is not None:
            return ticket.written
        link = self.links.get(key) or (self.links.get(ticket.item_key) if ticket.item_key else None)
        if link and link.fields and same_ticket(link.ref, ticket.ref):
            return Written.of(link.fields)
        return None

    def identify(self, desired: Desired) -> tuple[Ticket | None, bool]:
        """(ticket, settled): settled is True when no create may follow."""
        tracker, key = desired.tracker, desired.item.key
        if desired.item.group_tracked:
            # A group heading's tracking issue never displaces the item's own ticket (a
            # heading added over items already ticketed); it tracks only items without one.
            own = self.own_ticket(tracker, key)
            if own is not None:
                return own, True
        for ref in desired.refs[:1]:
            ticket = self.index.by_ref.get((tracker, ref.key))
            link = self.links.get(key)
            if ticket is None and link and link.status == "linked" and same_ticket(link.ref, ref):
                # Linked before, and syncer never edits a person's ticket: not read again.
                self.matches.append(
                    Match(item_key=key, tracker=tracker, source=desired.item.source, ref=ref)
                )
                return None, True
            if ticket is None:
                # A ticket re-created for the item (``--recreate``) carries its marker, while
                # the document may still name the deleted one.
                if marked := self.index.by_marker.get((tracker, key), []):
                    return marked[0], True
                if self.recreating(key, ref):
                    return None, False
                self.finding(
                    desired,
                    "missing_ticket",
                    f"{ref.key} is named in the document but gone from {tracker} (deleted?); "
                    f"`syncer sync --recreate {ref.key}` makes it again, else remove the "
                    "reference",
                    None,
                )
            return ticket, True
        marked = self.index.by_marker.get((tracker, key), [])
        if len(marked) > 1:
            extra = ", ".join(t.ref.key for t in marked[1:])
            self.finding(
                desired,
                "duplicate",
                f"{tracker} holds {len(marked)} tickets for this item; keeping "
                f"{marked[0].ref.key}, close {extra} by hand",
                marked[1],
            )
            for extra_ticket in marked[1:]:  # reported once, as duplicates, not as orphans
                self.reach(tracker, extra_ticket)
                self.claimed.setdefault((tracker, extra_ticket.ref.key), key)
        if marked:
            return marked[0], True
        link = self.links.get(key)
        if not (link and link.ref and link.tracker == tracker):
            return None, False
        ticket = self.index.by_ref.get((tracker, link.ref.key))
        if ticket is not None and link.status in ("managed", "linked"):
            return ticket, True
        if link.status == "linked":
            # The document no longer names the person's ticket; the link stands (no request
            # was made for it), and no ticket is created in its place.
            self.matches.append(
                Match(item_key=key, tracker=tracker, source=desired.item.source, ref=link.ref)
            )
            return None, True
        if link.status == "managed":
            if self.recreating(key, link.ref):
                return None, False
            self.finding(
                desired,
                "missing_ticket",
                f"{link.ref.key}, this item's ticket, is gone from {tracker} (deleted?); "
                f"`syncer sync --recreate {link.ref.key}` makes it again, else remove the item "
                "(state records the ticket)",
                None,
            )
            return None, True
        return None, False

    def settle(self, settled: Iterable[Settled]) -> None:
        """Take quiet documents' items as they stood: present, their tickets claimed, their
        ``Match`` kept (``syncer.core.settled``)."""
        for item in settled:
            match = item.match
            self.settled.append(item)
            self.present.add(match.item_key)
            self.matches.append(match)
            self.settled_tickets.add((match.tracker, match.ref.key))
            if match.fields is not None:
                self.claimed[(match.tracker, match.ref.key)] = match.item_key

    def reach(self, tracker: str, ticket: Ticket | None) -> None:
        """A planned item reaches ``ticket``: if a settled item holds it, who keeps it could
        depend on both, so the plan is made again with every item (``SettledConflictError``)."""
        if ticket is not None and (tracker, ticket.ref.key) in self.settled_tickets:
            raise SettledConflictError(f"{ticket.ref.key} is reached by a changed item")

    def adopt(self, unmatched: list[Desired]) -> list[Desired]:
        """Items without a ticket for which the default installation holds one, that state
        does not link to this installation: a second installation syncing the same document,
        or ``instance`` added with state lost. Each gets its own ticket, saying so."""
        for desired in unmatched:
            key = desired.item.key
            found = self.adoptable.by_marker.get((desired.tracker, key), [])
            if not found:
                continue
            self.finding(
                desired,
                "duplicate",
                f"{found[0].ref.key} carries this item under the default installation's marker; "
                "this installation (its own `instance`) makes its own ticket. If `instance` was "
                "just added, restore the state file before syncing: its tickets are then adopted",
                found[0],
            )
        return unmatched

    def recreating(self, key: ItemKey, ref: TicketRef) -> bool:
        """Whether the operator asked for this item's deleted ticket to be made again."""
        if key in self.recreate or ref.key in self.recreate:
            self.remade.add(key)
            return True
        return False

    def deleted(self, unmatched: list[Desired]) -> list[Desired]:
        """Items whose ticket was deleted in the tracker although their key changed since
        (their document renamed, the item moved or reworded): state records a ticket syncer made
        for a vanished item of a like title, and the tracker no longer has it. Reported, never
        made again silently; returns the items left to create."""
        present = self.present
        gone = []
        for link in self.links.values():
            if link.status != "managed" or link.ref is None or link.fields is None:
                continue
            if link.item_key in present or link.tracker not in self.index.managed:
                continue
            if (link.tracker, link.ref.key) in self.index.by_ref:
                continue  # it exists: another item holds it, or it is an orphan
            gone.append(link)
        left = []
        taken: set[ItemKey] = set()
        for desired in unmatched:
            incident = _incident_part(desired.item.key)
            best: tuple[float, str, Link] | None = None
            for link in gone:
                assert link.fields is not None
                if link.item_key in taken:
                    continue
                same = _incident_part(link.item_key) == incident
                ratio = title_likeness(desired.item.title, link.fields.title)
                if ratio < (REWORD_SIMILARITY if same else MOVE_SIMILARITY):
                    continue
                if best is None or (-ratio, link.item_key) < (-best[0], best[1]):
                    best = (ratio, link.item_key, link)
            if best is None:
                left.append(desired)
                continue
            link = best[2]
            assert link.ref is not None
            assert link.fields is not None
            taken.add(link.item_key)
            if self.recreating(desired.item.key, link.ref):
                left.append(desired)
                continue
            self.finding(
                desired,
                "missing_ticket",
                f"{link.ref.key}, this item's ticket, is gone from {link.tracker} (deleted?); "
                f"`syncer sync --recreate {link.ref.key}` makes it again, else remove the item "
                f"(state records the ticket of {link.fields.title!r} in {link.source})",
                None,
                gone=(link.tracker, link.ref),
            )
        return left

    def own_ticket(self, tracker: str, key: ItemKey) -> Ticket | None:
        """The ticket syncer made for item ``key``: by its marker, else as state remembers it."""
        marked = self.index.by_marker.get((tracker, key), [])
        if marked:
            return marked[0]
        link = self.links.get(key)
        if link and link.status == "managed" and link.ref and link.tracker == tracker:
            return self.index.by_ref.get((tracker, link.ref.key))
        return None

    def keep_in_step(
        self,
        desired: Desired,
        ticket: Ticket,
        *,
        owned: bool,
        reworded: bool = False,
        moved_from: str | None = None,
        adopted: bool = False,
    ) -> None:
        key, tracker, source = desired.item.key, desired.tracker, desired.item.source
        adopted = adopted or (tracker, ticket.ref.key) in self.adopting
        if not owned:
            # A person's ticket, or another item's: linked and remembered, never edited. A
            # person's ticket may track several items (a group's tracking issue); another
            # item's ticket named twice over is a mistake worth reporting.
            if ticket.item_key is not None and not self.claim(desired, ticket, self.named):
                return
            if status := self.tracker_status(desired, ticket, None):
                self.write_back(desired, ticket, status=status, own=False)
            link = self.links.get(key)
            if link and link.status == "linked" and same_ticket(link.ref, ticket.ref):
                self.matches.append(
                    Match(item_key=key, tracker=tracker, source=source, ref=ticket.ref)
                )
            else:
                self.changes.append(
                    LinkChange(
                        tracker=tracker,
                        item_key=key,
                        source=source,
                        ref=ticket.ref,
                        reason=f"{ticket.ref.key} is named in the document; linking, not editing",
                    )
                )
            return
        if not self.claim(desired, ticket, self.claimed):
            return
        baseline = self.baseline(key, ticket)
        overwrite = self.policy.trackers[tracker].overwrite
        wanted = desired.fields
        held = self.conflict(desired, ticket, baseline)
        if held:
            # Only the status is held: the baseline keeps its status (so the conflict stands
            # until the two sides agree) and every other field keeps following the document.
            assert baseline is not None
            wanted = wanted.model_copy(update={"done": baseline.done, "wont_do": baseline.wont_do})
        elif not self.policy.write_back.status_to_tracker:
            wanted = wanted.model_copy(
                update={"done": ticket.done, "wont_do": ticket.resolution == "wont_do"}
            )
        changed, fields = compare_fields(wanted, ticket, baseline=baseline, overwrite=overwrite)
        if held or not self.policy.write_back.status_to_tracker:
            # Status travels from the tracker only (or not at all while in conflict): whatever
            # the baseline says, never a close or reopen (a ticket a person closed is not "no
            # longer marked done").
            changed = [name for name in changed if name != OwnedField.DONE]
        if adopted:
            # The labels and body carry the marker: written, they carry this installation's.
            written = {*changed, OwnedField.LABELS, OwnedField.BODY}
            every = (*_COMPARED, OwnedField.LABELS, OwnedField.DONE)
            changed = [name for name in every if name in written]
        status = "" if "done" in changed else self.tracker_status(desired, ticket, baseline)
        self.write_back(desired, ticket, status=status or None)
        if not changed:
            self.matches.append(
                Match(
                    item_key=key,
                    tracker=tracker,
                    source=source,
                    ref=ticket.ref,
                    fields=wanted if held else desired.fields,
                )
            )
            return
        # One change per ticket, so that state records it only once all of it was written.
        write: type[WriteChange] = UpdateChange
        if "done" in changed:
            write = CloseChange if desired.fields.done else ReopenChange
        reason = _describe(changed, done=desired.fields.done, known=baseline is not None)
        owed = (
            "done" in changed
            and baseline is not None
            and baseline.unsaid
            and baseline.done == desired.fields.done == ticket.done
        )
        if owed:
            verb = "closed" if desired.fields.done else "reopened"
            reason = f"{verb} by an earlier run whose comment saying why was not written"
        if adopted:
            reason = (
                "adopted: the ticket carries the default installation's marker (`instance` "
                "was set since); its marker becomes this installation's"
            )
        old = baseline.title if baseline is not None else ticket.title
        said: tuple[str, str] | None = None  # (why, the comment saying it on the ticket)
        if moved_from is not None and moved_from != source:
            said = (
                f"moved from {moved_from} to {source}",
                f"syncer: this action item moved from the post-mortem `{moved_from}` "
                f"to `{source}`; this ticket follows it.",
            )
            reason = f"moved from {moved_from}; {reason}"
        elif reworded and "title" in changed:
            said = (
                f"reworded: {old!r} -> {desired.fields.title!r}",
                f"syncer: this action item was reworded in the post-mortem "
                f'`{source}`, from "{old}" to "{desired.fields.title}"; this ticket follows it.',
            )
            reason = f"{said[0]}; {reason}"
        if said is not None:
            why, text = said
            self.changes.append(
                CommentChange(
                    tracker=tracker,
                    item_key=key,
                    source=source,
                    ref=ticket.ref,
                    text=text,
                    reason=why,
                )
            )
        change = write(
            tracker=tracker,
            item_key=key,
            source=source,
            ref=ticket.ref,
            fields=fields,
            before=tuple((name, _shown(getattr(ticket, name, None))) for name in changed),
            changed=tuple(changed),
            reason=reason,
        )
        if owed:
            change = change.model_copy(update={"comment_owed": True})
        self.changes.append(change)

    def _title_likeness(self, title: str, ticket: Ticket) -> float:
        """How close an item's title is to a ticket's, now or as syncer last wrote it."""
        titles = {ticket.title}
        assert ticket.item_key is not None
        if (written := self.baseline(ticket.item_key, ticket)) is not None:
            titles.add(written.title)
        return max(title_likeness(title, other) for other in titles)

    def match_reworded(self, unmatched: list[Desired]) -> list[Desired]:
        """Pair reworded or moved items with unclaimed tickets; return the items left unpaired.

        Within the item's incident a close title is enough (``REWORD_SIMILARITY``); a ticket
        written for another incident (the item was cut from one post-mortem and pasted into
        another, or its post-mortem was renamed) needs a nearly equal one (``MOVE_SIMILARITY``).
        A ticket whose item is still in its document is claimed by then and never moves.
        """
        present = {_incident_part(key) for key in self.present}
        pairs = []
        for desired in unmatched:
            incident = _incident_part(desired.item.key)
            for ticket in self.index.managed.get(desired.tracker, []):
                assert ticket.item_key is not None
                if (desired.tracker, ticket.ref.key) in self.claimed:
                    continue
                ticket_incident = _incident_part(ticket.item_key)
                needed = REWORD_SIMILARITY if ticket_incident == incident else MOVE_SIMILARITY
                ratio = self._title_likeness(desired.item.title, ticket)
                if ratio >= needed:
                    pairs.append((-ratio, desired.item.key, ticket.ref.key, desired, ticket))
        pairs += self._unmarked_pairs(unmatched)
        paired: set[ItemKey] = set()
        for _, key, _, desired, ticket in sorted(pairs, key=lambda p: p[:3]):
            if key in paired or (desired.tracker, ticket.ref.key) in self.claimed:
                continue
            paired.add(key)
            moved_from = None
            old = _incident_part(ticket.item_key or key)
            if old in present and old != _incident_part(key):
                # Its old post-mortem is still there: cut from it and pasted into this one.
                moved_from = self._source_of(ticket.item_key or key)
            self.keep_in_step(desired, ticket, owned=True, reworded=True, moved_from=moved_from)
        return [d for d in unmatched if d.item.key not in paired]

    def _source_of(self, key: ItemKey) -> str:
        """The document item ``key`` was last seen in: as state has it, else by its incident."""
        link = self.links.get(key)
        if link is not None:
            return link.source
        incident = _incident_part(key)
        found = {d.item.source for d in self.desired if _incident_part(d.item.key) == incident}
        found |= {
            s.match.source for s in self.settled if _incident_part(s.match.item_key) == incident
        }
        return min(found) if len(found) == 1 else f"incident {incident}"

    def _unmarked_pairs(
        self, unmatched: list[Desired]
    ) -> list[tuple[float, ItemKey, str, Desired, Ticket]]:
        """Syncer's tickets whose marker a person deleted, known without state: listed by the
        managed label, named by no document, and titled exactly as the item is."""
        named = {(d.tracker, r.key) for d in self.desired for r in d.refs}
        named |= {(s.match.tracker, r.key) for s in self.settled for r in s.named}
        pairs = []
        for desired in unmatched:
            title = normalise_title(desired.item.title)
            for ticket in self.index.unmarked.get(desired.tracker, []):
                slot = (desired.tracker, ticket.ref.key)
                if slot in named or slot in self.claimed:
                    continue
                if normalise_title(ticket.title) == title:
                    pairs.append((-1.0, desired.item.key, ticket.ref.key, desired, ticket))
        return pairs

    def create(self, unmatched: list[Desired]) -> None:
        made: dict[str, int] = defaultdict(int)
        # A configured tracker that could not be read this run, holding tickets syncer made:
        # an item cut from a post-mortem routed there and pasted into one routed elsewhere
        # would get a second ticket, its first one unseen. Creates wait for a run that reads it.
        # Known by state, or (state lost) by syncer's tickets in the trackers that were read.
        unread = sorted(set(self.policy.trackers) - set(self.index.managed))
        linked = {link.tracker for link in self.links.values() if link.status == "managed"}
        if not (linked & set(unread) or any(self.index.managed.values())):
            unread = []  # a first run: nothing can have moved yet
        for desired in unmatched:
            tracker = desired.tracker
            if unread:
                self.finding(
                    desired,
                    "deferred",
                    f"create deferred to a later run: {', '.join(unread)} could not be read, "
                    "and this item's ticket may be there (an item moved or rerouted)",
                    None,
                )
                continue
            cap = self.policy.trackers[tracker].create_cap
            if made[tracker] >= cap:
                self.finding(
                    desired,
                    "deferred",
                    f"create deferred to a later run: {tracker} allows {cap} creates per run",
                    None,
                )
                continue
            made[tracker] += 1
            self.write_back(desired, None)
            link = self.links.get(desired.item.key)
            reason = "new action item"
            if link and link.status == "pending":
                reason = (
                    "a create sent by an earlier run was never confirmed: look it up, then create"
                )
            elif desired.item.key in self.remade:
                reason = "its ticket was deleted in the tracker; made again (--recreate)"
            elif not self.links and self.index.managed.get(tracker):
                # State is empty yet the tracker holds syncer's tickets: state was lost, and
                # with it the record of any ticket of this item a person since deleted.
                reason = (
                    "new action item, as far as can be told: state holds no record and the "
                    "document names no ticket (a ticket of it deleted in the tracker would not "
                    "be known)"
                )
            self.changes.append(
                CreateChange(
                    tracker=tracker,
                    item_key=desired.item.key,
                    source=desired.item.source,
                    fields=desired.fields,
                    reason=reason,
                )
            )

    def orphans(self, failed_sources: Collection[str]) -> None:
        for tracker, managed in self.index.managed.items():
            for ticket in managed:
                slot = (tracker, ticket.ref.key)
                if slot in self.claimed or slot in self.named:
                    # An item that names the ticket links it: it belongs to that item.
                    continue
                assert ticket.item_key is not None
                link = self.links.get(ticket.item_key)
                if link and link.source in failed_sources:
                    continue
                self.findings.append(
                    Finding(
                        kind="orphaned",
                        message=f"{ticket.ref.key} belongs to no action item any more "
                        "(removed from its document?); left as it is",
                        item_key=ticket.item_key,
                        source=link.source if link else None,
                        tracker=tracker,
                        ref=ticket.ref,
                    )
                )


class SettledConflictError(Exception):
    """A planned item reaches a ticket a settled item holds: plan every item instead."""


def where_tickets_live(
    tickets: Mapping[str, Sequence[Ticket]],
    links: Mapping[ItemKey, Link],
    *,
    trackers: Collection[str],
) -> dict[ItemKey, str]:
    """Item key -> the tracker already holding its ticket (by marker, else by state).

    ``desire_items`` takes this as ``placed``: an item whose ticket exists stays with that
    tracker, whatever the routing says now.
    """
    placed: dict[ItemKey, str] = {}
    for name, found in tickets.items():
        for ticket in found:
            if ticket.item_key is not None:
                placed.setdefault(ticket.item_key, name)
    for key, link in links.items():
        if link.status in ("managed", "linked") and link.tracker in trackers:
            placed.setdefault(key, link.tracker)
    return placed


def tickets_to_fetch(
    desired: Iterable[Desired],
    tickets: Mapping[str, Sequence[Ticket]],
    links: Mapping[ItemKey, Link],
) -> dict[str, list[TicketRef]]:
    """Per readable tracker, the tickets documents name that its listing did not include.

    A person's ticket linked before is not read again: syncer never edits it.
    """
    wanted: dict[str, list[TicketRef]] = {}
    for name, found in tickets.items():
        listed = {t.ref.key for t in found}
        named = set()
        for d in desired:
            if d.tracker != name or not d.refs:
                continue
            link = links.get(d.item.key)
            if link and link.status == "linked" and same_ticket(link.ref, d.refs[0]):
                continue
            named.add(d.refs[0])
        missing = sorted((ref for ref in named if ref.key not in listed), key=lambda r: r.key)
        if missing:
            wanted[name] = missing
    return wanted


def plan_changes(
    desired: Iterable[Desired],
    *,
    tickets: Mapping[str, Sequence[Ticket]],
    links: Mapping[ItemKey, Link],
    policy: SyncPolicy,
    failed_sources: Collection[str] = (),
    findings: Sequence[Finding] = (),
    content_hashes: Mapping[str, str] | None = None,
    recreate: Collection[str] = (),
    adoptable: Mapping[str, Sequence[Ticket]] | None = None,
    settled: Sequence[Settled] = (),
) -> Plan:
    """What a sync must do so every desired item has exactly one ticket in step with it.

    ``desired`` fields must already be rendered by their tracker; ``tickets`` holds, per tracker,
    every managed ticket plus the tickets documents name (``tickets_to_fetch``). Items of
    trackers missing from ``tickets`` are not planned (their tracker could not be read).
    ``findings`` (from ``desire_items``) come first in the plan's findings.
    ``content_hashes`` (source -> hash of the bytes parsed) goes with each document edit, so
    that a file changed since is not written (``policy.write_back``). ``recreate`` names items
    (item key, or the key of their deleted ticket) whose ticket, deleted in the tracker, is made
    again; any other deleted ticket is a finding, never re-created. ``adoptable`` holds, per
    tracker, the tickets carrying the default installation's marker when this installation has
    another ``instance``: an item with no ticket of its own adopts the one carrying its key (the
    write replaces the old marker with this installation's), rather than getting another.
    ``settled``: the items of quiet documents, not desired again, whose ``Match`` stands
    (``syncer.core.settled``); raises ``SettledConflictError`` when a desired item reaches one of
    their tickets (the caller plans again with every item).
    """
    planner = _Planner(
        tickets=tickets, links=links, policy=policy, recreate=recreate, adoptable=adoptable
    )
    seen: dict[ItemKey, Desired] = {}
    for item in sorted(desired, key=lambda d: (d.item.key, d.item.source, d.item.line)):
        if item.tracker not in tickets:
            continue
        if (first := seen.setdefault(item.item.key, item)) is not item:
            planner.finding(
                item,
                "duplicate",
                f"same item key as {first.item.source}:{first.item.line} "
                "(two documents with one incident id?); skipped",
                None,
            )
            continue
        planner.desired.append(item)
    places = neighbours_of(planner.desired)
    planner.desired = [
        d.model_copy(
            update={"fields": d.fields.model_copy(update={"neighbours": places[d.item.key]})}
        )
        for d in planner.desired
    ]
    planner.present = {d.item.key for d in planner.desired}
    planner.settle(settled)
    found = [(item, *planner.identify(item)) for item in planner.desired]
    for item, ticket, _ in found:
        planner.reach(item.tracker, ticket)
    # Owners first, so that an item naming another item's ticket can never take it over.
    found.sort(key=lambda f: f[1] is None or not planner.ours(f[0].item.key, f[1]))
    unmatched = []
    for item, ticket, decided in found:
        if ticket is not None:
            planner.keep_in_step(
                item,
                ticket,
                owned=planner.ours(item.item.key, ticket),
                reworded=planner.follows_link(item.item.key, ticket),
            )
        elif not decided:
            unmatched.append(item)
    planner.create(planner.deleted(planner.match_reworded(planner.adopt(unmatched))))
    planner.orphans(failed_sources)
    order = {
        ChangeKind.LINK: 0,
        ChangeKind.CREATE: 1,
        ChangeKind.UPDATE: 2,
        ChangeKind.CLOSE: 3,
        ChangeKind.REOPEN: 3,
        ChangeKind.COMMENT: 4,
    }
    # Within a kind, document order (source, then line): tickets are created as items are
    # written, so a tracker lists them as the post-mortem does.
    lines = {d.item.key: d.item.line for d in planner.desired}
    return Plan(
        changes=tuple(
            sorted(
                planner.changes,
                key=lambda c: (
                    c.tracker,
                    order[c.kind],
                    c.source,
                    lines.get(c.item_key, 0),
                    c.item_key,
                ),
            )
        ),
        matches=tuple(sorted(planner.matches, key=lambda m: m.item_key)),
        findings=tuple(findings)
        + tuple(
            sorted(planner.findings, key=lambda f: (f.kind, f.tracker or "", f.item_key or ""))
        ),
        edits=tuple(
            DocumentEdit(
                source=source,
                content_hash=(content_hashes or {}).get(source, ""),
                edits=tuple(sorted(edits, key=lambda e: (e.line, e.item_key))),
            )
            for source, edits in sorted(planner.edits.items())
        ),
    )


def moves_to_try(plan: Plan) -> dict[ItemKey, str]:
    """Item key -> another tracker holding orphans, for each item the plan would create."""
    orphans = sorted({f.tracker for f in plan.findings if f.kind == "orphaned" and f.tracker})
    moves = {}
    for change in plan.changes:
        if isinstance(change, CreateChange):
            others = [name for name in orphans if name != change.tracker]
            if others:
                moves[change.item_key] = others[0]
    return moves


def found_there(plan: Plan, key: ItemKey, tracker: str) -> bool:
    """Whether ``plan`` keeps item ``key`` with an existing ticket of ``tracker``."""
    changed = any(
        c.item_key == key and c.tracker == tracker and not isinstance(c, CreateChange)
        for c in plan.changes
    )
    return changed or any(m.item_key == key and m.tracker == tracker for m in plan.matches)
