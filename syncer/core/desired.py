"""What each action item should look like in its tracker: routing and ticket fields. Pure.

``desire_items`` turns parsed documents and the policy values (``syncer.policy``) into
``Desired`` values: the tracker an item belongs to, the ticket fields syncer owns (in Markdown,
before a tracker renders them), and the findings met on the way (unknown owners, documents no
route accepts). It reads no clock, file or environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from syncer.model import (
    ActionItem,
    Document,
    Finding,
    FindingKind,
    Frozen,
    Incident,
    ItemKey,
    TicketFields,
    TicketRef,
    normalise_title,
)
from syncer.policy import DeadlinePolicy, SyncPolicy

FOOTER = "Managed by syncer: edit the action item in the post-mortem, not this description."


class Desired(Frozen):
    """One item, the tracker it goes to, and the fields syncer wants on its ticket."""

    item: ActionItem
    incident: Incident
    tracker: str
    fields: TicketFields
    refs: tuple[TicketRef, ...] = ()
    """References written in the document that belong to ``tracker``, canonical form."""


Claim = Callable[[str, TicketRef], TicketRef | None]
"""``claim(tracker_name, ref)``: the canonical reference if ``ref`` points into that tracker."""


def due_date(policy: DeadlinePolicy, item: ActionItem, incident: Incident) -> date | None:
    """The item's own due date, else the deadline policy's for the incident (the same rule
    the report judges "overdue" by)."""
    if item.due is not None:
        return item.due
    if incident.date is None:
        return None
    return policy.deadline(incident.date, incident.severity)[0]


def _lookup(mapping: Mapping[str, str], *names: str | None) -> str | None:
    folded = {k.casefold().lstrip("@"): v for k, v in mapping.items()}
    for name in names:
        if name and (value := folded.get(name.casefold().lstrip("@"))) is not None:
            return value
    return None


_BOILERPLATE = re.compile(
    r"^\s*(?:post[- ]?mortem|incident(?:\s+(?:report|review))?|rca)\s*[:\-\u2013\u2014]\s*",
    re.IGNORECASE,
)


def incident_heading(incident: Incident) -> str:
    """The incident as a ticket's description names it, without the template's boilerplate:
    "Post-Mortem: Incident INC-2041" is just "INC-2041" after the word "Incident:"."""
    title = (incident.title or "").strip()
    rest = _BOILERPLATE.sub("", title).strip()
    if not rest:
        return incident.id
    bare = re.sub(r"\bincident\b", "", rest.replace(incident.id, ""), flags=re.IGNORECASE)
    if not bare.strip(" :-\u2013\u2014"):
        return incident.id  # nothing but "Incident INC-2041"
    if incident.id.casefold() in rest.casefold():
        return rest
    return f"{incident.id}: {rest}"


def ticket_body(
    item: ActionItem, incident: Incident, *, due: date | None, document_url: str | None
) -> str:
    """The Markdown description: what to do, where it came from, and who keeps it."""
    lines = [item.title]
    if item.description:
        lines += ["", item.description]
    facts = [f"**Incident:** {incident_heading(incident)}"]
    details = [
        f"severity {incident.severity}" if incident.severity else None,
        f"on {incident.date.isoformat()}" if incident.date else None,
    ]
    if any(details):
        facts[0] += " (" + ", ".join(d for d in details if d) + ")"
    where = f"[{item.source}]({document_url})" if document_url else f"`{item.source}`"
    facts.append(f"**Post-mortem:** {where}")
    if item.owner:
        facts.append(f"**Owner:** {item.owner}")
    if due:
        facts.append(f"**Due:** {due.isoformat()}")
    if item.priority:
        facts.append(f"**Priority:** {item.priority}")
    return "\n".join([*lines, "", "---", *(f"- {fact}" for fact in facts), "", f"_{FOOTER}_"])


def desired_fields(
    policy: SyncPolicy, tracker_name: str, item: ActionItem, incident: Incident
) -> tuple[TicketFields, list[Finding]]:
    """The ticket fields for one item in one tracker, and what it could not read: an owner
    missing from the owner map, a due date that is not a date, a priority missing from the
    priority map (each a finding naming the document line)."""
    tracker = policy.trackers[tracker_name]
    findings = []
    assignee = _lookup(tracker.owners, item.owner)
    if item.owner and assignee is None:
        findings.append(
            Finding(
                kind="unknown_owner",
                message=f"owner {item.owner!r} has no account in trackers.{tracker_name}.owners;"
                " the ticket is left unassigned",
                item_key=item.key,
                source=item.source,
            )
        )
    due = due_date(policy.deadlines, item, incident)
    if item.unread_due is not None:
        findings.append(
            Finding(
                kind="unreadable_due",
                message=f"{item.source}:{item.line}: due date {item.unread_due!r} is not a date "
                "syncer can read (write it as YYYY-MM-DD); "
                + (f"the policy's {due.isoformat()} applies" if due else "no due date is set"),
                item_key=item.key,
                source=item.source,
            )
        )
    priority = _lookup(tracker.priorities, item.priority, incident.severity)
    if item.priority and tracker.priorities and _lookup(tracker.priorities, item.priority) is None:
        instead = f"the severity's {priority!r}" if priority else "no priority"
        findings.append(
            Finding(
                kind="unknown_priority",
                message=f"{item.source}:{item.line}: priority {item.priority!r} is not in "
                f"trackers.{tracker_name}.priorities; the ticket gets {instead}",
                item_key=item.key,
                source=item.source,
            )
        )
    base = policy.document_base_url
    url = f"{base.rstrip('/')}/{item.source}" if base else None
    fields = TicketFields(
        title=item.title[:250],
        body=ticket_body(item, incident, due=due, document_url=url),
        labels=tuple(sorted(set(tracker.labels))),
        assignee=assignee,
        due=due,
        priority=priority,
        done=item.done or item.wont_do,
        wont_do=item.wont_do,
        source=item.source,
    )
    return fields, findings


def _claimed(
    refs: Iterable[TicketRef], trackers: Iterable[str], *, routed: str | None, claim: Claim
) -> list[tuple[str, TicketRef]]:
    """(tracker, canonical ref) for each written reference a configured tracker claims."""
    claimed = []
    for ref in refs:
        # A bare "#12" names no repository: only the routed tracker may take it.
        candidates = [routed] if ref.key.startswith("#") else list(trackers)
        for name in candidates:
            if name is not None and (canonical := claim(name, ref)) is not None:
                claimed.append((name, canonical))
                break
    return claimed


def named_refs(
    policy: SyncPolicy, document: Document, item: ActionItem, *, tracker: str, claim: Claim
) -> tuple[TicketRef, ...]:
    """The tickets of ``tracker`` that ``item`` names, as ``desire_items`` finds them
    (``Desired.refs`` of the item, were it routed to ``tracker``)."""
    if not item.tickets:
        return ()
    routed = policy.routing.route(document)
    named = _claimed(item.tickets, policy.trackers, routed=routed, claim=claim)
    return tuple(ref for name, ref in named if name == tracker)


@dataclass(frozen=True)
class _Placement:
    """Where one item could go: what it names, what routing says, what holds its ticket."""

    item: ActionItem
    named: list[tuple[str, TicketRef]]
    routed: str | None
    tracker: str | None


@dataclass(frozen=True)
class _Check:
    """One row of the placement table: when it applies, the finding, and whether to skip."""

    kind: FindingKind
    applies: Callable[[_Placement], bool]
    message: Callable[[_Placement], str]
    skip: bool
    """The item gets no ticket; later rows are not consulted."""
    names_tracker: bool = False


_CHECKS = (
    _Check(
        kind="tracked_elsewhere",
        applies=lambda p: bool(p.item.tickets) and not p.named,
        message=lambda p: (
            f"names {', '.join(r.key for r in p.item.tickets)}, which no "
            "configured tracker holds; no ticket is made for it"
        ),
        skip=True,
    ),
    _Check(
        kind="rerouted",
        applies=lambda p: not p.named and p.routed is not None and p.tracker != p.routed,
        message=lambda p: (
            f"routing now sends this item to {p.routed}, but its ticket is "
            f"in {p.tracker}; it stays there"
        ),
        skip=False,
        names_tracker=True,
    ),
    _Check(
        kind="unroutable",
        applies=lambda p: p.tracker is None,
        message=lambda p: "no route or default_tracker accepts this document",
        skip=True,
    ),
)
"""Checked in order for every item; the first skipping row that applies ends its placement."""


def _repeats(document: Document) -> list[Finding]:
    """Items whose words repeat an earlier item's (the parser keys them ``-2``, ``-3``).

    Each still gets a ticket (the document may mean it), but a copy-paste is the likelier
    cause and a duplicate ticket is what it costs, so the plan says so.
    """
    first: dict[ItemKey, ActionItem] = {}
    found: list[Finding] = []
    for item in document.items:
        base, _, occurrence = item.key.rpartition("-")
        earlier = first.get(base) if occurrence.isdigit() else None
        if earlier is not None and normalise_title(earlier.title) == normalise_title(item.title):
            found.append(
                Finding(
                    kind="repeated",
                    message=f"line {item.line} repeats line {earlier.line} word for word and "
                    "gets a ticket of its own (delete one if it was copied by mistake)",
                    item_key=item.key,
                    source=document.source,
                )
            )
        first.setdefault(item.key, item)
    return found


CONFIRM_HOW = (
    "a task-list box (- [ ] ...), an action-item heading, or an <!-- syncer: items --> line "
    "above the list; or lower [sources] confidence"
)


def _possible(document: Document) -> list[Finding]:
    """Candidates the parser was not sure of: said once per document, never ticketed."""
    if not document.possible:
        return []
    count = len(document.possible)
    lines = ", ".join(str(p.item.line) for p in document.possible[:5])
    more = "" if count <= 5 else ", ..."
    noun = "possible follow-up" if count == 1 else "possible follow-ups"
    return [
        Finding(
            kind="possible_items",
            message=f"{count} {noun} in {document.source} not ticketed (lines {lines}{more}): "
            f"confirm them by {CONFIRM_HOW}",
            source=document.source,
        )
    ]


def desire_items(
    policy: SyncPolicy,
    documents: Iterable[Document],
    *,
    claim: Claim,
    placed: Mapping[ItemKey, str] | None = None,
) -> tuple[list[Desired], list[Finding]]:
    """Route every item of every parsed document and build its desired fields.

    The tracker of an item is, in order: the tracker owning a ticket the item names; the
    tracker already holding its ticket (``placed``: item key -> tracker), so that a routing
    change never makes a second ticket; the document's route. An item naming only tickets no
    configured tracker owns (``Bug #123``, another Jira site) is tracked elsewhere: no ticket.
    """
    placed = placed or {}
    desired: list[Desired] = []
    findings: list[Finding] = []
    for document in documents:
        if document.errors:
            continue
        if not document.has_action_section:
            findings.append(
                Finding(
                    kind="no_action_items",
                    message="no action-item section: every incident needs follow-ups",
                    source=document.source,
                )
            )
        findings += _repeats(document)
        findings += _possible(document)
        routed = policy.routing.route(document)
        for item in document.items:
            # A ticket already named in the document decides the tracker.
            named = _claimed(item.tickets, policy.trackers, routed=routed, claim=claim)
            placement = _Placement(
                item=item,
                named=named,
                routed=routed,
                tracker=named[0][0] if named else placed.get(item.key, routed),
            )
            skipped = False
            for check in _CHECKS:
                if not check.applies(placement):
                    continue
                findings.append(
                    Finding(
                        kind=check.kind,
                        message=check.message(placement),
                        item_key=item.key,
                        source=item.source,
                        tracker=placement.tracker if check.names_tracker else None,
                    )
                )
                if check.skip:
                    skipped = True
                    break
            if skipped or placement.tracker is None:
                continue
            tracker = placement.tracker
            fields, problems = desired_fields(policy, tracker, item, document.incident)
            if tracker == routed and (issue_type := policy.routing.issue_type(document)):
                fields = fields.model_copy(update={"issue_type": issue_type})
            findings += [p.model_copy(update={"tracker": tracker}) for p in problems]
            desired.append(
                Desired(
                    item=item,
                    incident=document.incident,
                    tracker=tracker,
                    fields=fields,
                    refs=tuple(ref for name, ref in named if name == tracker),
                )
            )
    return desired, findings
