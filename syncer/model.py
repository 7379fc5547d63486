"""The values syncer speaks in: incidents, action items, tickets, and plans.

Everything here is a frozen pydantic model with ``extra="forbid"``. Parsing produces
``Document`` values, trackers produce ``Ticket`` values, and the planner turns both into a
``Plan`` of ``Change`` values. No module outside ``syncer/shell/trackers/`` sees a tracker's raw
payloads, and no tracker word ("issue key", "issue number") leaves it: the core says
``TicketRef``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ItemKey = str
"""A stable, label-safe identity of one action item: ``<incident-slug>.<item-part>``.

The item part is an explicit id written in the document (``[AI-3]`` gives ``ai-3``) or, failing
that, the first 10 hex digits of a hash of the item's normalised title (with an occurrence
suffix ``-2``, ``-3`` for identical titles in one document). Keys use only ``[a-z0-9.-]`` so they
fit a Jira label and a GitHub body marker unchanged. See ``make_item_key``.
"""


class Frozen(BaseModel):
    """Base for every value: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


TicketSystem = Literal["jira", "github", "other"]


class TicketRef(Frozen):
    """A reference to one ticket, as written in a document or returned by a tracker.

    ``key`` is ``OPS-123`` for Jira, ``owner/repo#123`` for GitHub (``#123`` when a document
    names no repository), and the text as written for ``other`` (``Bug #5554823``).
    """

    system: TicketSystem
    key: str
    url: str | None = None

    def __str__(self) -> str:
        return self.key


class Incident(Frozen):
    """A post-mortem's metadata."""

    id: str
    title: str | None = None
    date: dt.date | None = None
    severity: str | None = None
    status: str | None = None
    team: str | None = None
    service: str | None = None
    authors: tuple[str, ...] = ()


class ActionItem(Frozen):
    """One follow-up found in a post-mortem, with the exact lines it came from."""

    key: ItemKey
    title: str
    description: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    unread_due: str | None = Field(
        default=None,
        description="a due date written but not readable as a date ('next Friday', "
        "'2026-13-01', 'Q1 2027'): reported as a finding; the policy's date applies",
    )
    priority: str | None = None
    tickets: tuple[TicketRef, ...] = ()
    done: bool = False
    done_on: dt.date | None = Field(
        default=None, description="when the document says the item was done ('done 2026-09-03')"
    )
    wont_do: bool = Field(
        default=False,
        description="marked as not to be done (``- [-]``, ``(won't do)``, a Status of won't "
        "do / not doing / wontfix): resolved, never done",
    )
    group: str | None = None
    group_tracked: bool = Field(
        default=False,
        description="``tickets`` is the group heading's tracking issue, not named by the item",
    )
    source: str
    line: int = Field(ge=1, description="first source line, 1-based")
    end_line: int = Field(ge=1, description="last source line, 1-based, inclusive")


class Problem(Frozen):
    """An error or warning about a document, located to a line where one is known."""

    source: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


class Assessment(Frozen):
    """How sure the parser is that a candidate is an action item, and the evidence that decided.

    ``confidence`` runs from 0 to 1; an item is ticketed when it reaches the source's threshold
    (``[sources] confidence``). ``evidence`` reads like ``+ task-list box`` or
    ``- starts with a timestamp (timeline entry)``, strongest first.
    """

    confidence: float = Field(ge=0, le=1)
    evidence: tuple[str, ...] = ()
    section: str | None = Field(default=None, description="the heading it was found under")


class PossibleItem(Frozen):
    """A candidate the parser was not confident of: a possible follow-up, never ticketed by
    itself. An author confirms it with a task-list box, a known action-item heading or an
    ``<!-- syncer: items -->`` marker above its list; a team lowers the threshold instead."""

    item: ActionItem
    assessment: Assessment


class Document(Frozen):
    """What the parser makes of one post-mortem file."""

    source: str
    content_hash: str
    incident: Incident
    items: tuple[ActionItem, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    has_action_section: bool = True
    possible: tuple[PossibleItem, ...] = Field(
        default=(), description="candidates below the confidence threshold: not ticketed"
    )
    assessments: tuple[Assessment, ...] = Field(
        default=(), description="the evidence for each of ``items``, in the same order"
    )


Shared = Annotated[str, AfterValidator(sys.intern)]
"""A text many values hold alike (a ticket's title and body as read, state's copy of what was
written, the desired fields): one string in memory for all of them (at 50,000 items, 12% of
what a quiet cycle holds in objects)."""


class TicketFields(Frozen):
    """The fields syncer owns on a ticket: what it writes, and what it compares."""

    title: Shared
    body: Shared
    labels: tuple[str, ...] = ()
    assignee: str | None = None
    due: dt.date | None = None
    priority: str | None = None
    done: bool = False
    wont_do: bool = Field(
        default=False,
        description="with ``done``: closed as won't do (Jira resolution Won't Do, GitHub not "
        "planned) rather than completed",
    )
    neighbours: tuple[ItemKey, ItemKey] | None = Field(
        default=None,
        description="the keys of the items before and after this one in its document ('' at "
        "either end of the list); not written as a field, remembered to tell an item rewritten "
        "in place from one replaced by another",
    )
    issue_type: str | None = Field(
        default=None,
        description="the Jira issue type its route names (else the tracker's); used on create "
        "only, never compared",
    )
    source: str | None = Field(
        default=None,
        description="the document the item is in; not written as a field, remembered with the "
        "baseline so that a sharded worker judges only its own shard's tickets",
    )


def text_digest(text: str) -> str:
    """A short, stable digest of a text: how a baseline remembers a body without carrying it."""
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Written(Frozen):
    """What syncer last wrote to a ticket: the baseline telling a person's edit from a document's.

    State keeps it (``Link.fields``) and so does the ticket itself (a Jira issue property, the
    GitHub body marker), so losing state loses nothing. The body is kept as a digest: a ticket's
    copy has to stay small.
    """

    title: Shared
    body_digest: str
    labels: tuple[str, ...] = ()
    assignee: str | None = None
    due: dt.date | None = None
    priority: str | None = None
    done: bool = False
    wont_do: bool = False
    neighbours: tuple[ItemKey, ItemKey] | None = None
    source: str | None = None
    unsaid: bool = False
    """A close or reopen was written (``done`` is its new state), the comment saying why not
    yet: carried in the same request as the transition, so a lost answer loses neither."""

    @classmethod
    def of(cls, fields: TicketFields | Written) -> Written:
        if isinstance(fields, Written):
            return fields
        data = fields.model_dump(exclude={"body", "issue_type"})
        return cls(body_digest=text_digest(fields.body), **data)

    def differs(self, name: str, wanted: object) -> bool:
        """Whether the document's value ``wanted`` of field ``name`` is not what syncer wrote."""
        if name == "body":
            return text_digest(str(wanted)) != self.body_digest
        return bool(getattr(self, name) != wanted)


StatusCategory = Literal["todo", "in_progress", "done"]
"""Jira's status categories (To Do, In Progress, Done); a GitHub issue is todo or done."""

Resolution = Literal["done", "wont_do"]
"""Why a ticket was closed: Jira's resolution, GitHub's ``state_reason`` (completed vs not
planned); duplicates and the like count as ``wont_do``: the work was not done."""


class Ticket(Frozen):
    """A ticket as a tracker reports it, translated out of the tracker's own words."""

    ref: TicketRef
    title: Shared
    body: Shared = ""
    labels: tuple[str, ...] = ()
    assignee: str | None = None
    due: dt.date | None = None
    priority: str | None = None
    done: bool = False
    status: str = ""
    updated: dt.datetime | None = None
    item_key: ItemKey | None = Field(
        default=None, description="the syncer marker found on the ticket, if it is managed"
    )
    # Read for the follow-up report; trackers that do not fill them leave the report to fall
    # back on ``done`` and ``status`` (times are UTC, aware).
    status_category: StatusCategory | None = Field(
        default=None, description="the tracker's workflow bucket: to do, in progress or done"
    )
    resolution: Resolution | None = Field(
        default=None, description="for a closed ticket: done, or closed without doing it"
    )
    created: dt.datetime | None = None
    resolved: dt.datetime | None = Field(default=None, description="when it was last closed")
    written: Written | None = Field(
        default=None, description="what syncer last wrote, as the ticket itself carries it"
    )


class OwnedField(StrEnum):
    """The fields syncer owns on a ticket: what it writes, compares and remembers."""

    TITLE = "title"
    BODY = "body"
    LABELS = "labels"
    ASSIGNEE = "assignee"
    DUE = "due"
    PRIORITY = "priority"
    DONE = "done"


class ChangeKind(StrEnum):
    """The kinds of change a plan holds; each has one change type below (its ``kind``)."""

    CREATE = "create"
    UPDATE = "update"
    LINK = "link"
    CLOSE = "close"
    REOPEN = "reopen"
    COMMENT = "comment"

    @property
    def past(self) -> str:
        """What a carried-out change of this kind did: ``created``, ``closed`` ..."""
        return "commented" if self is ChangeKind.COMMENT else f"{self.value.rstrip('e')}ed"


class _ChangeBase(Frozen):
    """What every change says: which tracker, which item, from which document, and why."""

    tracker: str
    item_key: ItemKey
    source: str
    reason: str


class CreateChange(_ChangeBase):
    """Create a ticket carrying the item's key, with these (rendered) fields."""

    kind: Literal[ChangeKind.CREATE] = ChangeKind.CREATE
    fields: TicketFields


class LinkChange(_ChangeBase):
    """Remember a ticket a person made (named in the document); it is never edited."""

    kind: Literal[ChangeKind.LINK] = ChangeKind.LINK
    ref: TicketRef


class _WriteChange(_ChangeBase):
    """Write the ``changed`` fields of ``fields`` to an existing managed ticket."""

    ref: TicketRef
    fields: TicketFields
    changed: tuple[OwnedField, ...]
    before: tuple[tuple[str, str | None], ...] = Field(
        default=(), description="(field, the ticket's value as read) for each changed field"
    )


class UpdateChange(_WriteChange):
    kind: Literal[ChangeKind.UPDATE] = ChangeKind.UPDATE


class _MoveChange(_WriteChange):
    comment_owed: bool = Field(
        default=False,
        description="an earlier run wrote this close or reopen; only its comment is owed",
    )


class CloseChange(_MoveChange):
    """An update that closes the ticket (``done`` is among ``changed``), with a comment."""

    kind: Literal[ChangeKind.CLOSE] = ChangeKind.CLOSE


class ReopenChange(_MoveChange):
    """An update that reopens the ticket (``done`` is among ``changed``), with a comment."""

    kind: Literal[ChangeKind.REOPEN] = ChangeKind.REOPEN


class CommentChange(_ChangeBase):
    """Add a comment to a ticket; nothing else on it changes."""

    kind: Literal[ChangeKind.COMMENT] = ChangeKind.COMMENT
    ref: TicketRef
    text: str


Change = Annotated[
    CreateChange | LinkChange | UpdateChange | CloseChange | ReopenChange | CommentChange,
    Field(discriminator="kind"),
]
"""One thing a sync would do to one tracker, and why: one type per kind of change."""

WriteChange = UpdateChange | CloseChange | ReopenChange
"""The changes that write fields to an existing ticket."""


FindingKind = Literal[
    "orphaned",
    "duplicate",
    "unknown_owner",
    "unroutable",
    "missing_ticket",
    "no_action_items",
    "deferred",
    "tracked_elsewhere",
    "rerouted",
    "repeated",
    "unreadable_due",
    "unknown_priority",
    "conflict",
    "write_back",
    "possible_items",
]


class Finding(Frozen):
    """Something a person should look at that a sync does not change by itself."""

    kind: FindingKind
    message: str
    item_key: ItemKey | None = None
    source: str | None = None
    tracker: str | None = None
    ref: TicketRef | None = None


class Match(Frozen):
    """An item already in step with its ticket: nothing to write, but a link to remember."""

    item_key: ItemKey
    tracker: str
    source: str
    ref: TicketRef
    fields: TicketFields | None = Field(
        default=None, description="the desired fields; None for a linked ticket syncer does not own"
    )


LinkStatus = Literal["pending", "failed", "managed", "linked"]
"""pending: a create was sent, unconfirmed; failed: a create was refused, nothing exists;
managed: syncer's own ticket; linked: a ticket a person made, named in the document."""


class Link(Frozen):
    """What state remembers about one item."""

    item_key: ItemKey
    tracker: str
    source: str
    status: LinkStatus
    ref: TicketRef | None = None
    fields: TicketFields | None = None
    first_seen: dt.datetime
    last_synced: dt.datetime | None = None
    last_error: str | None = None


class Placement(Frozen):
    """The ticket the planner decided an item has: its tracker and reference."""

    tracker: str
    ref: TicketRef


ItemStatus = Literal["done", "wont_do"]


class ItemEdit(Frozen):
    """One edit to one action item in its document: add a link to its ticket, set its status.

    ``link`` is None when the ticket is still to be created by this sync: ``create_of`` then
    names the item whose create yields it, and the edit waits for that create.
    """

    item_key: ItemKey
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    link: TicketRef | None = None
    link_created: bool = Field(
        default=False, description="link to the ticket this sync's create makes for the item"
    )
    status: ItemStatus | None = None
    tracker: str
    reason: str


class DocumentEdit(Frozen):
    """The write-back to one document: its item edits, planned from bytes with ``content_hash``.

    ``diff`` is the unified diff the edits make, filled in by the shell from the file (the plan
    itself reads no files); empty until then.
    """

    kind: Literal["document"] = "document"
    source: str
    content_hash: str
    edits: tuple[ItemEdit, ...]
    diff: str = ""


class Plan(Frozen):
    """The complete, ordered list of changes one sync would make, plus findings."""

    changes: tuple[Change, ...] = ()
    matches: tuple[Match, ...] = ()
    findings: tuple[Finding, ...] = ()
    edits: tuple[DocumentEdit, ...] = Field(
        default=(), description="write-back: the edits to documents, one entry per document"
    )

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.edits

    def placements(self) -> dict[ItemKey, Placement]:
        """Item key -> the existing ticket the plan keeps it with (in step, written to,
        linked or commented); items the plan creates a ticket for have none yet. This is the
        one identity rule: the report reads it instead of deciding again."""
        placed = {m.item_key: Placement(tracker=m.tracker, ref=m.ref) for m in self.matches}
        for change in self.changes:
            if not isinstance(change, CreateChange):
                placement = Placement(tracker=change.tracker, ref=change.ref)
                placed.setdefault(change.item_key, placement)
        return placed


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, max_length: int = 48) -> str:
    """Lower-case ASCII ``[a-z0-9-]`` form of ``text``; empty input gives ``"x"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or "x"


_TITLE_NOISE = re.compile(r"[^\w\s]+", re.UNICODE)


def normalise_title(title: str) -> str:
    """The form of a title that keys hash: case, punctuation and spacing do not count."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_TITLE_NOISE.sub(" ", folded).split())


def make_item_key(
    incident_id: str, title: str, *, explicit_id: str | None = None, occurrence: int = 1
) -> ItemKey:
    """The stable key of an item; ``occurrence`` counts identical titles within a document."""
    prefix = slugify(incident_id, max_length=64)
    if explicit_id:
        return f"{prefix}.{slugify(explicit_id, max_length=32)}"
    digest = hashlib.sha1(normalise_title(title).encode(), usedforsecurity=False).hexdigest()
    suffix = f"-{occurrence}" if occurrence > 1 else ""
    return f"{prefix}.{digest[:10]}{suffix}"


def oldest_first(ticket: Ticket) -> tuple[int, str]:
    """Sort key putting older tickets first: OPS-9 before OPS-10, acme/web#9 before #10."""
    number = re.search(r"(\d+)$", ticket.ref.key)
    return (int(number.group(1)) if number else 0, ticket.ref.key)
