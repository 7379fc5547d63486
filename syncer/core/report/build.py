"""``build_report``: the follow-up report as a pure function of values.

In: parsed documents, the tickets each tracker listed (or why it could not be read), state's
links, the run history, the planner's findings, the policy and ``now``. Out: a ``Report``. It
reads no clock, file, environment or tracker; the shell gathers the inputs and renders the
result. With no tracker at all it still reports from the documents alone.

Dates in documents are local dates in the policy's time zone; ticket times are UTC. "Today" is
``now`` as a local date, and a ticket closed at 23:30 UTC on the 1st counts as closed on the
2nd in Berlin.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import yaml

from syncer.core.report.metrics import (
    age_buckets,
    median,
    percentile_90,
    rate,
    weekly_trend,
)
from syncer.core.report.model import (
    Count,
    DocumentFinding,
    DriftEntry,
    DriftKind,
    DueSoonEntry,
    FullListing,
    HistoryPoint,
    ItemRow,
    LoopEntry,
    Metrics,
    OverdueEntry,
    OwnerLoad,
    PolicySummary,
    PossibleEntry,
    RecurrenceEntry,
    RecurrenceVia,
    Report,
    StaleEntry,
    TeamSeverityCount,
    TicketState,
    TrackerRead,
    Unavailable,
    UnfinishedEntry,
    UnmappedOwner,
    UnownedEntry,
    UntrackedEntry,
    UntrackedReason,
)
from syncer.core.report.policy import WEEKS, ReportPolicy, deadline_for
from syncer.model import (
    ActionItem,
    Document,
    Finding,
    Incident,
    ItemKey,
    Link,
    Placement,
    Ticket,
    TicketRef,
    slugify,
)

NO_TEAM = "(no team)"

TEMPLATE_WARNING = "example action items of the post-mortem template"
"""The parser's warning for a document holding only the template's untouched example items."""

PLACEHOLDERS: tuple[str, ...] = (
    "[Names]",
    "[Draft/Review/Published]",
    "[SEV1/SEV2]",
    "Brief description of what happened.",
    "[Time UTC]",
)
"""The team template's placeholders outside its action items (examples/postmortem-template.md)."""

_RELATED_LINE = re.compile(
    r"^[\s>*_-]*(?:\*\*|__)?related(?:\s+(?:incidents?|post-?mortems?))?\s*(?:\*\*|__)?\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_TeamOf = Callable[[Document], str]

_ID_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]|[a-z0-9]")


@dataclass(frozen=True)
class _Item:
    """Everything the sections need about one item, computed once."""

    item: ActionItem
    document: Document
    row: ItemRow
    ticket: Ticket | None
    closed: bool
    wont_do: bool
    done: bool
    close_date: dt.date | None
    start: dt.date | None

    @property
    def open(self) -> bool:
        return not self.done and not self.wont_do


@dataclass(frozen=True)
class _Resolved:
    """Which ticket an item has, as far as the inputs tell."""

    tracker: str | None
    ticket: Ticket | None
    ref: TicketRef | None
    state: TicketState
    moved_from: str | None = None


class _Tickets:
    """The tickets every tracker listed, looked up by key and by syncer's marker."""

    def __init__(self, reads: Mapping[str, TrackerRead]) -> None:
        self.unavailable = {n: r.unavailable for n, r in reads.items() if r.unavailable}
        self.by_key: dict[str, dict[str, Ticket]] = {}
        self.anywhere: dict[str, tuple[str, Ticket]] = {}
        self.by_marker: dict[ItemKey, tuple[str, Ticket]] = {}
        self.unreadable: dict[str, dict[str, str]] = {}
        self.configured = bool(reads)
        for name, read in reads.items():
            keyed = self.by_key.setdefault(name, {})
            self.unreadable[name] = dict(read.unreadable)
            for ticket in read.tickets:
                keyed[ticket.ref.key] = ticket
                self.anywhere.setdefault(ticket.ref.key, (name, ticket))
                if ticket.item_key:
                    self.by_marker.setdefault(ticket.item_key, (name, ticket))


def build_report(
    *,
    documents: Iterable[Document],
    tickets: Mapping[str, TrackerRead],
    links: Mapping[ItemKey, Link],
    history: Sequence[HistoryPoint],
    policy: ReportPolicy,
    now: dt.datetime,
    teams: Collection[str] | None = None,
    findings: Iterable[Finding] = (),
    placements: Mapping[ItemKey, Placement] | None = None,
    routes: Mapping[str, str | None] | None = None,
    owners: Mapping[str, Mapping[str, str]] | None = None,
    texts: Mapping[str, str] | None = None,
    document_base_url: str | None = None,
) -> Report:
    """Compute the follow-up report.

    ``tickets``: tracker name -> what it listed (empty mapping: no tracker configured).
    ``placements``: item key -> the ticket the planner keeps it with (``Plan.placements``):
    the one identity rule sync and report share. Without them (no tracker, or documents
    alone) an item's ticket is the one state links, else one naming it, else one it names.
    ``routes``: document source -> the tracker its items go to (``None``: no route matches).
    A document's team is the one it names; a tracker's name is never a team. ``owners``:
    tracker -> document owner (case-folded, no ``@``) -> account, to tell an assignee that
    differs from the document.
    ``texts``: document source -> raw text, for template placeholders and "related" lines the
    parsed document does not keep. ``teams`` keeps only those teams (case ignored).
    ``document_base_url``: ``[sources] base_url``; with it every row links to its document.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = policy.local_date(now)
    routes = routes or {}
    texts = texts or {}
    wanted = {t.casefold() for t in teams} if teams else None
    all_documents = list(documents)

    def team_of(document: Document) -> str:
        return (document.incident.team or "").strip() or NO_TEAM

    scoped = [d for d in all_documents if wanted is None or team_of(d).casefold() in wanted]
    index = _Tickets(tickets)
    by_kind: dict[str, dict[ItemKey, Finding]] = defaultdict(dict)
    finding_list = list(findings)
    for finding in finding_list:
        if finding.item_key:
            by_kind[finding.kind].setdefault(finding.item_key, finding)
    unroutable_sources = {f.source for f in finding_list if f.kind == "unroutable" and f.source}

    untracked: list[UntrackedEntry] = []
    unowned: list[UnownedEntry] = []
    overdue: list[OverdueEntry] = []
    stale: list[StaleEntry] = []
    drift: list[DriftEntry] = []
    due_soon: list[DueSoonEntry] = []
    unmapped: dict[tuple[str, str], list[ItemKey]] = defaultdict(list)
    unknown_by_tracker: dict[str, int] = defaultdict(int)
    items: list[_Item] = []
    overdue_keys: set[ItemKey] = set()

    for document in scoped:
        team = team_of(document)
        for item in document.items:
            link = links.get(item.key)
            found = _resolve_ticket(
                item,
                link,
                index=index,
                placed=(placements or {}).get(item.key),
                route=routes.get(document.source),
            )
            gone = by_kind["missing_ticket"].get(item.key)
            if found.state == "none" and gone is not None and gone.ref is not None:
                # A reworded (or moved) item whose ticket, known by its old key, was deleted.
                found = _Resolved(gone.tracker, None, gone.ref, "missing", None)
            tracker, ticket, state = found.tracker, found.ticket, found.state
            entry = _item(
                item,
                document,
                team=team,
                link=link,
                found=found,
                policy=policy,
                today=today,
                base_url=document_base_url,
            )
            expected = _expected_assignee(item, found.tracker, link, owners)
            if (
                expected is not None
                and entry.row.assignee is not None
                and expected.casefold() == entry.row.assignee.casefold()
            ):
                entry = replace(entry, row=entry.row.model_copy(update={"assignee_is_owner": True}))
            items.append(entry)
            row = entry.row
            if state == "unknown" and tracker:
                unknown_by_tracker[tracker] += 1
            if state == "none" and not entry.done:
                reason, detail = _untracked_reason(
                    item,
                    document,
                    link=link,
                    tracker=tracker,
                    index=index,
                    by_kind=by_kind,
                    routes=routes,
                    unroutable_sources=unroutable_sources,
                )
                if reason == "tracker_unavailable" and tracker:
                    unknown_by_tracker[tracker] += 1
                untracked.append(UntrackedEntry(row=row, reason=reason, detail=detail))
            if entry.open:
                owner_finding = by_kind["unknown_owner"].get(item.key)
                if item.owner is None and (ticket is None or ticket.assignee is None):
                    unowned.append(
                        UnownedEntry(
                            row=row,
                            reason="no_owner",
                            detail="no owner in the document"
                            + ("" if ticket is None else " and no assignee on the ticket"),
                        )
                    )
                elif (
                    item.owner is not None
                    and tracker is not None
                    and (owner_finding is not None or _unknown_owner(item.owner, tracker, owners))
                ):
                    unmapped[(tracker, _shown_owner(item.owner))].append(item.key)
                if row.deadline is not None and today <= row.deadline:
                    days_left = (row.deadline - today).days
                    if days_left <= policy.due_soon_days:
                        due_soon.append(
                            DueSoonEntry(
                                row=row,
                                deadline=row.deadline,
                                deadline_source=row.deadline_source or "",
                                days_left=days_left,
                            )
                        )
                if row.deadline is not None and row.deadline < today:
                    overdue_keys.add(item.key)
                    overdue.append(
                        OverdueEntry(
                            row=row,
                            deadline=row.deadline,
                            deadline_source=row.deadline_source or "",
                            days_late=(today - row.deadline).days,
                        )
                    )
            if ticket is not None and not entry.closed and ticket.updated is not None:
                in_progress = ticket.status_category == "in_progress"
                threshold = (
                    policy.in_progress_stale_days if in_progress else policy.stale_after_days
                )
                idle = (now - _aware(ticket.updated)).days
                if idle >= threshold:
                    stale.append(
                        StaleEntry(
                            row=row,
                            last_update=_aware(ticket.updated),
                            idle_days=idle,
                            in_progress=in_progress,
                            threshold_days=threshold,
                        )
                    )
            drift.extend(
                _drift(
                    entry,
                    team,
                    link=link,
                    found=found,
                    index=index,
                    owners=owners,
                    conflict=by_kind["conflict"].get(item.key),
                )
            )

    drift.extend(
        _finding_drift(finding_list, all_documents, team_of=team_of, routes=routes, wanted=wanted)
    )
    unfinished = _unfinished(scoped, team_of, texts, policy, today)
    recurrence = _recurrence(scoped, items, team_of, texts)
    loops = _loops(scoped, items, team_of, overdue_keys)
    metrics = _metrics(items, overdue, history, policy, now=now, today=today)

    due_soon.sort(key=lambda e: (e.row.team, e.days_left, e.row.incident_id, e.row.line))
    owner_loads = _owner_loads(items, overdue, due_soon, owners=owners)
    document_findings = _document_findings(items, by_kind)
    possible = _possible(scoped, team_of)
    untracked.sort(key=lambda e: _row_order(e.row))
    unowned.sort(key=lambda e: _row_order(e.row))
    overdue.sort(key=lambda e: (e.row.team, -e.days_late, e.row.incident_id, e.row.line))
    stale.sort(key=lambda e: (e.row.team, -e.idle_days, e.row.incident_id, e.row.line))
    drift.sort(key=lambda e: (e.team, e.incident_id, e.source or "", e.line or 0, e.kind))

    highest, other = WEEKS[policy.day_kind]
    return Report(
        as_of=now,
        today=today,
        teams=tuple(sorted({team_of(d) for d in scoped})),
        team_filter=tuple(sorted(teams)) if teams else (),
        policy=PolicySummary(
            day_kind=policy.day_kind,
            deadline_days=tuple(
                Count(label=name, count=days) for name, days in sorted(policy.deadline_days.items())
            ),
            highest_days=highest,
            other_days=other,
            holidays=len(policy.deadlines.holidays),
            timezone=policy.timezone,
            stale_after_days=policy.stale_after_days,
            in_progress_stale_days=policy.in_progress_stale_days,
            draft_max_age_days=policy.draft_max_age_days,
            due_soon_days=policy.due_soon_days,
        ),
        unavailable=tuple(
            Unavailable(tracker=name, reason=reason, items=unknown_by_tracker.get(name, 0))
            for name, reason in sorted(index.unavailable.items())
        ),
        full_listings=tuple(
            FullListing(tracker=name, at=read.last_full)
            for name, read in sorted(tickets.items())
            if read.last_full is not None
        ),
        untracked=tuple(untracked),
        unowned=tuple(unowned),
        unmapped_owners=tuple(
            UnmappedOwner(tracker=tracker, owner=owner, items=len(keys), item_keys=tuple(keys))
            for (tracker, owner), keys in sorted(unmapped.items())
        ),
        overdue=tuple(overdue),
        due_soon=tuple(due_soon),
        owners=owner_loads,
        possible=possible,
        document_findings=document_findings,
        stale=tuple(stale),
        drift=tuple(drift),
        unfinished=tuple(unfinished),
        recurrence=tuple(recurrence),
        loops=tuple(loops),
        metrics=metrics,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _row_order(row: ItemRow) -> tuple[str, str, str, int]:
    return (row.team, row.incident_id, row.source, row.line)


def _norm_owner(owner: str) -> str:
    return owner.strip().lstrip("@").casefold()


def _shown_owner(owner: str) -> str:
    return owner.strip().lstrip("@")


def _unknown_owner(
    owner: str, tracker: str | None, owners: Mapping[str, Mapping[str, str]] | None
) -> bool:
    if owners is None or tracker is None or tracker not in owners:
        return False
    known = {_norm_owner(name) for name in owners[tracker]}
    return _norm_owner(owner) not in known


def _resolve_ticket(
    item: ActionItem,
    link: Link | None,
    *,
    index: _Tickets,
    placed: Placement | None,
    route: str | None,
) -> _Resolved:
    if placed is not None and placed.tracker not in index.unavailable:
        ticket = index.by_key.get(placed.tracker, {}).get(placed.ref.key)
        moved = None
        if link is not None and link.ref is not None and link.ref.key != placed.ref.key:
            moved = link.ref.key if link.status == "managed" else None
        if ticket is not None:
            return _Resolved(placed.tracker, ticket, ticket.ref, "read", moved)
        return _Resolved(placed.tracker, None, placed.ref, "unknown", None)
    if link is not None and link.ref is not None and link.status in ("managed", "linked"):
        tracker = link.tracker
        if tracker in index.unavailable:
            return _Resolved(tracker, None, link.ref, "unknown", None)
        ticket = index.by_key.get(tracker, {}).get(link.ref.key)
        if ticket is not None:
            return _Resolved(tracker, ticket, ticket.ref, "read", None)
        marked = index.by_marker.get(item.key)
        if marked is not None:
            return _Resolved(marked[0], marked[1], marked[1].ref, "read", link.ref.key)
        return _Resolved(tracker, None, link.ref, "missing", None)
    marked = index.by_marker.get(item.key)
    if marked is not None:
        return _Resolved(marked[0], marked[1], marked[1].ref, "read", None)
    for ref in item.tickets:
        found = index.anywhere.get(ref.key)
        if found is not None:
            return _Resolved(found[0], found[1], found[1].ref, "read", None)
    fallback = link.tracker if link is not None else route
    named = [ref for ref in item.tickets if ref.system != "other"]
    if named:
        # A person's ticket named in the document that nobody listed: tracked, state unknown.
        return _Resolved(fallback, None, named[0], "unknown", None)
    return _Resolved(fallback, None, None, "none", None)


def _item(
    item: ActionItem,
    document: Document,
    *,
    team: str,
    link: Link | None,
    found: _Resolved,
    policy: ReportPolicy,
    today: dt.date,
    base_url: str | None = None,
) -> _Item:
    incident = document.incident
    ticket, tracker, ref, state = found.ticket, found.tracker, found.ref, found.state
    closed = False
    wont_do = False
    close_date = None
    if ticket is not None:
        category = ticket.status_category
        closed = category == "done" if category is not None else ticket.done
        wont_do = closed and ticket.resolution == "wont_do"
        created_closed = item.done and _created_closed(ticket)
        if closed and ticket.resolved is not None and not created_closed:
            close_date = policy.local_date(ticket.resolved)
    done = item.done or (closed and not wont_do)
    if item.done and not closed:
        close_date = None  # done in the document only: when is unknown, unless it says
    if item.done and item.done_on is not None:
        close_date = item.done_on  # "done 2026-09-03": the best evidence there is
    # Marked won't do in the document (issue 20): resolved, not done, whatever the ticket says.
    wont_do = (wont_do and not item.done) or item.wont_do
    deadline, deadline_source = _deadline(item, incident, ticket, policy)
    start = incident.date
    if start is None and ticket is not None and ticket.created is not None:
        start = policy.local_date(ticket.created)
    if start is None and link is not None:
        start = policy.local_date(link.first_seen)
    row = ItemRow(
        item_key=item.key,
        title=item.title,
        team=team,
        incident_id=incident.id,
        severity=incident.severity,
        source=item.source,
        line=item.line,
        document_title=incident.title,
        document_url=(f"{base_url.rstrip('/')}/{item.source}" if base_url else None),
        owner=item.owner,
        assignee=ticket.assignee if ticket else None,
        tracker=tracker,
        ticket=ref,
        ticket_state=state,
        ticket_status=(ticket.status or ticket.status_category) if ticket else None,
        done=done,
        deadline=deadline,
        deadline_source=deadline_source,
        age_days=(today - start).days if start is not None else None,
    )
    return _Item(
        item=item,
        document=document,
        row=row,
        ticket=ticket,
        closed=closed,
        wont_do=wont_do,
        done=done,
        close_date=close_date,
        start=start,
    )


def _deadline(
    item: ActionItem, incident: Incident, ticket: Ticket | None, policy: ReportPolicy
) -> tuple[dt.date | None, str | None]:
    """An item's deadline and where it came from, in words a lead reads right: the document's
    own date; the date syncer set on the ticket from the one deadline policy; a date a person
    set on the ticket; else the policy's date for the incident."""
    rule = None
    if incident.date is not None:
        rule = deadline_for(policy, incident.date, incident.severity)
    if item.due is not None:
        return item.due, "the document"
    if ticket is not None and ticket.due is not None:
        written = ticket.written
        if written is not None and written.due == ticket.due and rule is not None:
            return ticket.due, f"set by syncer from {rule[1]}"
        if written is not None and written.due != ticket.due:
            return ticket.due, "changed on the ticket by a person"
        return ticket.due, "the ticket"
    if rule is not None:
        return rule
    return None, None


CREATED_CLOSED = dt.timedelta(minutes=10)
"""A done item's ticket resolved this soon after it was created was created closed (the item
was done before syncer first saw it): its resolution date says when syncer ran, not when the
work was done. A ticket of an item still open in the document was closed by a person."""


def _created_closed(ticket: Ticket) -> bool:
    if ticket.created is None or ticket.resolved is None:
        return False
    return _aware(ticket.resolved) - _aware(ticket.created) <= CREATED_CLOSED


def _untracked_reason(
    item: ActionItem,
    document: Document,
    *,
    link: Link | None,
    tracker: str | None,
    index: _Tickets,
    by_kind: Mapping[str, Mapping[ItemKey, Finding]],
    routes: Mapping[str, str | None],
    unroutable_sources: set[str],
) -> tuple[UntrackedReason, str]:
    elsewhere = by_kind["tracked_elsewhere"].get(item.key)
    if elsewhere is not None or item.tickets:
        refs = ", ".join(ref.key for ref in item.tickets) or "a reference"
        return "tracked_elsewhere", f"names {refs}, which no configured tracker owns"
    deferred = by_kind["deferred"].get(item.key)
    if deferred is not None:
        return "deferred", "deferred by the create cap; created on a later run"
    if tracker is not None and tracker in index.unavailable:
        return "tracker_unavailable", f"{tracker} could not be read: {index.unavailable[tracker]}"
    if link is not None and link.status == "failed":
        return "create_failed", f"the create was refused: {link.last_error or 'no reason kept'}"
    if link is not None and link.status == "pending":
        return "create_pending", "a create was sent and is not confirmed yet"
    if not index.configured:
        return "no_tracker", "no tracker is configured"
    if document.source in unroutable_sources or (
        document.source in routes and routes[document.source] is None
    ):
        return "unroutable", "no route sends this document to a tracker"
    return "never_synced", "never synced" + (f" to {tracker}" if tracker else "")


def _drift(
    entry: _Item,
    team: str,
    *,
    link: Link | None,
    found: _Resolved,
    index: _Tickets,
    owners: Mapping[str, Mapping[str, str]] | None,
    conflict: Finding | None = None,
) -> list[DriftEntry]:
    """``conflict``: the plan's finding that both sides changed the item's status (the plan
    holds it, and its words say what each side has)."""
    item = entry.item
    tracker, ref, state, moved_from = found.tracker, found.ref, found.state, found.moved_from
    kinds: list[tuple[DriftKind, str]] = []
    if state == "missing" and ref is not None:
        reason = index.unreadable.get(tracker or "", {}).get(ref.key)
        if reason is not None:
            kinds.append(("ticket_unreadable", f"{ref.key} could not be read: {reason}"))
        else:
            kinds.append(
                ("ticket_missing", f"{ref.key} is gone from {tracker}: deleted, moved or hidden")
            )
    if moved_from is not None and ref is not None:
        kinds.append(("moved", f"{moved_from} is now {ref.key}"))
    ticket = entry.ticket
    if ticket is not None and ref is not None:
        if conflict is not None:
            kinds.append(("status_conflict", conflict.message))
        elif item.done and not entry.closed:
            kinds.append(("done_in_document_only", f"done in the document, {ref.key} is open"))
        elif entry.wont_do and not item.wont_do:
            kinds.append(
                ("wont_do", f"{ref.key} was closed as won't do; the document still has it open")
            )
        elif entry.closed and not item.done and not item.wont_do:
            kinds.append(("done_in_tracker_only", f"{ref.key} is done; the document has it open"))
        expected = _expected_assignee(item, tracker, link, owners)
        if expected is not None and (ticket.assignee or "").casefold() != expected.casefold():
            actual = _person(ticket.assignee, tracker, owners) if ticket.assignee else "nobody"
            owner = (item.owner or expected).strip().lstrip("@")
            kinds.append(
                ("assignee", f"{ref.key} is assigned to {actual}; the document's owner is {owner}")
            )
        if item.due is not None and ticket.due is not None and item.due != ticket.due:
            kinds.append(
                ("due", f"due {item.due.isoformat()} in the document, {ticket.due} on {ref.key}")
            )
    return [
        DriftEntry(
            kind=kind,
            detail=detail,
            team=team,
            incident_id=entry.document.incident.id,
            source=item.source,
            line=item.line,
            item_key=item.key,
            title=item.title,
            ticket=ref,
        )
        for kind, detail in kinds
    ]


def _person(
    account: str, tracker: str | None, owners: Mapping[str, Mapping[str, str]] | None
) -> str:
    """The owner-map name of ``account`` (a lead reads "carol", not an account id), else it."""
    mapped = owners.get(tracker, {}) if owners is not None and tracker is not None else {}
    names = sorted(name for name, acc in mapped.items() if acc.casefold() == account.casefold())
    return names[0].lstrip("@") if names else account


def _expected_assignee(
    item: ActionItem,
    tracker: str | None,
    link: Link | None,
    owners: Mapping[str, Mapping[str, str]] | None,
) -> str | None:
    """The account the document's owner maps to, else what syncer last wrote on the ticket."""
    if item.owner is None:
        return None
    if owners is not None and tracker is not None and tracker in owners:
        mapped = {_norm_owner(k): v for k, v in owners[tracker].items()}
        return mapped.get(_norm_owner(item.owner))
    if link is not None and link.fields is not None:
        return link.fields.assignee
    return None


def _finding_drift(
    findings: Sequence[Finding],
    all_documents: Sequence[Document],
    *,
    team_of: _TeamOf,
    routes: Mapping[str, str | None],
    wanted: set[str] | None,
) -> list[DriftEntry]:
    """Duplicates and orphans, as the planner found them."""
    by_source = {d.source: d for d in all_documents}
    # Without state an orphan is known only by its ticket's marker: its key's incident part
    # still names the document it came from.
    by_prefix = {slugify(d.incident.id, max_length=64): d for d in all_documents}
    entries: list[DriftEntry] = []
    for finding in findings:
        if finding.kind not in ("duplicate", "orphaned"):
            continue
        document = by_source.get(finding.source or "")
        if document is None and finding.item_key:
            document = by_prefix.get(finding.item_key.split(".", 1)[0])
        if document is not None:
            team, incident_id = team_of(document), document.incident.id
        else:
            team = NO_TEAM  # a tracker's name is not a team
            incident_id = (finding.item_key or "?").split(".", 1)[0]
        if wanted is not None and team.casefold() not in wanted:
            continue
        entries.append(
            DriftEntry(
                kind="duplicate" if finding.kind == "duplicate" else "orphaned",
                detail=finding.message,
                team=team,
                incident_id=incident_id,
                source=finding.source or (document.source if document else None),
                item_key=finding.item_key,
                ticket=finding.ref,
            )
        )
    return entries


def _unfinished(
    scoped: Sequence[Document],
    team_of: _TeamOf,
    texts: Mapping[str, str],
    policy: ReportPolicy,
    today: dt.date,
) -> list[UnfinishedEntry]:
    entries: list[UnfinishedEntry] = []
    for document in scoped:
        incident = document.incident
        found: list[tuple[str, str]] = []
        if document.errors:
            found.append(("unreadable", "; ".join(p.message for p in document.errors)))
        elif not document.has_action_section:
            found.append(("no_action_section", "no action-item section"))
        elif any(TEMPLATE_WARNING in w.message for w in document.warnings) and not document.items:
            found.append(("template_items", "only the template's example action items"))
        elif not document.items:
            found.append(("no_items", "an action-item section with no items"))
        status = (incident.status or "").casefold()
        if "draft" in status and "/" not in status and incident.date is not None:
            age = (today - incident.date).days
            if age > policy.draft_max_age_days:
                found.append(
                    (
                        "draft",
                        f"still {incident.status} {age} days after the incident "
                        f"(limit {policy.draft_max_age_days})",
                    )
                )
        left = _placeholders(document, texts.get(document.source))
        if left:
            found.append(("placeholders", "template placeholders left: " + ", ".join(left)))
        entries.extend(
            UnfinishedEntry(
                team=team_of(document),
                incident_id=incident.id,
                source=document.source,
                kind=kind,  # type: ignore[arg-type]  # the literals above are UnfinishedKind
                detail=detail,
            )
            for kind, detail in found
        )
    entries.sort(key=lambda e: (e.team, e.incident_id, e.source, e.kind))
    return entries


def _placeholders(document: Document, text: str | None) -> list[str]:
    if text is not None:
        return [p for p in PLACEHOLDERS if p in text]
    # Without the text, the metadata the parser kept still shows some of them.
    incident = document.incident
    fields = [incident.status or "", incident.severity or "", incident.title or ""]
    fields.extend(incident.authors)
    return [p for p in PLACEHOLDERS if any(p in field for field in fields)]


def related_ids(text: str) -> set[str]:
    """Case-folded tokens named by front-matter ``related:`` or a "Related incidents:" line."""
    found: set[str] = set()
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            try:
                meta = yaml.safe_load(text[3:end])
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict):
                value = meta.get("related")
                values = value if isinstance(value, list) else [value]
                for entry in values:
                    if isinstance(entry, str | int):
                        found.update(_ID_TOKEN.findall(str(entry).casefold()))
    for match in _RELATED_LINE.finditer(text):
        line_end = text.find("\n", match.end())
        line = text[match.end() : line_end if line_end >= 0 else len(text)]
        found.update(_ID_TOKEN.findall(line.casefold()))
    return found


def _recurrence(
    scoped: Sequence[Document],
    items: Sequence[_Item],
    team_of: _TeamOf,
    texts: Mapping[str, str],
) -> list[RecurrenceEntry]:
    by_incident: dict[str, list[_Item]] = defaultdict(list)
    for entry in items:
        by_incident[entry.document.incident.id].append(entry)
    dated = sorted(
        (d for d in scoped if d.incident.date is not None),
        key=lambda d: (d.incident.date, d.incident.id),
    )
    by_subject: dict[str, list[Document]] = defaultdict(list)
    by_id = {d.incident.id.casefold(): d for d in dated}
    entries = []
    for later in dated:
        later_date = later.incident.date
        assert later_date is not None
        subject = _subject(later)
        named = related_ids(texts[later.source]) if later.source in texts else set()
        candidates: dict[str, tuple[Document, RecurrenceVia, list[_Item]]] = {}
        # Same service (else team): the latest earlier incident whose follow-ups were still
        # open then; older ones are reported against their own successors.
        for previous in reversed(by_subject[subject] if subject is not None else []):
            still_open = _open_at(by_incident.get(previous.incident.id, []), later_date)
            if still_open:
                via: RecurrenceVia = "service"
                candidates[previous.incident.id] = (previous, via, still_open)
                break
        for token in named:
            earlier = by_id.get(token)
            if earlier is None or earlier is later or earlier.incident.id in candidates:
                continue
            earlier_date = earlier.incident.date
            if earlier_date is not None and earlier_date <= later_date:
                still_open = _open_at(by_incident.get(earlier.incident.id, []), later_date)
                if still_open:
                    candidates[earlier.incident.id] = (earlier, "related", still_open)
        for earlier, via, still_open in sorted(candidates.values(), key=lambda c: c[0].incident.id):
            earlier_date = earlier.incident.date
            assert earlier_date is not None
            follow_ups = by_incident.get(earlier.incident.id, [])
            refs = tuple(
                e.row.ticket.key if e.row.ticket is not None else e.item.key for e in still_open
            )
            days = (later_date - earlier_date).days
            shared = (later.incident.service or "").strip()
            if via == "related":
                shared = earlier.incident.id
                head = f"{later.incident.id} recurred {days} days after {earlier.incident.id}"
                head += " (named as related)"
            else:
                head = f"{later.incident.id} recurred on {shared} {days} days after "
                head += f"{earlier.incident.id} (same service)"
            verb = "was" if len(still_open) == 1 else "were"
            noun = "follow-up" if len(follow_ups) == 1 else "follow-ups"
            # A lead reads a title, not an item key, for a follow-up that has no ticket.
            shown = [
                e.row.ticket.key
                if e.row.ticket is not None
                else f'"{_clip(e.item.title)}", no ticket'
                for e in still_open
            ]
            sentence = (
                f"{head}; {len(still_open)} of its {len(follow_ups)} {noun} {verb} still "
                f"open ({', '.join(shown)})"
            )
            entries.append(
                RecurrenceEntry(
                    team=team_of(later),
                    incident_id=later.incident.id,
                    earlier_id=earlier.incident.id,
                    via=via,
                    subject=shared,
                    days_after=days,
                    open_count=len(still_open),
                    total=len(follow_ups),
                    open_refs=refs,
                    sentence=sentence,
                )
            )
        if subject is not None:
            by_subject[subject].append(later)
    entries.sort(key=lambda e: (e.team, e.incident_id, e.earlier_id))
    return entries


def _open_at(follow_ups: Sequence[_Item], day: dt.date) -> list[_Item]:
    """The follow-ups still open on ``day``: open now, or closed on a ticket after that day.

    An item done in the document alone has no known close date; it is not counted.
    """
    return [
        e
        for e in follow_ups
        if (not e.done and not e.wont_do) or (e.close_date is not None and e.close_date > day)
    ]


def _subject(document: Document) -> str | None:
    """What makes two incidents the same problem: the same service. A shared team is not:
    a team has many unrelated incidents."""
    service = (document.incident.service or "").strip()
    return service.casefold() or None


def _loops(
    scoped: Sequence[Document],
    items: Sequence[_Item],
    team_of: _TeamOf,
    overdue_keys: set[ItemKey],
) -> list[LoopEntry]:
    by_source: dict[str, list[_Item]] = defaultdict(list)
    for entry in items:
        by_source[entry.document.source].append(entry)
    loops = []
    for document in scoped:
        own = by_source.get(document.source, [])
        closed = bool(own) and all(e.done for e in own)
        closed_on = None
        if closed and all(e.close_date is not None for e in own):
            closed_on = max(e.close_date for e in own if e.close_date is not None)
        incident_date = document.incident.date
        loops.append(
            LoopEntry(
                team=team_of(document),
                incident_id=document.incident.id,
                source=document.source,
                title=document.incident.title,
                date=incident_date,
                severity=document.incident.severity,
                items=len(own),
                tracked=sum(1 for e in own if e.row.ticket_state != "none"),
                done=sum(1 for e in own if e.done),
                overdue=sum(1 for e in own if e.item.key in overdue_keys),
                unknown=sum(1 for e in own if e.row.ticket_state == "unknown"),
                closed=closed,
                closed_on=closed_on,
                days_to_close=(
                    (closed_on - incident_date).days
                    if closed_on is not None and incident_date is not None
                    else None
                ),
            )
        )
    loops.sort(key=lambda e: (e.team, e.date or dt.date.min, e.incident_id))
    return loops


def _metrics(
    items: Sequence[_Item],
    overdue: Sequence[OverdueEntry],
    history: Sequence[HistoryPoint],
    policy: ReportPolicy,
    *,
    now: dt.datetime,
    today: dt.date,
) -> Metrics:
    done = [e for e in items if e.done]
    open_items = [e for e in items if e.open]
    timed = [e for e in done if e.close_date is not None and e.row.deadline is not None]
    on_time = sum(
        1
        for e in timed
        if e.close_date is not None
        and e.row.deadline is not None
        and e.close_date <= e.row.deadline
    )
    durations = [
        float(max(0, (e.close_date - e.start).days))
        for e in done
        if e.close_date is not None and e.start is not None
    ]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for entry in overdue:
        cells[(entry.row.team, entry.row.severity or "none")] += 1
    current = HistoryPoint(
        at=now,
        open=len(open_items),
        overdue=len(overdue),
    )
    return Metrics(
        items=len(items),
        open=len(open_items),
        done=len(done),
        completion_rate=rate(len(done), len(items)),
        on_time_rate=rate(on_time, len(timed)),
        on_time_basis=len(timed),
        median_days_to_close=median(durations),
        p90_days_to_close=percentile_90(durations),
        close_basis=len(durations),
        close_unknown=sum(1 for e in done if e.close_date is None),
        age_buckets=age_buckets(e.row.age_days for e in open_items),
        overdue_by_team_severity=tuple(
            TeamSeverityCount(team=team, severity=severity, count=count)
            for (team, severity), count in sorted(cells.items())
        ),
        trend=weekly_trend(
            [*history, current],
            today=today,
            local_date=policy.local_date,
            weeks=policy.trend_weeks,
        ),
    )


def _clip(title: str, width: int = 50) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def _owner_loads(
    items: Sequence[_Item],
    overdue: Sequence[OverdueEntry],
    due_soon: Sequence[DueSoonEntry],
    *,
    owners: Mapping[str, Mapping[str, str]] | None,
) -> tuple[OwnerLoad, ...]:
    """Each person's open items, most urgent first: one line per person for a stand-up."""
    late = {e.row.item_key for e in overdue}
    soon = {e.row.item_key for e in due_soon}
    plates: dict[str, list[_Item]] = defaultdict(list)
    names: dict[str, str] = {}
    for entry in items:
        if not entry.open:
            continue
        row = entry.row
        if row.owner:
            name = _shown_owner(row.owner)
        elif row.assignee:
            name = _person(row.assignee, row.tracker, owners)
        else:
            continue  # listed under Unowned
        plates[name.casefold()].append(entry)
        names.setdefault(name.casefold(), name)
    loads = []
    for folded, entries in plates.items():
        entries.sort(key=lambda e: (e.row.deadline or dt.date.max, e.row.incident_id, e.row.line))
        deadlines = [e.row.deadline for e in entries if e.row.deadline is not None]
        loads.append(
            OwnerLoad(
                owner=names[folded],
                open=len(entries),
                overdue=sum(1 for e in entries if e.item.key in late),
                due_soon=sum(1 for e in entries if e.item.key in soon),
                next_due=min(deadlines) if deadlines else None,
                # A lead reads a title, not an item key, for an item that has no ticket.
                items=tuple(
                    e.row.ticket.key if e.row.ticket is not None else f'"{_clip(e.item.title, 40)}"'
                    for e in entries
                ),
            )
        )
    loads.sort(key=lambda o: (-o.overdue, -o.due_soon, -o.open, o.owner.casefold()))
    return tuple(loads)


def _possible(scoped: Sequence[Document], team_of: _TeamOf) -> tuple[PossibleEntry, ...]:
    entries = [
        PossibleEntry(
            team=team_of(document),
            incident_id=document.incident.id,
            source=candidate.item.source,
            line=candidate.item.line,
            title=candidate.item.title,
            confidence=candidate.assessment.confidence,
            evidence=candidate.assessment.evidence,
            section=candidate.assessment.section,
        )
        for document in scoped
        for candidate in document.possible
    ]
    entries.sort(key=lambda e: (e.team, e.incident_id, e.source, e.line))
    return tuple(entries)


def _document_findings(
    items: Sequence[_Item], by_kind: Mapping[str, Mapping[ItemKey, Finding]]
) -> tuple[DocumentFinding, ...]:
    """Due dates written but not readable, and priorities the tracker's map lacks: each names
    the document line, so a person can fix the text (the deadline shown meanwhile is the
    policy's)."""
    entries: list[DocumentFinding] = []
    for entry in items:
        row, item = entry.row, entry.item
        found: list[tuple[str, str]] = []
        if item.unread_due is not None:
            instead = (
                f"the deadline shown comes from {row.deadline_source}"
                if row.deadline_source and row.deadline_source != "document"
                else "no deadline is known"
            )
            found.append(
                (
                    "unreadable_due",
                    f"due date {item.unread_due!r} is not a date syncer can read (write it as "
                    f"YYYY-MM-DD); {instead}",
                )
            )
        priority = by_kind["unknown_priority"].get(item.key)
        if priority is not None:
            found.append(("unknown_priority", priority.message.split(": ", 1)[-1]))
        entries.extend(
            DocumentFinding(
                team=row.team,
                incident_id=row.incident_id,
                source=row.source,
                line=row.line,
                item_key=row.item_key,
                kind=kind,
                detail=f"{row.title}: {detail}" if row.title else detail,
            )
            for kind, detail in found
        )
    entries.sort(key=lambda e: (e.team, e.incident_id, e.source, e.line or 0, e.kind))
    return tuple(entries)
