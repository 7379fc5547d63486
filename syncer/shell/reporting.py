"""The follow-up report's half of a cycle: build, record, deliver. The report's shell.

``produce_report`` takes the world the cycle read (``syncer.shell.world``: documents, tickets,
state's links, and the plan whose matches say which ticket each item has), adds the run history,
hands them to the pure ``build_report``, records the headline counts as a run
(``command="report"``, the weekly trend's data) and, when asked, delivers the result per team
(``syncer.shell.delivery``). ``syncer report`` and ``syncer run`` both reach it through
``syncer.shell.cycle``; they print or write what the returned ``ReportRun`` renders.

A tracker that cannot be read (or has no credentials) makes its items "unknown", with the
reason; with no tracker configured the report comes from the documents alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from syncer.config import Config
from syncer.config_problems import did_you_mean
from syncer.core.report import (
    HistoryPoint,
    Report,
    build_report,
    gate,
    history_from_runs,
    owners_for,
    policy_from_config,
    render_html,
    render_json,
    render_markdown,
    routes_for,
)
from syncer.core.report.formats import FORMATS, ReportFormat
from syncer.core.report.gate import GATE_KINDS
from syncer.core.report.model import GateKind
from syncer.errors import ConfigError
from syncer.model import Frozen, Problem
from syncer.outcome import Delivery
from syncer.shell.delivery import deliver_report
from syncer.shell.state import StateStore
from syncer.shell.trackers.base import Tracker
from syncer.shell.world import World

__all__ = ["FORMATS", "Delivery", "ReportFormat", "ReportRun", "produce_report"]

log = logging.getLogger(__name__)

HISTORY_RUNS = 5000
"""Report runs read back for the weekly trend: ten years of daily reports."""


class ReportRun(Frozen):
    """What ``produce_report`` returns: the report, what was delivered, and what went wrong."""

    report: Report
    deliveries: tuple[Delivery, ...] = ()
    unavailable: Mapping[str, str] = {}
    """Trackers that could not be read, and why (their items are 'unknown' in the report)."""
    errors: tuple[Problem, ...] = ()
    """Documents that could not be read (they are listed in the report as unfinished)."""

    def render(self, fmt: ReportFormat) -> str:
        """The report as Markdown, one self-contained HTML file, or versioned JSON."""
        if fmt == "md":
            return render_markdown(self.report)
        if fmt == "html":
            return render_html(self.report)
        return render_json(self.report)

    def gate(self, kinds: Iterable[GateKind] = GATE_KINDS) -> dict[GateKind, int]:
        """The asked-for kinds the report holds, with counts; any means ``--fail-on`` fails."""
        return gate(self.report, kinds)

    @property
    def failed_deliveries(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.status == "failed")

    def summary(self) -> dict[str, int]:
        """The headline counts plus delivery counts: what the run history keeps."""
        counts = dict(self.report.counts())
        counts["unavailable_trackers"] = len(self.unavailable)
        for channel in ("publish", "webhook", "nudge"):
            done = sum(1 for d in self.deliveries if d.channel == channel and d.status == "done")
            if done:
                counts[f"delivered_{channel}"] = done
        if self.failed_deliveries:
            counts["failed_deliveries"] = len(self.failed_deliveries)
        return counts


def _check_teams(
    teams: Sequence[str],
    *,
    shown: Sequence[str],
    everyone: Callable[[], Sequence[str]],
    configured: Iterable[str],
) -> None:
    """Refuse a ``--team`` no post-mortem belongs to: a misspelt team would give an all-zero
    report that passes every ``--fail-on`` gate."""
    known = {t.casefold() for t in (*shown, *configured) if t != "*"}
    missing = [t for t in teams if t.casefold() not in known]
    if not missing:
        return
    names = sorted({*everyone(), *(t for t in configured if t != "*")})
    raise ConfigError(
        f"--team: no post-mortem belongs to team {missing[0]!r}"
        + did_you_mean(missing[0], names)
        + f" (teams: {', '.join(names) or 'none'})"
    )


def produce_report(
    config: Config,
    *,
    store: StateStore,
    world: World,
    trackers: Mapping[str, Tracker],
    now: datetime,
    teams: Sequence[str] = (),
    deliver: bool = True,
) -> ReportRun:
    """Build the report of ``world`` as of ``now``, record it in the run history, deliver it.

    ``world``: what this cycle read (``read_world``), or what it stands at once the sync was
    applied; the report reads item identities from its plan. ``trackers``: the opened trackers,
    for delivery. ``teams`` keeps only those teams (and delivers only to them); the run is
    recorded in the history (``command="report"``) only for the whole report, so the weekly
    trend never mixes a team's counts with everyone's. ``deliver=False``: nothing is
    published, posted or commented.
    """
    documents, links, texts = world.documents, world.links, world.texts
    policy = policy_from_config(config.settings)
    sync_policy = config.policy
    history = history_from_runs(store.runs(limit=HISTORY_RUNS, command="report"))
    routes = routes_for(sync_policy, documents)
    owners = owners_for(sync_policy)
    placements = world.plan.placements()

    def report_of(scope: Sequence[str] | None, *, past: Sequence[HistoryPoint] = ()) -> Report:
        return build_report(
            documents=documents,
            tickets=world.reads,
            links=links,
            history=past,
            policy=policy,
            now=now,
            teams=scope,
            findings=world.plan.findings,
            placements=placements,
            routes=routes,
            owners=owners,
            texts=texts,
            document_base_url=config.settings.sources.base_url,
        )

    report = report_of(list(teams) or None, past=history)
    if teams:
        _check_teams(
            teams,
            shown=report.teams,
            everyone=lambda: report_of(None).teams,
            configured=config.settings.report.teams,
        )
    deliveries: tuple[Delivery, ...] = ()
    if deliver:
        deliveries = deliver_report(
            config,
            report=report,
            report_for=lambda team: report_of([team]),
            reads=world.reads,
            now=now,
            teams=teams,
            trackers=trackers,
            store=store,
        )
    run = ReportRun(
        report=report,
        deliveries=deliveries,
        unavailable=world.unavailable,
        errors=tuple(p for d in documents for p in d.errors),
    )
    if not teams:
        store.record_run(started=now, finished=now, command="report", summary=run.summary())
    return run
