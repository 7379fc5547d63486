"""An in-memory tracker that satisfies the ``Tracker`` protocol, for testing the core."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from syncer.errors import TrackerAssigneeError, TrackerError
from syncer.model import ItemKey, Ticket, TicketFields, TicketRef, TicketSystem, Written
from syncer.shell.trackers.base import BulkCreate, BulkResult, ChangedTickets


@dataclass
class FakeTracker:
    """Tickets in a dict; ``fail_next`` makes the next write raise, optionally after writing."""

    name: str = "fake"
    system: TicketSystem = "jira"
    project: str = "OPS"
    tickets: dict[str, Ticket] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    reads: int = 0
    comments: dict[str, list[str]] = field(default_factory=dict)
    reports: dict[str, tuple[TicketRef, str, str]] = field(default_factory=dict)
    """Team key -> (ref, title, body) of the published report issues."""
    labelled: set[str] = field(default_factory=set)
    """Tickets carrying the managed label without a marker (a person deleted the marker)."""
    fail_next: list[tuple[bool, bool]] = field(default_factory=list)
    """(write_happens, ambiguous) for each of the next writes that should fail."""
    assignable: set[str] | None = None
    """The accounts that may be assigned (None: any); others are refused, as trackers do."""
    fail_comment: list[tuple[bool, bool]] = field(default_factory=list)
    """The same, for the next comments only."""
    closed: bool = False
    bulk: int = 1
    """``bulk_size``: more than 1 makes ``create_many`` one write for the whole batch."""
    numbered: int = 0
    """The number the last ticket created was given."""
    fail_remember: list[tuple[bool, bool]] = field(default_factory=list)
    """The same, for the next baselines left on a ticket only (``remember``)."""

    def owns(self, ref: TicketRef) -> bool:
        return ref.system == self.system and ref.key.startswith(f"{self.project}-")

    def resolve(self, ref: TicketRef) -> TicketRef:
        return TicketRef(system=self.system, key=ref.key, url=f"https://fake/{ref.key}")

    def render(self, fields: TicketFields) -> TicketFields:
        return fields.model_copy(update={"labels": tuple(sorted(set(fields.labels)))})

    def check(self) -> None:
        self.reads += 1

    def unassignable(self, accounts: Collection[str]) -> list[str]:
        self.reads += 1
        allowed = self.assignable
        return [] if allowed is None else sorted(set(accounts) - allowed)

    def list_managed(self) -> list[Ticket]:
        self.reads += 1
        return self._managed()

    def _managed(self) -> list[Ticket]:
        return [
            t for t in self.tickets.values() if t.item_key is not None or t.ref.key in self.labelled
        ]

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        self.reads += 1
        return ChangedTickets(
            tickets=tuple(t for t in self._managed() if t.updated is None or t.updated >= since)
        )

    def find(self, key: ItemKey) -> list[Ticket]:
        self.reads += 1
        return [t for t in self.tickets.values() if t.item_key == key]

    def find_many(self, keys: Collection[ItemKey]) -> dict[ItemKey, list[Ticket]]:
        self.reads += 1
        found: dict[ItemKey, list[Ticket]] = {}
        for ticket in self.tickets.values():
            if ticket.item_key is not None and ticket.item_key in keys:
                found.setdefault(ticket.item_key, []).append(ticket)
        return found

    @property
    def bulk_size(self) -> int:
        return self.bulk

    def create_many(self, batch: Sequence[BulkCreate]) -> list[BulkResult]:
        """All of ``batch`` in one write: ``fail_next`` fails (or loses the answer of) the
        whole request; a refused assignee refuses that entry alone."""
        self.writes.append(f"create_many {len(batch)}")
        failure = self.fail_next.pop(0) if self.fail_next else None
        if failure is not None and not failure[0]:
            raise TrackerError(self.name, "injected bulk failure", ambiguous=failure[1])
        later, self.fail_next = self.fail_next, []
        results: list[BulkResult] = []
        for entry in batch:
            try:
                results.append(self.create(entry.key, entry.fields, written=entry.written))
            except TrackerAssigneeError as exc:
                results.append(exc)
            self.writes.pop()  # one request, not one per entry
        self.fail_next = later
        if failure is not None:
            raise TrackerError(self.name, "injected bulk failure", ambiguous=failure[1])
        return results

    def fetch(self, refs: Sequence[TicketRef]) -> list[Ticket]:
        self.reads += 1
        return [self.tickets[r.key] for r in refs if r.key in self.tickets]

    def add(self, ticket: Ticket) -> None:
        """A ticket made behind syncer's back (by a person, or a lost-response create)."""
        self.tickets[ticket.ref.key] = ticket

    def _refuse_assignee(self, assignee: str | None) -> None:
        if self.assignable is not None and assignee is not None and assignee not in self.assignable:
            raise TrackerAssigneeError(self.name, f"cannot assign {assignee}", account=assignee)

    def _maybe_fail(self, write: object) -> None:
        if not self.fail_next:
            return
        happens, ambiguous = self.fail_next.pop(0)
        if happens and callable(write):
            write()
        raise TrackerError(self.name, "injected failure", ambiguous=ambiguous)

    def create(
        self, key: ItemKey, fields: TicketFields, *, written: Written | None = None
    ) -> Ticket:
        # Numbers are never reused, as in Jira and GitHub, even after a ticket is deleted.
        self.numbered = max(self.numbered, len(self.tickets)) + 1
        ref = self.resolve(TicketRef(system=self.system, key=f"{self.project}-{self.numbered}"))
        ticket = Ticket(
            ref=ref,
            item_key=key,
            updated=datetime.now(UTC),
            **fields.model_dump(exclude={"done", "wont_do", "neighbours", "issue_type", "source"}),
            done=False,  # like Jira and GitHub: a new ticket is open; closing is a second write
            written=written or Written.of(fields).model_copy(update={"done": False}),
        )

        def write() -> None:
            self.tickets[ref.key] = ticket

        self.writes.append(f"create {key}")
        self._refuse_assignee(fields.assignee)
        self._maybe_fail(write)
        write()
        return ticket

    def update(
        self,
        ref: TicketRef,
        fields: TicketFields,
        *,
        changed: Collection[str],
        key: ItemKey | None = None,
        written: Written | None = None,
    ) -> Ticket:
        current = self.tickets[ref.key]
        values: dict[str, object] = {name: getattr(fields, name) for name in changed}
        if "done" in changed:
            # Closed as won't do (not planned) when the document says so, else as done.
            values["resolution"] = (
                ("wont_do" if fields.wont_do else "done") if fields.done else None
            )
        if key is not None and (changed or written is not None):
            values["item_key"] = key  # the marker follows a reworded item, or is put back
        if written is not None:
            values["written"] = written
        values["updated"] = datetime.now(UTC)
        updated = current.model_copy(update=values)

        def write() -> None:
            self.tickets[ref.key] = updated

        self.writes.append(f"update {ref.key} {','.join(sorted(changed))}")
        if "assignee" in changed:
            self._refuse_assignee(fields.assignee)
        self._maybe_fail(write)
        write()
        return updated

    def remember(self, ref: TicketRef, written: Written) -> None:
        current = self.tickets[ref.key]

        def write() -> None:
            self.tickets[ref.key] = current.model_copy(update={"written": written})

        self.writes.append(f"remember {ref.key}")
        if self.fail_remember:
            happens, ambiguous = self.fail_remember.pop(0)
            if happens:
                write()
            raise TrackerError(self.name, "injected remember failure", ambiguous=ambiguous)
        self._maybe_fail(write)
        write()

    def forget_written(self) -> None:
        """Strip the baselines tickets carry (tickets syncer wrote before it kept them there)."""
        for key, ticket in self.tickets.items():
            self.tickets[key] = ticket.model_copy(update={"written": None})

    def comment(self, ref: TicketRef, text: str) -> None:
        self.writes.append(f"comment {ref.key}")
        if self.fail_comment:
            happens, ambiguous = self.fail_comment.pop(0)
            if happens:  # written, but the answer was lost
                self.comments.setdefault(ref.key, []).append(text)
            raise TrackerError(self.name, "injected comment failure", ambiguous=ambiguous)
        self._maybe_fail(None)
        self.comments.setdefault(ref.key, []).append(text)

    def close(self) -> None:
        self.closed = True

    def comment_texts(self, ref: TicketRef) -> list[str]:
        self.reads += 1
        return list(self.comments.get(ref.key, []))

    # The follow-up report's delivery: report issues by team key, nudges as comments.

    def nudge(self, ref: TicketRef, text: str, *, account: str) -> None:
        self.comment(ref, f"@{account} {text}")

    def find_report(self, team_key: str) -> TicketRef | None:
        self.reads += 1
        found = self.reports.get(team_key)
        return found[0] if found else None

    def create_report(self, team_key: str, *, title: str, body: str) -> TicketRef:
        self.writes.append(f"create report {team_key}")
        self._maybe_fail(None)
        ref = TicketRef(system=self.system, key=f"{self.project}-R{len(self.reports) + 1}")
        self.reports[team_key] = (ref, title, body)
        return ref

    def update_report(
        self, ref: TicketRef, team_key: str, *, title: str, body: str
    ) -> TicketRef | None:
        self.writes.append(f"update report {ref.key}")
        self._maybe_fail(None)
        if all(found[0] != ref for found in self.reports.values()):
            return None
        self.reports[team_key] = (ref, title, body)
        return ref
