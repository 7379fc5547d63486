"""What ``build_report`` needs from the sync policy values, taken out once. Pure.

The shell calls these next to ``policy_from_config`` so the report itself never sees a
settings object: ``routes_for`` gives each document's tracker (and so the team of a document
without one), ``owners_for`` each tracker's owner map.
"""

from __future__ import annotations

from collections.abc import Iterable

from syncer.model import Document
from syncer.policy import SyncPolicy


def routes_for(policy: SyncPolicy, documents: Iterable[Document]) -> dict[str, str | None]:
    """Document source -> the tracker its items go to (``None`` when no route matches)."""
    return {d.source: policy.routing.route(d) for d in documents}


def owners_for(policy: SyncPolicy) -> dict[str, dict[str, str]]:
    """Tracker -> document owner (case-folded, without ``@``) -> account."""
    return {
        name: {owner.strip().lstrip("@").casefold(): account for owner, account in t.owners.items()}
        for name, t in policy.trackers.items()
    }
