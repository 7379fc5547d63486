"""Runs a Plan against the trackers and records what happened in state, change by change.

The create protocol, which is what keeps a crash or a lost response from making a duplicate:

1. state records "pending create" for the item *before* the request leaves;
2. if state already held a pending create for it (an earlier run died or lost the answer), the
   tracker is searched for the item's marker first, and a ticket found there is adopted;
3. the create is sent once; the client libraries' own retries of POSTs are off;
4. after an ambiguous failure (timeout, dropped connection, 5xx) the marker is looked up again;
   only a ticket actually found is recorded, otherwise the item stays pending for the next run.

A change is done only when all its writes are: a close or reopen is the field writes and the
transition, the comment saying why, and then the baseline on the ticket
(``TicketTracker.remember``).
The transition carries its baseline in the same request (the Jira transition's properties, the
GitHub body marker), marked ``unsaid`` until the comment is written: should the transition's
answer or the comment be lost, the next run sees ticket and baseline in the new state, and
completes the comment without repeating the transition; and a person who closes or reopens
the ticket meanwhile is seen to have done so. The comment is written at most once per
transition: it begins with a marker (``TRANSITION_NOTES``), and when syncer's latest such
comment on the ticket already says this transition (its answer was lost, or the baseline after
it failed), it is not posted again.

Where a tracker creates in bulk (Jira: 50 issues a request), consecutive creates of the plan go
out together under the same protocol: every item of the batch is recorded pending before the
request leaves; each entry the answer refuses is failed (or, for a refused assignee, created
again unassigned) on its own; after an ambiguous failure one marker search for the whole batch
(``TicketTracker.find_many``) adopts what was made, and what it does not find stays pending,
looked up again by the next run before anything is sent. A pending item never goes into a batch.

A change that fails leaves state as it was (plus the error), so state never claims what did not
happen. A tracker that becomes unavailable fails its remaining changes without more requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import cast

from syncer.errors import (
    StateError,
    StateLockedError,
    TicketGoneError,
    TrackerAssigneeError,
    TrackerError,
    TrackerRateLimitedError,
    TrackerUnavailableError,
)
from syncer.model import (
    Change,
    CloseChange,
    CommentChange,
    CreateChange,
    Finding,
    Link,
    LinkChange,
    Plan,
    ReopenChange,
    Ticket,
    TicketFields,
    TicketRef,
    UpdateChange,
    WriteChange,
    Written,
    oldest_first,
)
from syncer.outcome import ApplyResult, Outcome, OutcomeStatus
from syncer.shell.state import StateStore
from syncer.shell.trackers.base import (
    ALREADY_NOTES,
    TRANSITION_NOTES,
    BulkCreate,
    BulkResult,
    TicketTracker,
    last_transition_note,
)

log = logging.getLogger(__name__)

NOT_ATTEMPTED = "not attempted: the run was asked to stop"
"""The error of a change left for the next run because a stop signal arrived first."""


class Pacer:
    """Spaces one tracker's writes ``seconds`` apart; sleeping is the caller's to supply."""

    def __init__(
        self,
        seconds: Mapping[str, float],
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self._seconds = seconds
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}

    def wait(self, tracker: str) -> None:
        gap = self._seconds.get(tracker, 0.0)
        if gap and (last := self._last.get(tracker)) is not None:
            remaining = last + gap - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last[tracker] = self._clock()


def _ambiguous(result: BulkResult) -> bool:
    return isinstance(result, TrackerError) and result.ambiguous


class _BatchStateLostError(Exception):
    """State failed while a bulk create's answers were being recorded: what became of each
    item of the batch is known all the same (``outcomes``), so it is reported precisely."""

    def __init__(self, lost: StateError, outcomes: list[Outcome]) -> None:
        super().__init__(str(lost))
        self.lost = lost
        self.outcomes = outcomes


def _unrecorded(
    change: CreateChange, result: BulkResult, found: Mapping[str, list[Ticket]]
) -> Outcome:
    """One bulk entry's outcome once state is gone: nothing more is written anywhere. A
    ticket made is reported made (state was marked pending before the request left, and the
    ticket carries the item's key: the next run finds it instead of creating another)."""
    if isinstance(result, Ticket):
        return Outcome(change=change, status="done", ref=result.ref)
    if result.ambiguous and (tickets := found.get(change.item_key)):
        return Outcome(change=change, status="recovered", ref=min(tickets, key=oldest_first).ref)
    return Outcome(change=change, status="failed", error=str(result))


def _adopt(tracker: TicketTracker, change: CreateChange) -> Ticket | None:
    """The ticket carrying this change's item key, if the tracker has one (oldest first)."""
    found = tracker.find(change.item_key)
    return min(found, key=oldest_first) if found else None


class _Applier:
    def __init__(
        self,
        trackers: Mapping[str, TicketTracker],
        store: StateStore,
        *,
        pacer: Pacer,
        now: Callable[[], datetime],
        search_lag: Mapping[str, timedelta],
    ) -> None:
        self.search_lag = search_lag
        self.trackers = trackers
        self.store = store
        self.pacer = pacer
        self.now = now
        self.down: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.unwritten: set[tuple[str, str]] = set()
        """(tracker, item key) whose write failed this run: its comment would say what is not so."""

    def record(
        self,
        change: Change,
        ticket_ref: TicketRef,
        *,
        linked: bool = False,
        fields: TicketFields | None = None,
    ) -> None:
        """Remember the item's ticket; ``fields`` (as written) for a ticket syncer manages."""
        self.store.record_link(
            change.item_key,
            tracker=change.tracker,
            source=change.source,
            status="linked" if linked else "managed",
            ref=ticket_ref,
            fields=None if linked else fields,
            now=self.now(),
        )

    def create(self, tracker: TicketTracker, change: CreateChange, earlier: Link | None) -> Outcome:
        if earlier is not None and earlier.status == "pending":
            if (ticket := _adopt(tracker, change)) is not None:
                log.info("%s: adopted %s from an unconfirmed create", change.item_key, ticket.ref)
                return self.settle(tracker, change, ticket, "recovered")
            # A tracker's search can lag behind its writes (Jira Cloud's is eventually
            # consistent), so a lookup that misses right after a lost answer proves nothing;
            # one that misses once the tracker's search lag has passed does.
            sent = earlier.last_synced or earlier.first_seen
            if self.now() - sent < self.search_lag.get(change.tracker, timedelta()):
                return Outcome(
                    change=change,
                    status="deferred",
                    error=f"a create sent at {sent:%H:%M:%S} is not visible in {change.tracker} "
                    "yet; waiting before sending another",
                )
        self.store.mark_pending(
            change.item_key, tracker=change.tracker, source=change.source, now=self.now()
        )
        self.pacer.wait(change.tracker)
        try:
            ticket = self.send_create(tracker, change)
        except TrackerError as exc:
            if not exc.ambiguous:
                self.store.forget_pending(change.item_key)
                raise
            log.warning("%s: create outcome unknown (%s); looking it up", change.item_key, exc)
            if (found := _adopt(tracker, change)) is None:
                raise
            log.info("%s: created %s (confirmed by lookup)", change.item_key, found.ref)
            return self.settle(tracker, change, found, "recovered")
        log.info("%s: created %s", change.item_key, ticket.ref)
        return self.settle(tracker, change, ticket, "done")

    def send_create(self, tracker: TicketTracker, change: CreateChange) -> Ticket:
        """One create; an assignee the tracker refuses (nothing was written) is left off, so an
        owner map entry the tracker will not accept cannot block the ticket on every run."""
        try:
            return tracker.create(change.item_key, change.fields)
        except TrackerAssigneeError as exc:
            self.unassignable(change, exc)
        self.pacer.wait(change.tracker)
        unassigned = change.fields.model_copy(update={"assignee": None})
        # Carried as written: the next run sees the owner unchanged and does not try again.
        return tracker.create(
            change.item_key,
            unassigned,
            written=Written.of(change.fields).model_copy(update={"done": False}),
        )

    def unassignable(self, change: CreateChange | WriteChange, exc: TrackerAssigneeError) -> None:
        log.warning("%s: %s; writing the ticket unassigned", change.item_key, exc)
        self.findings.append(
            Finding(
                kind="unknown_owner",
                message=f"{change.tracker} will not assign {exc.account!r} (from the owner map "
                f"trackers.{change.tracker}.owners); the ticket is left unassigned: fix the "
                "map (`syncer validate --check-trackers` checks every account)",
                item_key=change.item_key,
                source=change.source,
                tracker=change.tracker,
            )
        )

    def explain(
        self, tracker: TicketTracker, change: CloseChange | ReopenChange, ref: TicketRef
    ) -> None:
        """Tell the ticket's watchers why syncer closed or reopened it; part of the change."""
        closing = isinstance(change, CloseChange)
        verb = "closed" if closing else "reopened"
        state = "marks" if closing else "no longer marks"
        text = f"{TRANSITION_NOTES[closing]}: the post-mortem `{change.source}` {state} it done."
        if not change.comment_owed and dict(change.before).get("done") == (
            "done" if closing else "open"
        ):
            # Already so when planned (closed by a person, and the post-mortem followed, perhaps
            # by write-back; or syncer's own earlier close whose comment was lost).
            said = ALREADY_NOTES[closing]
            text = f"syncer: the post-mortem `{change.source}` {said}"
        try:
            # Syncer's latest such comment already says so: this transition was commented by a
            # run whose answer, or whose write after it, was lost. Never said twice.
            if last_transition_note(tracker.comment_texts(ref)) is closing:
                log.info("%s: %s %s; its comment was already written", change.item_key, verb, ref)
                return
            self.pacer.wait(change.tracker)
            tracker.comment(ref, text)
        except TrackerError as exc:
            log.warning(
                "%s: %s %s, but the comment saying why failed (the next run writes it): %s",
                change.item_key,
                verb,
                ref,
                exc,
            )
            raise

    def settle(
        self, tracker: TicketTracker, change: CreateChange, ticket: Ticket, status: OutcomeStatus
    ) -> Outcome:
        """Record a created ticket; close it first when the item is already done."""
        if change.fields.done and not ticket.done:
            # Recorded as open first: should closing fail, the next run still sees it to do.
            self.record(change, ticket.ref, fields=change.fields.model_copy(update={"done": False}))
            self.pacer.wait(change.tracker)
            ticket = tracker.update(
                ticket.ref, change.fields, changed=("done",), written=Written.of(change.fields)
            )
            log.info("%s: closed %s (done in the document)", change.item_key, ticket.ref)
        self.record(change, ticket.ref, fields=change.fields)
        return Outcome(change=change, status=status, ref=ticket.ref)

    def apply_one(self, change: Change, links: Mapping[str, Link]) -> Outcome:
        tracker = self.trackers[change.tracker]
        match change:
            case CreateChange():
                return self.create(tracker, change, links.get(change.item_key))
            case LinkChange():
                self.record(change, change.ref, linked=True)
                log.info("%s: linked %s", change.item_key, change.ref)
                return Outcome(change=change, status="done", ref=change.ref)
            case CommentChange():
                if (change.tracker, change.item_key) in self.unwritten:
                    return Outcome(
                        change=change,
                        status="failed",
                        error="not tried: the write it comments on failed; both are tried again",
                    )
                self.pacer.wait(change.tracker)
                tracker.comment(change.ref, change.text)
                log.info("%s: commented on %s", change.item_key, change.ref)
                return Outcome(change=change, status="done", ref=change.ref)
            case UpdateChange() | CloseChange() | ReopenChange():
                try:
                    return self.write(tracker, change)
                except TrackerError:
                    self.unwritten.add((change.tracker, change.item_key))
                    raise

    def write(self, tracker: TicketTracker, change: WriteChange) -> Outcome:
        final = Written.of(change.fields)
        moves = isinstance(change, CloseChange | ReopenChange)
        # A close or reopen carries its baseline in the same request as the transition, marked
        # ``unsaid`` until its comment is written: a lost answer leaves the ticket and its
        # baseline in step (a person's later close or reopen is seen as theirs), and the next
        # run writes the comment only. Nothing to write but the comment: nothing recorded yet.
        interim: Written | None = final
        if moves:
            target = "done" if final.done else "open"
            nothing_else = set(change.changed) == {"done"}
            already = dict(change.before).get("done") == target
            interim = (
                None if nothing_else and already else final.model_copy(update={"unsaid": True})
            )
        self.pacer.wait(change.tracker)
        try:
            ticket = tracker.update(
                change.ref,
                change.fields,
                changed=change.changed,
                key=change.item_key,
                written=interim,
            )
        except TrackerAssigneeError as exc:
            # Nothing was written: write the rest, and carry the owner as if written.
            self.unassignable(change, exc)
            rest = tuple(name for name in change.changed if name != "assignee")
            self.pacer.wait(change.tracker)
            ticket = tracker.update(
                change.ref, change.fields, changed=rest, key=change.item_key, written=interim
            )
        if isinstance(change, CloseChange | ReopenChange):
            self.explain(tracker, change, ticket.ref)
            self.pacer.wait(change.tracker)
            tracker.remember(ticket.ref, final)
        self.record(change, ticket.ref, fields=change.fields)
        log.info(
            "%s: %s %s (%s)", change.item_key, change.kind, ticket.ref, ", ".join(change.changed)
        )
        return Outcome(change=change, status="done", ref=ticket.ref)

    def bulk_size(self, change: Change, links: Mapping[str, Link]) -> int:
        """How many creates may go with ``change`` in one request (1: it goes alone)."""
        if not isinstance(change, CreateChange) or change.tracker in self.down:
            return 1
        earlier = links.get(change.item_key)
        if earlier is not None and earlier.status == "pending":
            return 1  # looked up on its own first (and after the search lag)
        return max(1, self.trackers[change.tracker].bulk_size)

    def create_batch(self, batch: list[CreateChange], unavailable: dict[str, str]) -> list[Outcome]:
        """Create ``batch`` (one tracker's) in one request; an outcome per change, in order."""
        name = batch[0].tracker
        tracker = self.trackers[name]
        now = self.now()
        for change in batch:
            self.store.mark_pending(change.item_key, tracker=name, source=change.source, now=now)
        self.pacer.wait(name)
        entries = [BulkCreate(key=c.item_key, fields=c.fields) for c in batch]
        try:
            results: list[BulkResult] = tracker.create_many(entries)
        except TrackerError as exc:
            if not exc.ambiguous:
                for change in batch:
                    self.store.forget_pending(change.item_key)
                raise
            log.warning("%s: bulk create outcome unknown (%s); looking it up", name, exc)
            results = [exc] * len(batch)
        outcomes: list[Outcome] = []
        lost = [c.item_key for c, r in zip(batch, results, strict=True) if _ambiguous(r)]
        found: Mapping[str, list[Ticket]] = {}
        if lost:
            try:
                found = tracker.find_many(lost)
            except TrackerError as exc:
                # Nothing adopted: those items stay pending, looked up again by the next run.
                log.warning("%s: cannot look up %d unconfirmed creates: %s", name, len(lost), exc)
        for index, (change, result) in enumerate(zip(batch, results, strict=True)):
            try:
                try:
                    outcomes.append(self.settle_batched(tracker, change, result, found))
                except TrackerError as exc:
                    outcomes.append(self.failed(change, exc, unavailable))
            except StateError as exc:
                if isinstance(exc, StateLockedError):
                    raise
                rest = zip(batch[index:], results[index:], strict=True)
                outcomes += [_unrecorded(one, answer, found) for one, answer in rest]
                raise _BatchStateLostError(exc, outcomes) from exc
        return outcomes

    def settle_batched(
        self,
        tracker: TicketTracker,
        change: CreateChange,
        result: BulkResult,
        found: Mapping[str, list[Ticket]],
    ) -> Outcome:
        """One bulk entry's outcome: made, adopted after a lost answer, or failed."""
        if isinstance(result, Ticket):
            log.info("%s: created %s", change.item_key, result.ref)
            return self.settle(tracker, change, result, "done")
        if result.ambiguous:
            if tickets := found.get(change.item_key):
                ticket = min(tickets, key=oldest_first)
                log.info("%s: created %s (confirmed by lookup)", change.item_key, ticket.ref)
                return self.settle(tracker, change, ticket, "recovered")
            raise result  # stays pending: the next run looks it up before sending another
        if isinstance(result, TrackerAssigneeError):
            self.unassignable(change, result)
            self.pacer.wait(change.tracker)
            unassigned = change.fields.model_copy(update={"assignee": None})
            try:
                ticket = tracker.create(
                    change.item_key,
                    unassigned,
                    written=Written.of(change.fields).model_copy(update={"done": False}),
                )
            except TrackerError as exc:
                if not exc.ambiguous:
                    self.store.forget_pending(change.item_key)
                    raise
                if (adopted := _adopt(tracker, change)) is None:
                    raise
                return self.settle(tracker, change, adopted, "recovered")
            log.info("%s: created %s", change.item_key, ticket.ref)
            return self.settle(tracker, change, ticket, "done")
        self.store.forget_pending(change.item_key)
        raise result

    def failed(self, change: Change, exc: TrackerError, unavailable: dict[str, str]) -> Outcome:
        """Record why ``change`` failed; stop writing to a tracker that is down or limiting."""
        if isinstance(exc, TrackerUnavailableError):
            unavailable[change.tracker] = str(exc).removeprefix(f"{change.tracker}: ")
            self.down[change.tracker] = f"not tried: {change.tracker} stopped answering"
        elif isinstance(exc, TrackerRateLimitedError):
            # Writing on through a rate limit only earns a longer ban.
            self.down[change.tracker] = (
                f"not tried: {change.tracker} is rate limiting; left for the next run"
            )
        elif isinstance(exc, TicketGoneError) and not isinstance(change, CreateChange | LinkChange):
            # Deleted (or moved, or hidden) since it was read: the snapshot of an incremental
            # read still held it, and would until the next full listing. Forgotten now, the
            # next run sees it gone and reports it, as a full listing would, instead of failing
            # on it every run.
            self.store.forget_snapshot_ticket(change.tracker, change.ref.key)
        # Printed in the run's output; the log keeps it for -v readers in order.
        log.info("%s: %s failed: %s", change.item_key, change.kind, exc)
        self.store.record_error(
            change.item_key,
            tracker=change.tracker,
            source=change.source,
            error=str(exc),
            now=self.now(),
            create=isinstance(change, CreateChange),
        )
        return Outcome(change=change, status="failed", error=str(exc))

    def run(self, plan: Plan, links: Mapping[str, Link], stop: Callable[[], bool]) -> ApplyResult:
        outcomes: list[Outcome] = []
        unavailable: dict[str, str] = {}
        state_lost = None
        changes = plan.changes
        index = 0
        while index < len(changes):
            change = changes[index]
            index += 1
            if state_lost is not None:
                outcomes.append(
                    Outcome(change=change, status="deferred", error=f"not attempted: {state_lost}")
                )
                continue
            if stop():
                # Checked only between changes: a write in flight always finishes and is recorded.
                outcomes.append(Outcome(change=change, status="deferred", error=NOT_ATTEMPTED))
                continue
            if (reason := self.down.get(change.tracker)) is not None:
                outcomes.append(Outcome(change=change, status="failed", error=reason))
                continue
            size = self.bulk_size(change, links)
            if size > 1 and isinstance(change, CreateChange):
                batch = [change]
                stopped = False
                # Consecutive creates for the same tracker, each asked about like any change.
                while (
                    len(batch) < size
                    and index < len(changes)
                    and changes[index].tracker == change.tracker
                    and self.bulk_size(changes[index], links) > 1
                ):
                    if stopped := stop():
                        break
                    batch.append(cast(CreateChange, changes[index]))
                    index += 1
                try:
                    outcomes += self.run_batch(batch, unavailable)
                except _BatchStateLostError as exc:
                    # The request was answered: each item is reported as it came out (made
                    # or not), though state could not record it; nothing more is attempted.
                    state_lost = str(exc.lost)
                    outcomes += exc.outcomes
                except StateError as exc:
                    if isinstance(exc, StateLockedError):
                        raise
                    # As for one create: nothing more is attempted; what the batch made is
                    # found again by the next run's marker search.
                    state_lost = str(exc)
                    outcomes += [
                        Outcome(change=one, status="failed", error=state_lost) for one in batch
                    ]
                if stopped:
                    # stop() said yes for the next change: it is deferred like the rest.
                    outcomes.append(
                        Outcome(change=changes[index], status="deferred", error=NOT_ATTEMPTED)
                    )
                    index += 1
                continue
            try:
                outcomes.append(self.apply_one(change, links))
            except StateError as exc:
                if isinstance(exc, StateLockedError):
                    raise
                # A create needs state before it is sent: nothing more is attempted. What was
                # written is found again by the next run (markers, baselines on the tickets).
                state_lost = str(exc)
                outcomes.append(Outcome(change=change, status="failed", error=state_lost))
            except TrackerError as exc:
                try:
                    outcomes.append(self.failed(change, exc, unavailable))
                except StateError as lost:
                    state_lost = str(lost)
                    outcomes.append(Outcome(change=change, status="failed", error=str(exc)))
        if state_lost is None:
            try:
                self.store.record_matches(plan.matches, links=links, now=self.now())
            except StateError as exc:
                if isinstance(exc, StateLockedError):
                    raise
                state_lost = str(exc)
        return ApplyResult(
            outcomes=tuple(outcomes),
            unavailable=unavailable,
            findings=tuple(self.findings),
            state_lost=state_lost,
        )

    def run_batch(self, batch: list[CreateChange], unavailable: dict[str, str]) -> list[Outcome]:
        """A batch's outcomes; a failure of the whole request fails each of its changes."""
        try:
            results = self.create_batch(batch, unavailable)
        except TrackerError as exc:
            return [self.failed(change, exc, unavailable) for change in batch]
        return results


def apply_plan(
    plan: Plan,
    trackers: Mapping[str, TicketTracker],
    store: StateStore,
    *,
    pacer: Pacer,
    now: Callable[[], datetime],
    links: Mapping[str, Link] | None = None,
    search_lag: Mapping[str, timedelta] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Carry out ``plan``; every change's outcome is returned, none raises.

    ``links`` is the state the plan was made from (read again from ``store`` if not given).
    ``search_lag`` says, per tracker, how long after a lost create its lookup can still miss.
    ``stop`` is asked before each change; once it says yes, the remaining changes are returned
    as deferred (``NOT_ATTEMPTED``) without a request, and state is left as it is for them.
    """
    known = store.links() if links is None else links
    applier = _Applier(trackers, store, pacer=pacer, now=now, search_lag=search_lag or {})
    return applier.run(plan, known, stop or (lambda: False))
