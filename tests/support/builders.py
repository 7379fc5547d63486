"""What core and shell tests build from: a policy with one fake tracker, desired items, a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from syncer.core.desired import Desired
from syncer.model import ActionItem, Incident, OwnedField, TicketFields, TicketRef, make_item_key
from syncer.policy import RoutingPolicy, SyncPolicy, TrackerPolicy


def make_policy(*, max_creates: int = 100, overwrite: tuple[str, ...] = ()) -> SyncPolicy:
    """One fake tracker taking every document; built from values, never from the environment."""
    tracker = TrackerPolicy(
        labels=("postmortem",),
        overwrite=frozenset(OwnedField(name) for name in overwrite),
        create_cap=max_creates,
    )
    return SyncPolicy(trackers={"fake": tracker}, routing=RoutingPolicy(default="fake"))


INCIDENT = Incident(id="INC-7", title="Checkout outage", date=date(2026, 11, 2), severity="SEV2")


def desired(
    title: str,
    *,
    incident: Incident = INCIDENT,
    done: bool = False,
    wont_do: bool = False,
    assignee: str | None = None,
    refs: tuple[TicketRef, ...] = (),
    explicit_id: str | None = None,
    line: int = 10,
    source: str = "inc-7.md",
) -> Desired:
    key = make_item_key(incident.id, title, explicit_id=explicit_id)
    item = ActionItem(
        key=key,
        title=title,
        done=done,
        wont_do=wont_do,
        source=source,
        line=line,
        end_line=line,
        tickets=refs,
    )
    fields = TicketFields(
        title=title,
        body=f"{title}\n\nfrom {incident.id}",
        labels=("postmortem",),
        assignee=assignee,
        done=done or wont_do,
        wont_do=wont_do,
    )
    return Desired(item=item, incident=incident, tracker="fake", fields=fields, refs=refs)


def fixed_now() -> datetime:
    return datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
