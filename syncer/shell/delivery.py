"""Delivering the follow-up report per team: one published issue, a webhook digest, nudges.

Each channel is optional and configured per team in ``[report.teams.<team>]`` (``"*"`` stands
for the whole report):

* ``publish_to``: the team's report (Markdown) goes into ONE issue of that tracker, updated in
  place every run. State remembers which issue; without state the issue is found again by its
  marker (the ``syncer-report`` label plus a hidden body marker on GitHub, the label
  ``syncer-report:<team>`` on Jira), and only when neither finds one is an issue created.
* ``webhook``: a short digest POSTed in Slack's incoming-webhook JSON. The URL is a secret from
  the environment: what is printed or kept names the variable, never the URL.
* ``nudge_every_days``: a comment on each overdue ticket of the team that has an assignee,
  mentioning them, at most once per that many days per ticket (state remembers), never on a
  closed ticket. Writes are paced like a sync's.

The published issue and the webhook digest follow ``[report] deliver`` (weekly by default, on
``deliver_day`` at ``deliver_at``; or daily; or every run): state remembers when each team's
channel was last delivered, so however often ``run --once`` runs, each is delivered once per
period, and a run that missed the slot (or failed to deliver) is made up by the next run
(``syncer.core.report.cadence``). The published issue is edited only when its content changed
(state keeps a digest of what was published; the "as of" line does not count). Nudges keep
their own per-ticket interval.

A failed delivery is reported as a ``Delivery`` with ``status="failed"``; it never stops the
others or the report.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import requests

from syncer.config import Config, TeamDeliveryConfig, webhook_env_name
from syncer.core.report import Report, TrackerRead, render_markdown
from syncer.core.report.cadence import Cadence, cadence_from_config, delivery_due, next_slot
from syncer.core.report.digest import digest_payload, nudge_text
from syncer.errors import TrackerError
from syncer.model import Ticket, slugify
from syncer.outcome import Delivery
from syncer.shell.apply import Pacer
from syncer.shell.state import StateStore
from syncer.shell.trackers.base import ReportPublisher

log = logging.getLogger(__name__)

ALL_TEAMS = "*"
"""The ``[report.teams]`` key standing for the whole report."""

WEBHOOK_TIMEOUT_SECONDS = 10.0


def deliver_report(
    config: Config,
    *,
    report: Report,
    report_for: Callable[[str], Report],
    reads: Mapping[str, TrackerRead],
    now: datetime,
    teams: Sequence[str],
    trackers: Mapping[str, ReportPublisher],
    store: StateStore,
    post: Callable[..., requests.Response] = requests.post,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Delivery, ...]:
    """Every configured delivery of the teams asked for (all when ``teams`` is empty) that is
    due under the cadence; nudges whenever a ticket's interval has passed."""
    wanted = {t.casefold() for t in teams}
    cadence = cadence_from_config(config.settings.report)

    def due(team: str, channel: str) -> bool:
        memory = store.last_delivery(team, channel)
        if delivery_due(cadence, last=memory.delivered if memory else None, now=now):
            return True
        log.info(
            "%s: %s not due (%s; next %s)",
            team,
            channel,
            cadence.describe(),
            _next(cadence, now),
        )
        return False

    pacer = Pacer(
        {n: t.write_gap for n, t in config.settings.trackers.items()},
        sleep=sleep,
        clock=time.monotonic,
    )
    done: list[Delivery] = []
    for team, delivery in config.settings.report.teams.items():
        if wanted and team != ALL_TEAMS and team.casefold() not in wanted:
            continue
        if wanted and team == ALL_TEAMS:
            continue  # a team's run does not overwrite everyone's report
        scoped = report if team == ALL_TEAMS else report_for(team)
        label = "all teams" if team == ALL_TEAMS else team
        if delivery.publish_to is not None and due(team, "publish"):
            done.append(
                _publish(
                    team,
                    label,
                    scoped,
                    delivery.publish_to,
                    trackers=trackers,
                    reads=reads,
                    store=store,
                    pacer=pacer,
                    now=now,
                )
            )
        if delivery.webhook and due(team, "webhook"):
            posted = _post_digest(config, team, label, scoped, delivery, post=post)
            if posted.status == "done":
                store.record_delivery(team, "webhook", now=now)
            done.append(posted)
        if delivery.nudge_every_days is not None:
            done.extend(
                _nudge(
                    team,
                    scoped,
                    every=delivery.nudge_every_days,
                    trackers=trackers,
                    reads=reads,
                    store=store,
                    pacer=pacer,
                    now=now,
                )
            )
    return tuple(done)


def _usable(
    name: str, trackers: Mapping[str, ReportPublisher], reads: Mapping[str, TrackerRead]
) -> tuple[ReportPublisher | None, str]:
    tracker = trackers.get(name)
    if tracker is None:
        return None, f"{name} has no credentials in the environment"
    read = reads.get(name)
    if read is not None and read.unavailable:
        return None, f"{name} could not be read: {read.unavailable}"
    return tracker, ""


def _publish(
    team: str,
    label: str,
    report: Report,
    tracker_name: str,
    *,
    trackers: Mapping[str, ReportPublisher],
    reads: Mapping[str, TrackerRead],
    store: StateStore,
    pacer: Pacer,
    now: datetime,
) -> Delivery:
    tracker, why = _usable(tracker_name, trackers, reads)
    if tracker is None:
        return Delivery(
            team=team, channel="publish", status="failed", target=tracker_name, detail=why
        )
    key = "all" if team == ALL_TEAMS else slugify(team)
    title = f"Follow-up report: {label}"
    body = render_markdown(report)
    digest = content_digest(title, body)
    remembered = store.published_report(team)
    last = store.last_delivery(team, "publish")
    if (
        remembered is not None
        and remembered[0] == tracker_name
        and last is not None
        and last.digest == digest
    ):
        # Nothing changed since it was last published: no edit, no notification to watchers.
        store.record_delivery(team, "publish", now=now, digest=digest)
        return Delivery(
            team=team,
            channel="publish",
            status="done",
            target=remembered[1].key,
            detail="unchanged",
        )
    try:
        ref = None
        if remembered is not None and remembered[0] == tracker_name:
            pacer.wait(tracker_name)
            ref = tracker.update_report(remembered[1], key, title=title, body=body)
        how = "updated"
        if ref is None:
            found = tracker.find_report(key)
            if found is not None:
                pacer.wait(tracker_name)
                ref = tracker.update_report(found, key, title=title, body=body)
        if ref is None:
            pacer.wait(tracker_name)
            ref = tracker.create_report(key, title=title, body=body)
            how = "created"
    except TrackerError as exc:
        log.warning("%s: publishing the report failed: %s", team, exc)
        return Delivery(
            team=team, channel="publish", status="failed", target=tracker_name, detail=str(exc)
        )
    store.record_published(team, tracker=tracker_name, ref=ref, now=now)
    store.record_delivery(team, "publish", now=now, digest=digest)
    log.info("%s: report %s in %s", team, how, ref.key)
    return Delivery(team=team, channel="publish", status="done", target=ref.key, detail=how)


def _post_digest(
    config: Config,
    team: str,
    label: str,
    report: Report,
    delivery: TeamDeliveryConfig,
    *,
    post: Callable[..., requests.Response],
) -> Delivery:
    variable = webhook_env_name(team, delivery)
    url = config.webhooks.get(team)
    if url is None:
        why = config.webhook_problems.get(team, "not set")
        return Delivery(team=team, channel="webhook", status="failed", target=variable, detail=why)
    report_url = delivery.report_url or config.settings.report.url
    payload = digest_payload(report, team=label, report_url=report_url)
    try:
        answer = post(url.get_secret_value(), json=payload, timeout=WEBHOOK_TIMEOUT_SECONDS)
    except requests.Timeout:
        detail = "timed out"
    except requests.RequestException as exc:
        # The exception's text holds the URL, a secret: name only what kind of failure it was.
        detail = f"request failed ({type(exc).__name__})"
    else:
        if 200 <= answer.status_code < 300:
            return Delivery(team=team, channel="webhook", status="done", target=variable)
        detail = f"answered HTTP {answer.status_code}"
    log.warning("%s: the webhook digest (%s) failed: %s", team, variable, detail)
    return Delivery(team=team, channel="webhook", status="failed", target=variable, detail=detail)


def _open_ticket(reads: Mapping[str, TrackerRead], tracker: str, key: str) -> Ticket | None:
    read = reads.get(tracker)
    if read is None:
        return None
    ticket = next((t for t in read.tickets if t.ref.key == key), None)
    if ticket is None or ticket.done or ticket.status_category == "done":
        return None
    return ticket


def _nudge(
    team: str,
    report: Report,
    *,
    every: int,
    trackers: Mapping[str, ReportPublisher],
    reads: Mapping[str, TrackerRead],
    store: StateStore,
    pacer: Pacer,
    now: datetime,
) -> list[Delivery]:
    interval = timedelta(days=every)
    last = store.last_nudges()
    sent: list[Delivery] = []
    seen: set[tuple[str, str]] = set()
    for entry in report.overdue:
        row = entry.row
        if row.ticket is None or row.tracker is None or row.ticket_state != "read":
            continue
        where = (row.tracker, row.ticket.key)
        if where in seen:
            continue
        seen.add(where)
        ticket = _open_ticket(reads, row.tracker, row.ticket.key)
        tracker = trackers.get(row.tracker)
        if ticket is None or ticket.assignee is None or tracker is None:
            continue
        previous = last.get(where)
        if previous is not None and now - previous < interval:
            continue
        try:
            pacer.wait(row.tracker)
            tracker.nudge(ticket.ref, nudge_text(entry, every_days=every), account=ticket.assignee)
        except TrackerError as exc:
            log.warning("%s: nudging %s failed: %s", team, ticket.ref, exc)
            sent.append(
                Delivery(
                    team=team,
                    channel="nudge",
                    status="failed",
                    target=ticket.ref.key,
                    detail=str(exc),
                )
            )
            continue
        store.record_nudge(tracker=row.tracker, ticket=ticket.ref.key, now=now)
        log.info("%s: nudged %s (%s)", team, ticket.ref, ticket.assignee)
        sent.append(
            Delivery(
                team=team,
                channel="nudge",
                status="done",
                target=ticket.ref.key,
                detail=f"{entry.days_late} days late",
            )
        )
    return sent


_AS_OF = re.compile(r"^As of .*$", re.MULTILINE)


def content_digest(title: str, body: str) -> str:
    """What a published report says, apart from when it was made: equal digests, no edit."""
    stable = _AS_OF.sub("As of", body, count=1)
    return hashlib.sha256(f"{title}\n{stable}".encode()).hexdigest()


def _next(cadence: Cadence, now: datetime) -> str:
    upcoming = next_slot(cadence, now)
    return "next run" if upcoming is None else upcoming.isoformat(timespec="minutes")
