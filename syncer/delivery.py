"""Delivering the follow-up report per team: one published issue, a webhook digest, nudges.

Filled in by ``deliver_report``; see the README's "Delivering the report".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from syncer.config import Config
from syncer.report import Report, TrackerRead
from syncer.state import StateStore
from syncer.trackers.base import Tracker

if TYPE_CHECKING:
    from syncer.reporting import Delivery


def deliver_report(
    config: Config,
    *,
    report: Report,
    report_for: Callable[[str], Report],
    reads: Mapping[str, TrackerRead],
    now: datetime,
    teams: Sequence[str],
    trackers: Mapping[str, Tracker],
    store: StateStore,
) -> tuple[Delivery, ...]:
    """Every configured delivery of the teams asked for (all when ``teams`` is empty)."""
    return ()
