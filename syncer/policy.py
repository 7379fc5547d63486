"""The policy values the pure core decides with: small, frozen, and free of secrets.

The shell reads the configuration once (``syncer.config.sync_policy``) and hands these values to
``desired.desire_items`` and ``plan.plan_changes`` (and to the report and write-back to come).
Nothing here reads the environment, a file or a clock, so the core behaves the same whatever the
caller's ``SYNCER_*`` variables say.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

from pydantic import Field

from syncer.model import Document, Frozen

OWNED_FIELDS = ("title", "body", "assignee", "due", "priority", "labels", "done")
"""The ticket fields syncer writes; a tracker's ``overwrite`` names some of them."""


class TrackerPolicy(Frozen):
    """What one tracker's configuration says about the tickets syncer wants there."""

    labels: tuple[str, ...] = ()
    owners: Mapping[str, str] = Field(default_factory=dict)
    """Document owner (as written, ``@`` optional, any case) -> tracker account."""
    priorities: Mapping[str, str] = Field(default_factory=dict)
    """Item priority or incident severity -> tracker priority."""
    overwrite: frozenset[str] = frozenset()
    """Fields syncer sets even when a person changed them in the tracker."""
    create_cap: int = Field(default=100, ge=0)
    """Creates beyond this many per run are deferred to the next run."""


class Route(Frozen):
    """Sends a document's items to ``tracker`` when every given condition matches."""

    tracker: str
    team: str | None = None
    service: str | None = None
    path: str | None = None
    """A glob on the document's source path."""
    issue_type: str | None = None
    """The Jira issue type of tickets created through this route (else the tracker's)."""

    def accepts(self, document: Document) -> bool:
        incident = document.incident
        return (
            (self.team is None or self.team == incident.team)
            and (self.service is None or self.service == incident.service)
            and (self.path is None or fnmatchcase(document.source, self.path))
        )


class RoutingPolicy(Frozen):
    """Which tracker a document's items go to: the first accepting route, else ``default``."""

    routes: tuple[Route, ...] = ()
    default: str | None = None
    """The configured ``default_tracker``, or the only tracker when there is just one."""

    def route(self, document: Document) -> str | None:
        for route in self.routes:
            if route.accepts(document):
                return route.tracker
        return self.default

    def issue_type(self, document: Document) -> str | None:
        """The issue type the first accepting route names, if any."""
        for route in self.routes:
            if route.accepts(document):
                return route.issue_type
        return None


class DuePolicy(Frozen):
    """How many days after the incident an item without a due date is due, by severity."""

    due_days: Mapping[str, int] = Field(default_factory=dict)
    default_due_days: int | None = None
    """For severities not in ``due_days``; ``None`` leaves such items without a due date."""

    def days_for(self, severity: str | None) -> int | None:
        return self.due_days.get(severity or "", self.default_due_days)


class WriteBackPolicy(Frozen):
    """Whether and how the planner edits documents (``[sources] write_back``)."""

    enabled: bool = False
    """Write each item's ticket link into its document."""
    status_to_document: bool = True
    """With ``enabled``: a ticket closed in the tracker ticks its item (or marks it won't do)."""
    status_to_tracker: bool = True
    """An item ticked (or marked won't do) in the document closes its ticket."""
    ticket_column: bool = False
    """A table without a Ticket column gets one for the links."""


class SyncPolicy(Frozen):
    """Everything the core needs from the configuration, and nothing else (no secrets)."""

    trackers: Mapping[str, TrackerPolicy]
    routing: RoutingPolicy = RoutingPolicy()
    due: DuePolicy = DuePolicy()
    document_base_url: str | None = None
    """Where documents can be read on the web; ticket bodies link to it."""
    write_back: WriteBackPolicy = WriteBackPolicy()
