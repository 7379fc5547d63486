"""The port every tracker adapter fills: what syncer asks of Jira or GitHub, in its own words.

Adapters translate between these calls and a tracker's client library; nothing outside
``syncer/shell/trackers/`` imports ``jira`` or ``github``. An adapter:

* carries each managed ticket's item key where it can be found exactly (a label on Jira, a hidden
  body marker plus the fixed ``syncer`` label on GitHub) and reports it back as
  ``Ticket.item_key``, with its own marker labels and body marker stripped from ``labels`` and
  ``body``;
* raises ``TrackerError`` for a failed request (``ambiguous=True`` when the write may have taken
  effect: timeout, dropped connection, 5xx) and ``TrackerUnavailableError`` when the tracker
  cannot be used at all (unreachable, bad credentials, missing project or repository);
* never retries a create by itself: the engine looks the marker up after an ambiguous failure.

Every mark carries the installation's name (``instance``, default ``syncer``, so tickets made
before the setting existed keep working unchanged): two installations writing to one project
or repository each list, find and judge only their own tickets (``Marks``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncer.errors import TrackerError
from syncer.model import (
    Frozen,
    ItemKey,
    Ticket,
    TicketFields,
    TicketRef,
    TicketSystem,
    Written,
)

MANAGED_LABEL = "syncer"
"""The default installation's name: the label every ticket it creates carries (so managed
tickets list in bulk), ``syncer:<item key>`` (Jira), ``<!-- syncer:key=<item key> -->`` at the
end of a GitHub body, and the Jira issue property ``syncer`` holding what it last wrote."""


@dataclass(frozen=True)
class Marks:
    """How one installation (``instance``) marks its tickets; the default is ``syncer``'s."""

    instance: str = MANAGED_LABEL

    @property
    def managed_label(self) -> str:
        """The label every ticket of this installation carries."""
        return self.instance

    @property
    def key_prefix(self) -> str:
        """Jira: the label ``<instance>:<item key>`` carries the key."""
        return f"{self.instance}:"

    @property
    def body_prefix(self) -> str:
        """GitHub: the body ends with ``<!-- <instance>:key=<item key> ... -->``."""
        return f"<!-- {self.instance}:key="

    @property
    def property_key(self) -> str:
        """Jira: the issue property holding what this installation last wrote."""
        return self.instance


DEFAULT_MARKS = Marks()


def body_marker(key: ItemKey, written: Written | None = None, marks: Marks = DEFAULT_MARKS) -> str:
    """The hidden marker a GitHub issue body carries: the key, and what syncer last wrote."""
    if written is None:
        return f"{marks.body_prefix}{key} -->"
    return f"{marks.body_prefix}{key} written={encode_written(written)} -->"


def encode_written(written: Written) -> str:
    """``Written`` as URL-safe base64 of its JSON: no ``-->`` can end a comment early."""
    return base64.urlsafe_b64encode(written.model_dump_json().encode()).decode().rstrip("=")


def decode_written(text: str | None) -> Written | None:
    """The inverse of ``encode_written``; anything unreadable (a person's edit) is no baseline."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return Written.model_validate_json(raw)
    except (ValueError, binascii.Error):
        return None


def written_from_json(value: object) -> Written | None:
    """A Jira property's value as ``Written``; anything else is no baseline."""
    try:
        return Written.model_validate(value) if isinstance(value, dict) else None
    except ValueError:
        return None


TRANSITION_NOTES = {True: "syncer closed this issue", False: "syncer reopened this issue"}
"""How the comment explaining a close (``True``) or reopen (``False``) begins: the marker that
finds it again, so a transition is commented at most once however its writes fail."""


ALREADY_NOTES = {True: "marks it done too.", False: "no longer marks it done either."}
"""How the comment ends when the ticket was already so when planned (a person closed it and
the post-mortem followed): ``syncer: the post-mortem `X` marks it done too.``"""


def last_transition_note(texts: Sequence[str]) -> bool | None:
    """Whether syncer's latest close-or-reopen comment among ``texts`` was a close (``True``),
    a reopen (``False``), or there is none (``None``)."""
    for text in reversed(texts):
        said = text.strip()
        for done, note in TRANSITION_NOTES.items():
            if said.startswith(note):
                return done
        if said.startswith("syncer: the post-mortem"):
            for done, note in ALREADY_NOTES.items():
                if said.endswith(note):
                    return done
    return None


REPORT_LABEL = "syncer-report"
"""The label on every issue holding a published follow-up report (never ``syncer``, so
report issues stay out of the managed listing)."""

REPORT_MARKER_PREFIX = "<!-- syncer:report="
"""GitHub: a report issue's body ends with ``<!-- syncer:report=<team key> -->``; Jira carries
the team key in the label ``syncer-report:<team key>``."""


def report_marker(team_key: str) -> str:
    return f"{REPORT_MARKER_PREFIX}{team_key} -->"


def fit_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a line end, saying so at the end."""
    if len(text) <= limit:
        return text
    note = "\n\n(cut here: the full report is longer than the tracker allows)\n"
    head = text[: max(0, limit - len(note))]
    return head[: head.rfind("\n") + 1 or len(head)] + note


class ChangedTickets(Frozen):
    """What ``Tracker.list_changed`` found: the managed tickets updated since a moment."""

    tickets: tuple[Ticket, ...] = ()
    unchanged: bool = False
    """The tracker said nothing changed since the answer ``etag`` names (GitHub's 304, which
    costs no rate limit); ``tickets`` is then empty."""
    etag: str | None = None
    """The answer's ETag, to send back next time; ``None`` where the tracker has none."""
    complete: bool = True
    """False when the tracker cannot vouch that no changed ticket slipped between two pages
    (Jira: the read took longer than its window's allowance); the caller lists in full."""


class BulkCreate(Frozen):
    """One ticket of a ``Tracker.create_many`` request: as ``create`` takes it."""

    key: ItemKey
    fields: TicketFields
    written: Written | None = None


BulkResult = Ticket | TrackerError
"""One answer of a bulk create, in request order: the ticket made, or why it was not."""


class TicketTracker(Protocol):
    """What syncing needs of one configured Jira project or GitHub repository."""

    @property
    def name(self) -> str:
        """The tracker's name in the configuration (``ops-jira``)."""
        ...

    @property
    def system(self) -> TicketSystem:
        """``jira`` or ``github``."""
        ...

    def owns(self, ref: TicketRef) -> bool:
        """Whether a reference written in a document points into this project/repository.

        ``OPS-12`` belongs to the Jira tracker of project OPS, ``acme/web#3`` and GitHub URLs to
        the tracker of that repository, a bare ``#3`` to any GitHub tracker (the router decides),
        and a URL to the tracker on that host.
        """
        ...

    def resolve(self, ref: TicketRef) -> TicketRef:
        """The canonical form of a reference this tracker owns (``#3`` -> ``acme/web#3``)."""
        ...

    def render(self, fields: TicketFields) -> TicketFields:
        """The fields as they will read back after being written (pure; no request).

        Jira converts the Markdown body to its wiki markup; GitHub
        drops the due date and priority it has no field for. The planner compares rendered
        desired fields with ``Ticket`` values, so rendering must match what reads back.
        """
        ...

    def check(self) -> None:
        """Verify credentials and that the project or repository exists; one request or two."""
        ...

    def unassignable(self, accounts: Collection[str]) -> list[str]:
        """The accounts among ``accounts`` this tracker will not assign tickets to, in as few
        requests as the API allows (``validate --check-trackers`` checks the owner maps)."""
        ...

    def list_managed(self) -> list[Ticket]:
        """Every ticket carrying the managed label, open or closed, fetched in bulk pages."""
        ...

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        """The managed tickets updated at or after ``since`` (open or closed), in one request
        when few changed; ``now`` is this side's clock (Jira asks relative to the server's).

        ``etag`` (from the previous answer) makes the request conditional where the tracker
        supports it (GitHub): an unchanged answer comes back as ``unchanged``. What cannot be
        seen this way (a deleted or moved ticket, a marker removed) waits for a full listing.
        """
        ...

    def find(self, key: ItemKey) -> list[Ticket]:
        """The tickets carrying exactly this item key (normally none or one)."""
        ...

    def find_many(self, keys: Collection[ItemKey]) -> dict[ItemKey, list[Ticket]]:
        """``find`` for several keys in as few requests as the API allows (a lost bulk create's
        answer is looked up in one search); keys with no ticket are absent."""
        ...

    def fetch(self, refs: Sequence[TicketRef]) -> list[Ticket]:
        """The tickets behind these references, in as few requests as the API allows.

        References to tickets that do not exist (or moved away) are simply absent from the
        result.
        """
        ...

    def create(
        self, key: ItemKey, fields: TicketFields, *, written: Written | None = None
    ) -> Ticket:
        """Create a ticket carrying ``key``; one write request, never retried here.

        ``fields`` have already been through ``render``: they are written as they are. The new
        ticket carries ``written`` as its baseline (``Ticket.written``), by default the fields
        themselves, as an open ticket. A refused assignee raises ``TrackerAssigneeError``.
        """
        ...

    @property
    def bulk_size(self) -> int:
        """How many tickets one ``create_many`` request makes (1: no bulk create)."""
        ...

    def create_many(self, batch: Sequence[BulkCreate]) -> list[BulkResult]:
        """Create up to ``bulk_size`` tickets in one write request, never retried here.

        Returns one result per entry, in order: a refused entry is a non-ambiguous
        ``TrackerError`` (``TrackerAssigneeError`` for a refused assignee) and nothing was made
        for it. A request that fails as a whole raises, ``ambiguous`` when some may exist.
        """
        ...

    def update(
        self,
        ref: TicketRef,
        fields: TicketFields,
        *,
        changed: Collection[str],
        key: ItemKey | None = None,
        written: Written | None = None,
    ) -> Ticket:
        """Write the ``changed`` fields (names of ``TicketFields`` fields) of ``fields``.

        ``written``, when given, becomes the baseline the ticket carries (``Ticket.written``),
        written with the fields where the tracker allows it.

        ``fields`` have already been through ``render``: they are written as they are.
        ``key`` is the item the ticket belongs to: a managed ticket that lost its marker (a
        person edited it out) gets it back where the tracker keeps it in the body.

        ``done`` closes (GitHub ``state_reason=completed``; Jira: transition to a Done-category
        status) or reopens; a ticket already in that state is left as it is (no second
        transition). Returns the ticket as it reads back.
        """
        ...

    def remember(self, ref: TicketRef, written: Written) -> None:
        """Leave ``written`` on the ticket as its baseline, nothing else; one write or two."""
        ...

    def comment(self, ref: TicketRef, text: str) -> None:
        """Add a comment (Markdown; converted where the tracker needs it); one write request."""
        ...

    def comment_texts(self, ref: TicketRef) -> list[str]:
        """The texts of a ticket's comments, oldest first, as the tracker reads them back
        (wiki markup on Jira); every page of them."""
        ...

    def close(self) -> None:
        """Close the connections this adapter opened (the end of a cycle); sends nothing."""
        ...


class ReportPublisher(Protocol):
    """What delivering the follow-up report needs of a tracker: its issue and its nudges."""

    @property
    def name(self) -> str:
        """The tracker's name in the configuration."""
        ...

    def nudge(self, ref: TicketRef, text: str, *, account: str) -> None:
        """Comment ``text`` (Markdown) on a ticket, mentioning ``account`` (an assignee as the
        tracker reports it) so the tracker notifies them; one write request."""
        ...

    def find_report(self, team_key: str) -> TicketRef | None:
        """The issue holding team ``team_key``'s published report, found by its marker (the
        oldest, should there be several); ``None`` when there is none."""
        ...

    def create_report(self, team_key: str, *, title: str, body: str) -> TicketRef:
        """Create the issue holding a team's report (Markdown ``body``); one write request."""
        ...

    def update_report(
        self, ref: TicketRef, team_key: str, *, title: str, body: str
    ) -> TicketRef | None:
        """Replace a report issue's title and body in place (its marker kept); ``None`` when
        the issue is gone (deleted, moved away), so the caller looks for or makes another."""
        ...


class Tracker(TicketTracker, ReportPublisher, Protocol):
    """A tracker adapter: both ports (``JiraTracker`` and ``GitHubTracker`` fill it)."""
