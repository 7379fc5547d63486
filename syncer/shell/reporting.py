"""One follow-up report, start to finish: read, build, record, deliver. The report's shell.

``produce_report`` reads exactly what a no-op sync reads (the documents through the parse cache,
each tracker's managed tickets in bulk, the person-made tickets documents name, state's links
and run history), hands them to the pure ``build_report``, records the headline counts as a run
(``command="report"``, the weekly trend's data) and, when asked, delivers the result per team
(``syncer.shell.delivery``). ``syncer report`` and the scheduled worker both call it; they print
or write what the returned ``ReportRun`` renders.

A tracker that cannot be read (or has no credentials) makes its items "unknown", with the
reason; with no tracker configured the report comes from the documents alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from syncer.config import Config, env_prefix
from syncer.config_problems import did_you_mean
from syncer.core.desired import desire_items
from syncer.core.plan import plan_changes, tickets_to_fetch, where_tickets_live
from syncer.core.report import (
    Report,
    TrackerRead,
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
from syncer.core.report.gate import GATE_KINDS
from syncer.core.report.model import GateKind
from syncer.errors import ConfigError, ExitCode, TrackerError
from syncer.model import Document, Finding, Frozen, ItemKey, Link, Problem, Ticket, TicketRef
from syncer.outcome import Delivery
from syncer.shell.delivery import deliver_report
from syncer.shell.state import StateStore
from syncer.shell.sync import collect_documents
from syncer.shell.tickets import TicketReader, list_in_full, reader
from syncer.shell.trackers.base import Tracker

__all__ = ["FORMATS", "Delivery", "ReportFormat", "ReportRun", "produce_report", "read_trackers"]

log = logging.getLogger(__name__)

ReportFormat = Literal["md", "html", "json"]
FORMATS: tuple[ReportFormat, ...] = ("md", "html", "json")

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

    def exit_code(self, fail_on: Iterable[GateKind] = ()) -> ExitCode:
        """4 when ``fail_on`` names a kind the report holds (a gate is why a CI job runs it);
        3 when a tracker could not be read; 1 when a document could not be read or a delivery
        failed; else 0. ``syncer report`` exits with it; a worker cycle can too."""
        if self.gate(fail_on):
            return ExitCode.GATE
        if self.unavailable:
            return ExitCode.TRACKER
        if self.errors or self.failed_deliveries:
            return ExitCode.PARTIAL
        return ExitCode.OK

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


class TrackerReads(Frozen):
    """Everything the trackers told the report, and the planner's findings on it."""

    reads: Mapping[str, TrackerRead]
    findings: tuple[Finding, ...] = ()


def read_trackers(
    config: Config,
    documents: Sequence[Document],
    trackers: Mapping[str, Tracker],
    links: Mapping[ItemKey, Link],
    *,
    read: TicketReader = list_in_full,
) -> TrackerReads:
    """The same reads as a no-op sync's ``read_and_plan``, kept as values for the report.

    Per tracker: one bulk listing of the managed tickets, then the tickets documents name that
    the listing did not include. The planner runs (pure, nothing is written) for its findings:
    duplicates, orphans, deferred creates, references no tracker owns, unknown owners.
    """
    policy = config.policy
    tickets: dict[str, list[Ticket]] = {}
    last_full: dict[str, datetime] = {}
    unavailable: dict[str, str] = {}
    for name in config.settings.trackers:
        if name not in trackers:
            unavailable[name] = f"no credentials in the environment (set {env_prefix(name)}TOKEN)"
    for name, tracker in trackers.items():
        try:
            tickets[name] = list((done := read(name, tracker)).tickets)
            last_full[name] = done.last_full
        except TrackerError as exc:
            log.info("%s: cannot read tickets: %s", name, exc)
            unavailable[name] = str(exc).removeprefix(f"{name}: ")
    readable = {n: t for n, t in trackers.items() if n in tickets}

    def claim(name: str, ref: TicketRef) -> TicketRef | None:
        tracker = readable.get(name) or trackers.get(name)
        if tracker is None:
            return None
        return tracker.resolve(ref) if tracker.owns(ref) else None

    placed = where_tickets_live(tickets, links, trackers=readable)
    wanted, findings = desire_items(policy, documents, claim=claim, placed=placed)
    wanted = [d for d in wanted if d.tracker in readable]
    rendered = [
        d.model_copy(update={"fields": readable[d.tracker].render(d.fields)}) for d in wanted
    ]
    for name, missing in tickets_to_fetch(rendered, tickets, links).items():
        try:
            tickets[name].extend(readable[name].fetch(missing))
        except TrackerError as exc:
            log.info("%s: cannot read named tickets: %s", name, exc)
            unavailable[name] = str(exc).removeprefix(f"{name}: ")
            del tickets[name]
    still = {n: t for n, t in tickets.items() if n not in unavailable}
    plan = plan_changes(
        [d for d in rendered if d.tracker in still],
        tickets=still,
        links=links,
        policy=policy,
        failed_sources={d.source for d in documents if d.errors},
        findings=findings,
    )
    reads = {
        name: TrackerRead(
            tracker=name,
            tickets=tuple(tickets.get(name, ())),
            unavailable=unavailable.get(name),
            last_full=last_full.get(name),
        )
        for name in config.settings.trackers
    }
    return TrackerReads(reads=reads, findings=plan.findings)


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
    trackers: Mapping[str, Tracker],
    now: datetime,
    teams: Sequence[str] = (),
    deliver: bool = True,
) -> ReportRun:
    """Read, build the report as of ``now``, record it in the run history, and deliver it.

    ``trackers``: the opened trackers; a configured tracker missing from it (no credentials)
    is reported as unavailable. ``teams`` keeps only those teams (and delivers only to them);
    the run is recorded in the history (``command="report"``) only for the whole report, so
    the weekly trend never mixes a team's counts with everyone's. ``deliver=False``: nothing
    is published, posted or commented.
    """
    started = now
    texts: dict[str, str] = {}
    documents, _ = collect_documents(config, store, texts=texts)
    links = store.links()
    read = read_trackers(
        config, documents, trackers, links, read=reader(config, store, now=now, full=False)
    )
    years = {d.incident.date.year for d in documents if d.incident.date is not None}
    years |= {now.year - 1, now.year, now.year + 1}
    policy = policy_from_config(config.settings.report, years=years)
    sync_policy = config.policy
    history = history_from_runs(store.runs(limit=HISTORY_RUNS, command="report"))
    report = build_report(
        documents=documents,
        tickets=read.reads,
        links=links,
        history=history,
        policy=policy,
        now=now,
        teams=list(teams) or None,
        findings=read.findings,
        routes=routes_for(sync_policy, documents),
        owners=owners_for(sync_policy),
        texts=texts,
    )
    if teams:
        _check_teams(
            teams,
            shown=report.teams,
            everyone=lambda: (
                build_report(
                    documents=documents,
                    tickets={},
                    links=links,
                    history=(),
                    policy=policy,
                    now=now,
                    routes=routes_for(sync_policy, documents),
                    texts=texts,
                ).teams
            ),
            configured=config.settings.report.teams,
        )
    deliveries: tuple[Delivery, ...] = ()
    if deliver:

        def report_for(team: str) -> Report:
            return build_report(
                documents=documents,
                tickets=read.reads,
                links=links,
                history=(),
                policy=policy,
                now=now,
                teams=[team],
                findings=read.findings,
                routes=routes_for(sync_policy, documents),
                owners=owners_for(sync_policy),
                texts=texts,
            )

        deliveries = deliver_report(
            config,
            report=report,
            report_for=report_for,
            reads=read.reads,
            now=now,
            teams=teams,
            trackers=trackers,
            store=store,
        )
    run = ReportRun(
        report=report,
        deliveries=deliveries,
        unavailable={n: r.unavailable for n, r in read.reads.items() if r.unavailable},
        errors=tuple(p for d in documents for p in d.errors),
    )
    if not teams:
        store.record_run(started=started, finished=now, command="report", summary=run.summary())
    return run
