"""What a run returns: per-change outcomes and the outcome of a whole plan or sync. Values only.

The shell (``apply``, ``sync``) builds these; the renderer (``render``) and the CLI read them.
Nothing here imports the shell, so values flow one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from syncer.model import Change, ChangeKind, Finding, Frozen, Plan, Problem, TicketRef

OutcomeStatus = Literal["done", "failed", "recovered", "deferred"]


class Outcome(Frozen):
    """What became of one change."""

    change: Change
    status: OutcomeStatus
    ref: TicketRef | None = None
    error: str | None = None


class ApplyResult(Frozen):
    """Every change's outcome, in plan order."""

    outcomes: tuple[Outcome, ...] = ()
    unavailable: Mapping[str, str] = {}
    """Trackers that stopped answering (or asked syncer to slow down) during the run, and why
    (the reason without the tracker's name: renderers put it first)."""
    findings: tuple[Finding, ...] = ()
    """What a person should look at that only writing revealed (an owner the tracker refused)."""
    state_lost: str | None = None
    """Why state stopped answering mid-run (the changes after it were left for the next run)."""

    def count(self, kind: str, *, failed: bool = False) -> int:
        """Changes of ``kind`` carried out (or, with ``failed``, that failed); deferred ones
        were neither."""
        wanted = ("failed",) if failed else ("done", "recovered")
        return sum(1 for o in self.outcomes if o.change.kind == kind and o.status in wanted)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "failed")


class SyncOutcome(Frozen):
    """What one run of ``plan`` or ``sync`` found and did."""

    documents: int
    items: int
    """Action items found in the documents that could be read."""
    parsed: int
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    plan: Plan
    result: ApplyResult | None = None
    unavailable: Mapping[str, str] = {}
    headings: Mapping[str, str] = {}
    """Document source -> "INC-2041 Checkout proxy pool", in document order (for the plan)."""
    lines: Mapping[str, int] = {}
    """Item key -> its first line in the document (the plan lists items in document order)."""
    owners: Mapping[str, str] = {}
    """Item key -> its owner as the document writes it (the plan shows it beside the account)."""

    def summary(self) -> dict[str, int]:
        """Counts by outcome, the numbers a person and the run history look at."""
        counts = {
            "documents": self.documents,
            "document_errors": len({p.source for p in self.errors}),
            "items": self.items,
            "unchanged": len(self.plan.matches),
            "deferred": sum(1 for f in self.plan.findings if f.kind == "deferred"),
            "findings": len(self.plan.findings),
            "unavailable_trackers": len(self.unavailable),
        }
        # Comments go with the change they explain: counted with it, not on their own.
        kinds = [kind for kind in ChangeKind if kind is not ChangeKind.COMMENT]
        if self.result is None:
            counts.update(
                {f"to_{k}": sum(1 for c in self.plan.changes if c.kind == k) for k in kinds}
            )
        else:
            counts.update({k.past: self.result.count(k) for k in kinds})
            counts["recovered"] = sum(1 for o in self.result.outcomes if o.status == "recovered")
            counts["failed"] = self.result.failed
            counts["deferred"] += sum(1 for o in self.result.outcomes if o.status == "deferred")
        edited = sum(len(e.edits) for e in self.plan.edits)
        if edited:
            counts["written_back" if self.result is not None else "to_write_back"] = edited
        return counts


DeliveryChannel = Literal["publish", "webhook", "nudge"]
DeliveryStatus = Literal["done", "failed"]


class Delivery(Frozen):
    """What became of one delivery of the follow-up report: the published issue, a webhook
    digest, a nudge comment. ``target`` names where it went (a ticket, or the environment
    variable holding a webhook URL): never the URL itself."""

    team: str
    channel: DeliveryChannel
    status: DeliveryStatus
    target: str
    detail: str = ""
