"""Every configuration key changes what a user sees: none is accepted and then ignored.

``test_each_key_changes_behaviour`` runs once for every leaf key of ``syncer.config``'s models,
found by walking them (``Settings`` and its tables, the items of ``routes``, the values of
``report.teams``, both tracker types under ``trackers``): a key added later is found here and
fails with "add a probe for KEY" until ``PROBES`` has a line for it. Each case builds the
configuration twice, with the key as ``BASE`` leaves it and with the probe's value, and asserts
that what a user sees differs. Behaviour is compared, never settings or policy values: a key
that only reaches a value nothing reads fails. The report's ``policy`` section, an echo of the
configuration, is left out of what is compared for the same reason.

Key names: ``trackers.<jira>.KEY`` and ``trackers.<github>.KEY`` (the two tracker types),
``routes[].KEY`` (one route), ``report.teams.<team>.KEY`` (one team's delivery).

Adding a probe is one line in ``PROBES``::

    "section.key": Probe(VALUE, OBSERVABLE, base=..., deprecated=...),

* VALUE: a value the key does not have in the base configuration, as the TOML file gives it
  (``Table({...})`` replaces the whole table holding the key: a tracker's ``type``).
* OBSERVABLE: what a user sees of a configuration, one of

  ============== ===============================================================================
  desired        the tickets syncer wants: tracker, fields, findings (``desire_items``)
  sync           a first sync into fake trackers: the writes, the pauses asked for, outcomes
  resync         the plan once a person edited every ticket of a first sync
  lost_create    a sync right after one whose first create's answer was lost
  report         the report's JSON (without ``policy``) over aged tickets of a first sync
  delivery       the report's delivery: issues published, digests posted, nudges commented
  deliveries     when the webhook digest goes out over eight days of runs (the cadence)
  reads          how a tracker is read over two days of cycles: in full, or what changed since
  documents      the documents read (by name) and what is said of the sources
  state          where state is kept (``state_target``)
  schedule       the worker's jobs over a day (time-machine moves the clock)
  adapters       what each tracker adapter renders and owns, and the HTTP requests it sends to
                 create, edit, close, reopen and close as won't do a ticket and list its tickets
                 (``responses``)
  new_postmortem the file ``syncer new`` writes
  written_back   two syncs of a copy of the documents, a ticket closed as done and one as won't
                 do in between and an item ticked by a person: the documents' bytes, the edits
                 planned (their diffs) and the writes each fake tracker was asked for
  pushed         a sync of a git checkout of the documents with two bare repositories as
                 remotes (``origin``, ``upstream``): each remote's branches and what they hold
  proposed       a sync with each GitHub tracker pointed at a sandbox of its own: the pull
                 requests, branches and files each sandbox's repositories end up holding
  ============== ===============================================================================

* ``base``: TOML data under both configurations, for a key that acts only beside another (a
  route for the route keys, ``report_at`` for ``worker.timezone``, the items sent to GitHub for
  GitHub's keys).
* ``deprecated=True``: an old key read into its new place; ``Config.deprecations`` must name it
  (and no other key may produce a deprecation).

When none of these shows what a new key does, add an observable: a function ``(Case) -> object``
beside the others, returning plain data a user would see (no clock, no scratch path), and name
it in the table above; ``test_each_observable_is_the_same_for_the_same_configuration`` checks
that it depends on the configuration alone. A key under a new mapping of tables gets a
placeholder (``<name>``): say in ``PLACES`` which table of the base it stands for.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import itertools
import json
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
import requests
import responses
import time_machine
from pydantic import BaseModel

from syncer.cli import main
from syncer.config import Config, GitHubConfig, JiraConfig, Settings, env_prefix, parse_config
from syncer.core.desired import desire_items, desired_fields
from syncer.core.report import Report, render_json
from syncer.errors import TrackerError
from syncer.model import (
    ActionItem,
    Incident,
    Plan,
    Ticket,
    TicketFields,
    TicketRef,
    make_item_key,
)
from syncer.outcome import Delivery, SyncOutcome
from syncer.sandbox import Sandbox
from syncer.shell.delivery import deliver_report
from syncer.shell.reporting import produce_report
from syncer.shell.sources import source_problems
from syncer.shell.state import SqliteTarget, StateStore, open_store, state_target
from syncer.shell.sync import sync_world
from syncer.shell.tickets import reader
from syncer.shell.trackers import open_trackers
from syncer.shell.trackers.base import BulkCreate, ChangedTickets, TicketTracker, Tracker
from syncer.shell.worker import StopSignal, run_forever, utc_now
from syncer.shell.world import World, collect_documents, read_world
from tests.support.fakes import FakeTracker
from tests.support.tracker_payloads import JIRA_FIELDS, STATUSES, github_issue, jira_issue

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "trackers": {
        "ops-jira": {"type": "jira", "url": "https://jira.example.test", "project": "OPS"},
        "gh": {"type": "github", "repository": "acme/web"},
    },
    "default_tracker": "ops-jira",
}
"""The configuration every case starts from: one tracker of each type, Jira taking the items."""

PLACES = {"<jira>": "ops-jira", "<github>": "gh", "<team>": "web", "[]": "0"}
"""Where a key name's placeholders point in ``BASE`` (and the probes' ``base``)."""

ENV = {
    "SYNCER_OPS_JIRA_TOKEN": "jira-token-0001",
    "SYNCER_OPS_JIRA_EMAIL": "bot@example.test",
    "SYNCER_GH_TOKEN": "gh-token-0001",
    "SYNCER_WEB_WEBHOOK": "https://hooks.example.test/web",
    "WEB_HOOK": "https://hooks.example.test/elsewhere",
    "SYNCER_DOCS_TOKEN": "docs-token-0001",
}

DOCUMENTS = {
    "postmortems/inc-3101.md": """\
---
id: INC-3101
title: Orders database ran out of connections
date: 2026-10-02
severity: SEV2
service: orders-db
status: Published
---

# Orders database ran out of connections

## Action Items

- [ ] Raise the connection pool limit on orders-db @alice
- [ ] Add an alert on pool saturation above 80% @bob
- [x] Roll back the ORM upgrade @carol
- [ ] Write a runbook for connection exhaustion

## Improvements

- Better dashboards for the pool
""",
    "postmortems/inc-3102.md": """\
---
id: INC-3102
title: CDN certificate expired
date: 2026-10-09
severity: SEV1
team: web
service: cdn
---

# CDN certificate expired

## Follow-ups

| Action | Owner | Due | Priority | Status |
| --- | --- | --- | --- | --- |
| Move the CDN certificate to automatic renewal | alice | 2026-10-30 | P1 | Open |
| Alert 30 days before any certificate expires | bob | 2026-10-20 | P2 | Done |
| Inventory every certificate we own | carol | | P3 | Open |
""",
    "postmortems/drafts/inc-3103.md": """\
---
id: INC-3103
title: Search index lag
date: 2026-11-07
severity: SEV3
team: search
status: Draft
---

# Search index lag

## Action Items

- [ ] Alert on index lag @dana
""",
    "archive/inc-2999.md": """\
---
id: INC-2999
title: An old outage
date: 2025-03-01
severity: SEV2
---

# An old outage

## Action Items

- [x] Document the failover
""",
    "templates/postmortem.md": """\
# Post-Mortem: {incident_id}

## Action Items

- [ ] Our own template's first step
""",
    "empty/README.txt": "nothing to read here\n",
}
"""The workspace: the base configuration reads ``postmortems/`` (three documents)."""


# -- enumerating the keys -------------------------------------------------------------------------


def _bare(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _models(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models a value of this type is: a model, an optional one, or a union of models."""
    annotation = _bare(annotation)
    options = (
        get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    )
    return tuple(o for o in map(_bare, options) if isinstance(o, type) and issubclass(o, BaseModel))


def _tag(model: type[BaseModel], path: str, of: int) -> str:
    """The placeholder of a mapping's key: the model's discriminator among several (``<jira>``),
    else the mapping's name in the singular (``<team>``)."""
    if of > 1:
        for info in model.model_fields.values():
            values = get_args(_bare(info.annotation))
            if get_origin(_bare(info.annotation)) is Literal and len(values) == 1:
                return f"<{values[0]}>"
    return f"<{path.rsplit('.', 1)[-1].removesuffix('s')}>"


def leaf_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key a configuration file can set, tables walked into, as dotted paths."""
    for name, info in model.model_fields.items():
        path = prefix + name
        annotation = _bare(info.annotation)
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (Mapping, dict) and (models := _models(args[1])):
            for m in models:
                yield from leaf_keys(m, f"{path}.{_tag(m, path, len(models))}.")
        elif origin is tuple and len(args) == 2 and args[1] is Ellipsis and _models(args[0]):
            for m in _models(args[0]):
                yield from leaf_keys(m, f"{path}[].")
        elif models := _models(annotation):
            for m in models:
                yield from leaf_keys(m, f"{path}.")
        else:
            yield path


KEYS = sorted(set(leaf_keys(Settings)))


# -- building configurations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A probe value that replaces the whole table holding the key."""

    data: Mapping[str, Any]


def merged(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of TOML data, later layers winning."""
    result: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            if isinstance(value, Mapping) and isinstance(result.get(name), dict):
                result[name] = merged(result[name], value)
            else:
                result[name] = copy.deepcopy(value)
    return result


def with_value(data: Mapping[str, Any], key: str, value: object) -> dict[str, Any]:
    """``data`` with ``key`` (placeholders resolved by ``PLACES``) set to ``value``."""
    changed = copy.deepcopy(dict(data))
    names = key.replace("[]", ".[]").split(".")
    unplaced = [n for n in names if n.startswith("<") and n not in PLACES]
    assert not unplaced, f"{key}: say in PLACES which table {unplaced[0]} stands for"
    parts = [PLACES.get(n, n) for n in names]
    if isinstance(value, Table):
        parts, value = parts[:-1], dict(value.data)
    node: Any = changed
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[parts[-1]] = value
    return changed


def toml_text(data: Mapping[str, Any]) -> str:
    """TOML for ``data`` (inline tables: enough for a configuration file written by a test)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, Mapping):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(v)

    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in data.items())


@dataclass(frozen=True)
class Case:
    """One configuration under test: its TOML data, validated, and a scratch folder."""

    data: Mapping[str, Any]
    config: Config
    workspace: Path
    scratch: Path


Observable = Callable[[Case], object]


# -- observables: what a user sees of a configuration ---------------------------------------------


def fakes(config: Config) -> dict[str, FakeTracker]:
    return {
        name: FakeTracker(
            name=name,
            system="jira" if isinstance(tracker, JiraConfig) else "github",
            project=name.upper().replace("-", ""),
        )
        for name, tracker in config.settings.trackers.items()
    }


@dataclass
class Cycle:
    """Syncs into fake trackers with state in memory; nothing sleeps."""

    config: Config
    store: StateStore
    trackers: dict[str, FakeTracker]
    sleeps: list[float] = field(default_factory=list)
    real: Mapping[str, TicketTracker] = field(default_factory=dict)
    """Trackers used instead of the fakes of the same name (a GitHub tracker on a sandbox)."""

    def world(self) -> World:
        # A full listing: the tickets were aged behind syncer's back, which only a full read sees.
        return read_world(
            self.config, self.store, {**self.trackers, **self.real}, now=NOW, full=True
        )

    def sync(self) -> SyncOutcome:
        return sync_world(
            self.config,
            {**self.trackers, **self.real},
            self.store,
            self.world(),
            dry_run=False,
            now=lambda: NOW,
            sleep=self.sleeps.append,
            clock=lambda: 0.0,
        )

    def report(self, world: World, *, teams: tuple[str, ...] = ()) -> Report:
        return produce_report(
            self.config,
            store=self.store,
            world=world,
            trackers=self.trackers,
            now=NOW,
            teams=teams,
            deliver=False,
        ).report


def reads(case: Case) -> object:
    """How a tracker is read over two days of cycles: a full listing or only what changed,
    and from when the changes are asked for (``syncer.shell.tickets``)."""
    asked: list[tuple[str, object]] = []

    class Watched(FakeTracker):
        def list_managed(self) -> list[Ticket]:
            asked.append(("full", None))
            return super().list_managed()

        def list_changed(
            self, *, since: datetime, now: datetime, etag: str | None = None
        ) -> ChangedTickets:
            asked.append(("changes since", since))
            return super().list_changed(since=since, now=now, etag=etag)

    tracker = Watched(name="ops-jira")
    with memory_state(case) as store:
        for hours in (0, 1, 2, 26, 27, 51):
            read = reader(case.config, store, now=NOW + timedelta(hours=hours), full=False)
            read("ops-jira", tracker)
    return asked


def memory_state(case: Case) -> StateStore:
    """State in memory (SQLite's, through the real store): nothing is written to disk."""
    return open_store(SqliteTarget(path=case.scratch / "state.db"), scratch_copy=True)


@contextmanager
def cycle(case: Case) -> Iterator[Cycle]:
    with memory_state(case) as store:
        yield Cycle(case.config, store, fakes(case.config))


def _claim(config: Config) -> Callable[[str, TicketRef], TicketRef | None]:
    trackers = open_trackers(config)

    def claim(name: str, ref: TicketRef) -> TicketRef | None:
        tracker = trackers[name]
        return tracker.resolve(ref) if tracker.owns(ref) else None

    return claim


def desired(case: Case) -> object:
    """The tickets syncer wants for the documents: tracker, fields and findings."""
    with memory_state(case) as store:
        documents, _ = collect_documents(case.config, store)
    wanted, findings = desire_items(case.config.policy, documents, claim=_claim(case.config))
    return (
        [(d.item.key, d.tracker, d.fields.model_dump(mode="json")) for d in wanted],
        [f.model_dump(mode="json") for f in findings],
    )


def sync(case: Case) -> object:
    """A first sync: each fake tracker's writes, the pauses asked for, the outcomes."""
    with cycle(case) as c:
        outcome = c.sync()
        assert outcome.result is not None
        return (
            {name: t.writes for name, t in c.trackers.items()},
            c.sleeps,
            [(o.change.kind, o.change.item_key, o.status) for o in outcome.result.outcomes],
            [f.message for f in outcome.plan.findings],
        )


def resync(case: Case) -> object:
    """The plan once a person retitled, reassigned, re-dated and relabelled every ticket."""
    with cycle(case) as c:
        c.sync()
        for fake in c.trackers.values():
            for key, ticket in list(fake.tickets.items()):
                fake.tickets[key] = ticket.model_copy(
                    update={
                        "title": "Retitled by a person",
                        "assignee": "someone-else",
                        "due": date(2027, 1, 1),
                        "priority": "Lowest",
                        "labels": ("triaged",),
                    }
                )
        return [change.model_dump(mode="json") for change in c.world().plan.changes]


def lost_create(case: Case) -> object:
    """A sync right after one whose first create per tracker lost its answer (nothing made)."""
    with cycle(case) as c:
        for fake in c.trackers.values():
            fake.fail_next = [(False, True)]
        c.sync()
        outcome = c.sync()
        assert outcome.result is not None
        return [(o.change.item_key, o.status, o.error) for o in outcome.result.outcomes]


def _aged(c: Cycle) -> None:
    """Every ticket untouched for 20 days; each tracker's first in progress for 40."""
    for fake in c.trackers.values():
        for n, (key, ticket) in enumerate(sorted(fake.tickets.items())):
            update: dict[str, Any] = {"updated": NOW - timedelta(days=20)}
            if n == 0:
                update = {"updated": NOW - timedelta(days=40), "status_category": "in_progress"}
            fake.tickets[key] = ticket.model_copy(update=update)


def report(case: Case) -> object:
    """The report's JSON after a first sync, tickets aged; its ``policy`` echo left out."""
    with cycle(case) as c:
        c.sync()
        _aged(c)
        data = json.loads(render_json(c.report(c.world())))
        del data["policy"]
        return data


def delivery(case: Case) -> object:
    """The report delivered after a first sync: published issues, posted digests, nudges."""
    posted: list[tuple[str, object]] = []
    with cycle(case) as c:
        c.sync()
        done = _deliver(c, c.world(), NOW, posted)
        return (
            [d.model_dump(mode="json") for d in done],
            {name: (t.reports, t.comments) for name, t in c.trackers.items()},
            posted,
        )


def deliveries(case: Case) -> object:
    """When the webhook digest goes out over eight days of runs every six hours."""
    sent: list[datetime] = []
    with cycle(case) as c:
        c.sync()
        world = c.world()
        for step in range(8 * 4):
            now = NOW + timedelta(hours=6 * step)
            done = _deliver(c, world, now, [])
            sent += [now for d in done if d.channel == "webhook" and d.status == "done"]
    return sent


def _deliver(
    c: Cycle, world: World, now: datetime, posted: list[tuple[str, object]]
) -> tuple[Delivery, ...]:
    """``deliver_report`` as of ``now``, every webhook POST answered 200 and kept in ``posted``."""

    def post(url: str, *, json: object, timeout: float) -> requests.Response:
        posted.append((url, json))
        answer = requests.Response()
        answer.status_code = 200
        return answer

    return deliver_report(
        c.config,
        report=c.report(world),
        report_for=lambda team: c.report(world, teams=(team,)),
        reads=world.reads,
        now=now,
        teams=(),
        trackers=c.trackers,
        store=c.store,
        post=post,
        sleep=lambda seconds: None,
    )


def documents(case: Case) -> object:
    """The documents read, by name, with the titles that would be ticketed and the possible
    follow-ups that would not, and what validation says of the sources."""
    with memory_state(case) as store:
        found, _ = collect_documents(case.config, store)
    read = [
        (d.source, d.incident.id, [i.title for i in d.items], [p.item.title for p in d.possible])
        for d in found
    ]
    return read, source_problems(case.config)


def state(case: Case) -> object:
    """Where state is kept."""
    target = state_target(case.config, environ=ENV)
    return type(target).__name__, target.label


def schedule(case: Case) -> object:
    """The worker's jobs over a day, the clock moved by each of the loop's sleeps."""
    ran: list[tuple[str, datetime]] = []
    stop = StopSignal()

    def job(name: str) -> Callable[[StopSignal], int]:
        def run(stop: StopSignal) -> int:
            ran.append((name, utc_now()))
            return 0

        return run

    with time_machine.travel(NOW, tick=False) as traveller:

        def sleep(seconds: float) -> None:
            traveller.shift(timedelta(seconds=seconds))
            if utc_now() >= NOW + timedelta(days=1):
                stop.request(15)

        run_forever(
            case.config.settings.worker,
            sync=job("sync"),
            report=job("report"),
            stop=stop,
            sleep=sleep,
        )
    return ran


def _copy_documents(folder: Path) -> None:
    for name, text in DOCUMENTS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(text.encode())


def _postmortems(folder: Path) -> dict[str, str]:
    """The post-mortems' text, by name: what a person finds in the files."""
    return {
        name: (folder / name).read_bytes().decode()
        for name in DOCUMENTS
        if name.startswith("postmortems/")
    }


def _edits(plan: Plan) -> list[tuple[str, list[str], str]]:
    return [(e.source, [i.reason for i in e.edits], e.diff) for e in plan.edits]


def _close_by_hand(fake: FakeTracker, title: str, resolution: Literal["done", "wont_do"]) -> None:
    [key] = [k for k, t in fake.tickets.items() if t.title.startswith(title)]
    fake.tickets[key] = fake.tickets[key].model_copy(
        update={"done": True, "resolution": resolution, "status_category": "done"}
    )


def _tick_by_hand(folder: Path, title: str) -> None:
    path = folder / "postmortems/inc-3101.md"
    text = path.read_bytes().decode()
    assert f"- [ ] {title}" in text
    path.write_bytes(text.replace(f"- [ ] {title}", f"- [x] {title}").encode())


def written_back(case: Case) -> object:
    """Two syncs of a copy of the documents: between them a person closes one ticket as done
    and one as won't do, and ticks an item in its post-mortem. What the files then say, the
    edits each sync planned (with their diffs), and the writes each fake tracker was asked for."""
    folder = case.scratch / "workspace"
    _copy_documents(folder)
    config = parse_config(case.data, base_dir=folder, environ=ENV)
    with memory_state(case) as store:
        c = Cycle(config, store, fakes(config))
        first = c.sync()
        _close_by_hand(c.trackers["ops-jira"], "Raise the connection pool limit", "done")
        _close_by_hand(c.trackers["ops-jira"], "Add an alert on pool saturation", "wont_do")
        _tick_by_hand(folder, "Write a runbook for connection exhaustion")
        second = c.sync()
        return (
            [_edits(first.plan), _edits(second.plan)],
            {name: t.writes for name, t in c.trackers.items()},
            _postmortems(folder),
        )


GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "syncer",
    "GIT_AUTHOR_EMAIL": "syncer@example.test",
    "GIT_AUTHOR_DATE": "2026-11-27T12:00:00Z",
    "GIT_COMMITTER_NAME": "syncer",
    "GIT_COMMITTER_EMAIL": "syncer@example.test",
    "GIT_COMMITTER_DATE": "2026-11-27T12:00:00Z",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}
REMOTES = ("origin", "upstream")


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(  # fixed arguments, no shell
        ["git", "-C", str(folder), *args],  # git from the PATH
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _branches(bare: Path) -> dict[str, object]:
    """A bare repository's branches: each one's commit subject, whether it sits on ``main``,
    and the files it changes from ``main`` (no commit ids: they are not what a person reads)."""
    main = _git(bare, "rev-parse", "refs/heads/main")
    seen: dict[str, object] = {}
    for ref in _git(bare, "for-each-ref", "--format=%(refname)", "refs/heads").splitlines():
        changed = _git(bare, "diff", "--name-only", main, ref).splitlines()
        seen[ref] = (
            _git(bare, "log", "-1", "--format=%s", ref),
            ref != "refs/heads/main" and _git(bare, "rev-parse", f"{ref}^") == main,
            {path: _git(bare, "show", f"{ref}:{path}") for path in changed},
        )
    return seen


def pushed(case: Case) -> object:
    """A sync of a git checkout of the documents whose remotes are bare repositories on disk:
    the branches each remote then holds (and the files on them), and whether the checkout
    was left as it was."""
    checkout = case.scratch / "checkout"
    _copy_documents(checkout)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in GIT_ENVIRONMENT.items():
            patch.setenv(name, value)
        _git(checkout, "init", "--quiet", "--initial-branch=main")
        _git(checkout, "add", ".")
        _git(checkout, "commit", "--quiet", "-m", "post-mortems")
        for remote in REMOTES:
            bare = case.scratch / f"{remote}.git"
            _git(case.scratch, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
            _git(checkout, "remote", "add", remote, str(bare))
            _git(checkout, "push", "--quiet", remote, "main")
        config = parse_config(case.data, base_dir=checkout, environ=ENV)
        with cycle(Case(case.data, config, checkout, case.scratch)) as c:
            c.sync()
        return (
            {remote: _branches(case.scratch / f"{remote}.git") for remote in REMOTES},
            _git(checkout, "status", "--porcelain"),
            _git(checkout, "branch", "--format=%(refname)"),
        )


SANDBOX_REPOSITORIES = ("acme/web", "acme/ops", "acme/postmortems", "acme/docs")


def _sandbox_files(sandbox: Sandbox, repository: str) -> dict[str, object]:
    """A sandbox repository's pull requests, and the files each branch changes from ``main``."""
    repo = sandbox.state.github_repo(*repository.split("/"))
    assert repo is not None
    files = {c.sha: c.files for c in repo.commits}
    main = files.get(repo.branches.get(repo.default_branch, ""), {})
    return {
        "pulls": [
            (p.number, p.head, p.base, p.state, p.title, p.body)
            for p in sorted(repo.pulls, key=lambda p: p.number)
        ],
        "branches": {
            branch: {
                path: base64.b64decode(data).decode()
                for path, data in sorted(files[sha].items())
                if main.get(path) != data
            }
            for branch, sha in sorted(repo.branches.items())
        },
    }


def proposed(case: Case) -> object:
    """A sync with each GitHub tracker pointed at a sandbox of its own (the documents on every
    repository's ``main``), the other trackers fakes: what each sandbox's repositories then
    hold (pull requests, and the files on each branch), and what the sync said of it."""
    github = [n for n, t in case.config.settings.trackers.items() if isinstance(t, GitHubConfig)]
    folder = case.scratch / "workspace"
    _copy_documents(folder)
    with ExitStack() as stack:
        sandboxes = {
            name: stack.enter_context(
                Sandbox("cloud", jira_projects=(), github_repos=SANDBOX_REPOSITORIES)
            )
            for name in github
        }
        documents = {n: t.encode() for n, t in DOCUMENTS.items() if n.startswith("postmortems/")}
        for sandbox in sandboxes.values():
            for repository in SANDBOX_REPOSITORIES:
                sandbox.commit_github_files(repository, documents, message="post-mortems")
        data = merged(case.data, {"trackers": {n: {"url": s.url} for n, s in sandboxes.items()}})
        environ = {f"{env_prefix(n)}TOKEN": s.github_token for n, s in sandboxes.items()}
        config = parse_config(data, base_dir=folder, environ={**ENV, **environ})
        real = {n: t for n, t in open_trackers(config).items() if n in sandboxes}
        for tracker in real.values():
            stack.callback(tracker.close)
        with memory_state(case) as store:
            outcome = Cycle(config, store, fakes(config), real=real).sync()
        said = [f.message for f in outcome.plan.findings if f.kind == "write_back"]
        for name, sandbox in sandboxes.items():
            said = [m.replace(sandbox.url, f"<{name}>") for m in said]
        return (
            {
                name: {r: _sandbox_files(s, r) for r in SANDBOX_REPOSITORIES}
                for name, s in sandboxes.items()
            },
            said,
            _postmortems(folder),
        )


INCIDENT = Incident(id="INC-3101", title="Orders outage", date=date(2026, 10, 2), severity="SEV2")
ITEM = ActionItem(
    key=make_item_key("INC-3101", "Raise the pool limit"),
    title="Raise the pool limit",
    owner="alice",
    priority="P1",
    source="postmortems/inc-3101.md",
    line=14,
    end_line=14,
)
REFS = (
    TicketRef(system="jira", key="OPS-12"),
    TicketRef(system="jira", key="SRE-12"),
    TicketRef(system="jira", key="x", url="https://jira.example.test/browse/OPS-12"),
    TicketRef(system="github", key="acme/web#7"),
    TicketRef(system="github", key="acme/ops#7"),
    TicketRef(system="github", key="x", url="https://github.com/acme/web/issues/7"),
)
TRANSITIONS = [
    {"id": "11", "name": "Start", "to": STATUSES["indeterminate"]},
    {"id": "21", "name": "Done", "to": STATUSES["done"]},
    {"id": "31", "name": "Won't do", "to": STATUSES["done"]},
    {"id": "41", "name": "Back to work", "to": STATUSES["indeterminate"]},
    {"id": "51", "name": "Reopen", "to": STATUSES["new"]},
]


class FakeApi:
    """Answers Jira's and GitHub's REST paths well enough for one ticket's life; remembers
    whether it is closed."""

    def __init__(self) -> None:
        self.closed = False
        self.body = ""

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        url = str(request.url)
        host = re.match(r"https?://[^/]+", url)
        origin = host.group(0) if host else ""
        path = re.sub(r"\?.*", "", url[len(origin) :])
        sent = json.loads(request.body) if request.body else None
        answer = self.answer(request.method, path, sent, origin)
        if answer is None:
            return 404, {}, json.dumps({"errorMessages": ["no such thing"], "message": "Not Found"})
        status, data = answer
        text = "" if status == 204 else json.dumps(data)
        return status, {"Content-Type": "application/json"}, text

    def answer(self, method: str, path: str, sent: Any, origin: str) -> tuple[int, object] | None:
        jira = re.fullmatch(r"/rest/api/2/(.*)", path)
        if jira:
            return self.jira(method, jira.group(1), sent, origin)
        github = re.fullmatch(r"(?:/api/v3)?/repos/([^/]+/[^/]+)(/.*)?", path)
        if github:
            return self.github(method, github.group(1), github.group(2) or "", sent)
        return None

    def jira(self, method: str, rest: str, sent: Any, origin: str) -> tuple[int, object] | None:
        if rest == "field":
            return 200, JIRA_FIELDS
        if rest == "issue" and method == "POST":
            return 201, {"id": "10001", "key": "OPS-1", "self": f"{origin}/rest/api/2/issue/10001"}
        if rest in ("search/jql", "search"):
            return 200, {"issues": [], "isLast": True, "total": 0, "startAt": 0}
        if re.fullmatch(r"issue/([A-Z]+-\d+|\d+)/transitions", rest):
            if method == "POST":
                chosen = next(t for t in TRANSITIONS if t["id"] == str(sent["transition"]["id"]))
                self.closed = chosen["to"] == STATUSES["done"]
                return 204, {}
            return 200, {"transitions": TRANSITIONS}
        if re.fullmatch(r"issue/([A-Z]+-\d+|\d+)/properties/.*", rest):
            return 200, {}
        if re.fullmatch(r"issue/([A-Z]+-\d+|\d+)", rest):
            if method == "PUT":
                return 204, {}
            issue = jira_issue("OPS-1", status="done" if self.closed else "new")
            return 200, issue | {"self": f"{origin}/rest/api/2/issue/10001"}
        return None

    def github(self, method: str, repo: str, rest: str, sent: Any) -> tuple[int, object] | None:
        if rest == "/milestones":
            return (201, {"number": 9, "title": sent["title"]}) if method == "POST" else (200, [])
        if rest == "/issues" and method == "POST":
            self.body = sent["body"]
            return 201, github_issue(1, repo=repo, body=self.body, labels=tuple(sent["labels"]))
        if rest == "/issues":
            return 200, []
        if rest == "/issues/1":
            if method == "PATCH":
                self.closed = sent.get("state", "closed" if self.closed else "open") == "closed"
                self.body = sent.get("body", self.body)
            state = "closed" if self.closed else "open"
            return 200, github_issue(1, repo=repo, body=self.body, state=state)
        return None


def _recorded(call: Any) -> tuple[object, ...]:
    request = call.request
    auth = str(request.headers.get("Authorization", ""))
    return (
        request.method,
        request.url,
        json.loads(request.body) if request.body else None,
        request.req_kwargs.get("timeout"),
        hashlib.sha256(auth.encode()).hexdigest()[:12],
    )


def _attempt(step: Callable[[], object]) -> str:
    try:
        return str(step())
    except TrackerError as exc:
        return f"error: {exc}"


def _life_of_a_ticket(tracker: Tracker, fields: TicketFields) -> list[str]:
    """Create a ticket, edit and close it, reopen it, close it as won't do, list the managed
    tickets: what came back."""
    try:
        ref = tracker.create(ITEM.key, fields).ref
    except TrackerError as exc:
        return [f"error: {exc}"]
    edited = fields.model_copy(
        update={"title": "Raise the pool limit to 200", "due": date(2026, 12, 1)}
    )
    closed = edited.model_copy(update={"done": True})
    wont_do = edited.model_copy(update={"done": True, "wont_do": True})
    return [
        str(ref),
        _attempt(lambda: tracker.update(ref, closed, changed={"title", "due", "done"})),
        _attempt(lambda: tracker.update(ref, edited, changed={"done"})),
        _attempt(lambda: tracker.update(ref, wont_do, changed={"done"})),
        _attempt(tracker.list_managed),
        _attempt(lambda: _two_more(tracker, fields)),
    ]


def _two_more(tracker: Tracker, fields: TicketFields) -> list[str]:
    """Two more tickets, as apply sends them: in one request where the adapter creates in bulk
    (Jira's ``bulk_create``), else one by one."""
    keys = [f"{ITEM.key}-b{n}" for n in (1, 2)]
    if tracker.bulk_size > 1:
        made = tracker.create_many([BulkCreate(key=key, fields=fields) for key in keys])
        return [r.ref.key if isinstance(r, Ticket) else f"error: {r}" for r in made]
    return [tracker.create(key, fields).ref.key for key in keys]


def adapters(case: Case) -> object:
    """Per tracker: what the adapter renders and owns, and every request it sends creating,
    editing, closing, reopening and closing as won't do one ticket, then listing its tickets."""
    seen: dict[str, object] = {}
    for name, tracker in open_trackers(case.config).items():
        fields, _ = desired_fields(case.config.policy, name, ITEM, INCIDENT)
        rendered = tracker.render(fields)
        # One catch-all answer per method (not every method is used): what was asked is the
        # observable, so nothing is registered request by request.
        with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
            answer = FakeApi()
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                api.add_callback(method, re.compile(r"https?://.*"), callback=answer)
            answers = _life_of_a_ticket(tracker, rendered)
            seen[name] = (
                rendered.model_dump(mode="json"),
                [tracker.owns(r) for r in REFS],
                answers,
                [_recorded(call) for call in api.calls],
            )
    return seen


_written = itertools.count()


def new_postmortem(case: Case) -> object:
    """The post-mortem ``syncer new --config`` writes."""
    path = case.workspace / f"syncer-{next(_written)}.toml"
    path.write_text(toml_text(case.data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    case.scratch.mkdir(parents=True)
    try:
        argv = ["new", "INC-9", "--config", str(path), "--dir", str(case.scratch)]
        code = main(argv, env=ENV, stdout=out, stderr=err)
    finally:
        path.unlink()
    return code, err.getvalue(), (case.scratch / "incident-INC-9-post-mortem.md").read_text()


# -- the probes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A value to set a key to, what a user would see change, and what must be set beside it."""

    value: object
    observe: Observable
    base: Mapping[str, Any] = field(default_factory=dict)
    deprecated: bool = False


ROUTE = {"routes": [{"tracker": "gh"}]}
JIRA_ROUTE = {"routes": [{"tracker": "ops-jira"}]}
TO_GITHUB = {"default_tracker": "gh"}
BUSINESS = {"deadlines": {"day_kind": "business"}}
TEAM: dict[str, Any] = {"report": {"teams": {"web": {}}}}
WEBHOOK = {"report": {"teams": {"web": {"webhook": True}}}}
OWNERS = {"trackers": {"ops-jira": {"owners": {"alice": "acc-alice", "carol": "acc-carol"}}}}
MILESTONES = {"trackers": {"gh": {"due_as_milestone": True}}}
HOLIDAY = [date(2026, 10, 15)]
WRITE_BACK = {"sources": {"write_back": True}}
PUSH = {"sources": {"write_back": True, "push": {}}}
PULL_REQUEST = {
    "sources": {
        "write_back": True,
        "pull_request": {"tracker": "gh", "repository": "acme/postmortems"},
    }
}
DOCS = {"trackers": {"docs": {"type": "github", "repository": "acme/docs"}}}

PROBES: dict[str, Probe] = {
    "instance": Probe("team-a", adapters),
    "default_tracker": Probe("gh", desired),
    "sources.paths": Probe(["postmortems", "archive"], documents),
    "sources.exclude": Probe(["**/drafts/*"], documents),
    "sources.root": Probe("postmortems", documents),
    "sources.base_url": Probe("https://git.example.test/ops/blob/main", desired),
    "sources.template": Probe("templates/postmortem.md", new_postmortem),
    "sources.allow_empty": Probe(True, documents, base={"sources": {"paths": ["empty"]}}),
    "sources.confidence": Probe(0.05, documents),
    # write-back: the first probe of each observable has the feature on in its base
    "sources.write_back_status": Probe(False, written_back, base=WRITE_BACK),
    "sources.write_back": Probe(True, written_back),
    "sources.close_from_document": Probe(False, written_back),
    "sources.write_back_ticket_column": Probe(True, written_back, base=WRITE_BACK),
    "sources.push.remote": Probe("upstream", pushed, base=PUSH),
    "sources.push.branch": Probe("syncer/links", pushed, base=PUSH),
    "sources.pull_request.repository": Probe("acme/docs", proposed, base=PULL_REQUEST),
    "sources.pull_request.tracker": Probe("docs", proposed, base=merged(PULL_REQUEST, DOCS)),
    "sources.pull_request.folder": Probe("handbook/incidents", proposed, base=PULL_REQUEST),
    "sources.pull_request.branch": Probe("syncer/links", proposed, base=PULL_REQUEST),
    "state.path": Probe("elsewhere/state.db", state),
    "state.url": Probe("postgresql://syncer@db.example.test:5432/syncer", state),
    "state.shard": Probe("blue", state),
    "state.shards": Probe(
        {"a": ["postmortems/inc-3101.md"], "b": ["**"]}, documents, base={"state": {"shard": "a"}}
    ),
    "routes[].tracker": Probe("ops-jira", desired, base=ROUTE),
    "routes[].team": Probe("web", desired, base=ROUTE),
    "routes[].service": Probe("orders-db", desired, base=ROUTE),
    "routes[].path": Probe("postmortems/inc-3102.md", desired, base=ROUTE),
    "routes[].issue_type": Probe("Bug", desired, base=JIRA_ROUTE),
    "deadlines.days": Probe({"sev2": 7}, desired),
    "deadlines.default_days": Probe(3, desired),
    "deadlines.day_kind": Probe("business", desired),
    "deadlines.holidays": Probe(HOLIDAY, desired, base=BUSINESS),
    "deadlines.holiday_country": Probe("US", desired, base=BUSINESS),
    "policies.due_days": Probe({"SEV2": 7}, desired, deprecated=True),
    "policies.default_due_days": Probe(3, desired, deprecated=True),
    "policies.stale_days": Probe(30, report, deprecated=True),
    "report.deadline_days": Probe({"SEV2": 7}, desired, deprecated=True),
    "report.day_kind": Probe("business", desired, deprecated=True),
    "report.holidays": Probe(HOLIDAY, desired, base=BUSINESS, deprecated=True),
    "report.holiday_country": Probe("US", desired, base=BUSINESS, deprecated=True),
    "report.timezone": Probe("Pacific/Kiritimati", report),
    "report.stale_after_days": Probe(30, report),
    "report.in_progress_stale_days": Probe(60, report),
    "report.draft_max_age_days": Probe(30, report),
    "report.trend_weeks": Probe(4, report),
    "report.url": Probe("https://reports.example.test/", delivery, base=WEBHOOK),
    "report.teams.<team>.publish_to": Probe("gh", delivery, base=TEAM),
    "report.teams.<team>.webhook": Probe(True, delivery, base=TEAM),
    "report.teams.<team>.webhook_env": Probe("WEB_HOOK", delivery, base=WEBHOOK),
    "report.teams.<team>.report_url": Probe(
        "https://reports.example.test/web", delivery, base=WEBHOOK
    ),
    "report.teams.<team>.nudge_every_days": Probe(7, delivery, base=merged(TEAM, OWNERS)),
    "report.due_soon_days": Probe(60, report),
    "report.deliver": Probe("daily", deliveries, base=WEBHOOK),
    "report.deliver_day": Probe("wednesday", deliveries, base=WEBHOOK),
    "report.deliver_at": Probe("17:00", deliveries, base=WEBHOOK),
    "worker.report_day": Probe("tuesday", schedule, base={"worker": {"report_at": "13:00"}}),
    "worker.sync_every_minutes": Probe(60, schedule),
    "sync.full_every_hours": Probe(1, reads),
    "sync.changes_margin_minutes": Probe(30, reads),
    "trackers.<jira>.bulk_create": Probe(False, adapters),
    "worker.report_at": Probe("09:00", schedule),
    "worker.timezone": Probe("Asia/Tokyo", schedule, base={"worker": {"report_at": "09:00"}}),
    # Jira
    "trackers.<jira>.type": Probe(Table({"type": "github", "repository": "acme/ops"}), adapters),
    "trackers.<jira>.url": Probe("https://jira.other.test", adapters),
    "trackers.<jira>.flavor": Probe("server", adapters),
    "trackers.<jira>.project": Probe("SRE", adapters),
    "trackers.<jira>.email": Probe("someone@example.test", adapters),
    "trackers.<jira>.issue_type": Probe("Bug", adapters),
    "trackers.<jira>.components": Probe(["Backend"], adapters),
    "trackers.<jira>.close_transition": Probe("Won't do", adapters),
    "trackers.<jira>.reopen_transition": Probe("Back to work", adapters),
    "trackers.<jira>.close_resolution": Probe("Fixed", adapters),
    "trackers.<jira>.wont_do_resolution": Probe("Won't Fix", adapters),
    "trackers.<jira>.due_field": Probe("Target date", adapters),
    "trackers.<jira>.key_field": Probe("Syncer key", adapters),
    "trackers.<jira>.custom_fields": Probe({"Incident": "{incident_slug}"}, adapters),
    "trackers.<jira>.timeout_seconds": Probe(5, adapters),
    "trackers.<jira>.labels": Probe(["incident-follow-up"], desired),
    "trackers.<jira>.owners": Probe({"alice": "acc-alice"}, desired),
    "trackers.<jira>.priorities": Probe({"P1": "Highest", "SEV2": "High"}, desired),
    "trackers.<jira>.overwrite": Probe(["title", "assignee"], resync),
    "trackers.<jira>.pacing.seconds_between_writes": Probe(0, sync),
    "trackers.<jira>.pacing.max_creates_per_run": Probe(1, sync),
    "trackers.<jira>.search_lag_seconds": Probe(0, lost_create),
    # GitHub
    "trackers.<github>.type": Probe(
        Table(
            {
                "type": "jira",
                "url": "https://jira.example.test",
                "project": "WEB",
                "email": "bot@example.test",
            }
        ),
        adapters,
    ),
    "trackers.<github>.url": Probe("https://github.example.test/api/v3", adapters),
    "trackers.<github>.repository": Probe("acme/ops", adapters),
    "trackers.<github>.milestone": Probe(4, adapters),
    "trackers.<github>.close_reason": Probe("not_planned", adapters),
    "trackers.<github>.due_as_milestone": Probe(True, adapters),
    "trackers.<github>.milestone_title": Probe("Due by {due}", adapters, base=MILESTONES),
    "trackers.<github>.timeout_seconds": Probe(5, adapters),
    "trackers.<github>.labels": Probe(["incident-follow-up"], desired, base=TO_GITHUB),
    "trackers.<github>.owners": Probe({"alice": "alice-gh"}, desired, base=TO_GITHUB),
    "trackers.<github>.priorities": Probe({"P1": "priority: high"}, desired, base=TO_GITHUB),
    "trackers.<github>.overwrite": Probe(["title", "assignee"], resync, base=TO_GITHUB),
    "trackers.<github>.pacing.seconds_between_writes": Probe(0, sync, base=TO_GITHUB),
    "trackers.<github>.pacing.max_creates_per_run": Probe(1, sync, base=TO_GITHUB),
    "trackers.<github>.search_lag_seconds": Probe(600, lost_create, base=TO_GITHUB),
}


# -- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    for name, text in DOCUMENTS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


_seen: dict[str, object] = {}
"""What an observable shows of a probe's base configuration, computed once per base."""


def observe(probe: Probe, case: Case, *, remember: bool) -> object:
    if not remember:
        return probe.observe(case)
    known = f"{probe.observe.__name__} {json.dumps(case.data, sort_keys=True, default=str)}"
    if known not in _seen:
        _seen[known] = probe.observe(case)
    return _seen[known]


@pytest.mark.parametrize("key", KEYS)
def test_each_key_changes_behaviour(key: str, workspace: Path, tmp_path: Path) -> None:
    probe = PROBES.get(key)
    if probe is None:
        pytest.fail(f"add a probe for {key}")
    before = merged(BASE, probe.base)
    after = with_value(before, key, probe.value)
    default = parse_config(before, base_dir=workspace, environ=ENV)
    changed = parse_config(after, base_dir=workspace, environ=ENV)

    assert default.deprecations == ()
    named = {warning.split(":")[0] for warning in changed.deprecations}
    assert named == ({key} if probe.deprecated else set())

    seen = observe(probe, Case(before, default, workspace, tmp_path / "before"), remember=True)
    now = observe(probe, Case(after, changed, workspace, tmp_path / "after"), remember=False)
    assert now != seen, f"{key} = {probe.value!r} changes nothing {probe.observe.__name__} shows"


def test_every_probe_is_of_a_key() -> None:
    """A renamed or removed key takes its probe with it."""
    assert sorted(set(PROBES) - set(KEYS)) == []


def test_the_walk_finds_keys_in_every_kind_of_place() -> None:
    assert {
        "instance",
        "sources.paths",
        "routes[].issue_type",
        "report.teams.<team>.webhook_env",
        "trackers.<jira>.pacing.max_creates_per_run",
        "trackers.<github>.milestone_title",
        "trackers.<jira>.labels",
        "trackers.<github>.labels",
    } <= set(KEYS)
    assert not any(key.endswith((".trackers", ".pacing", ".teams")) for key in KEYS)


def _one_probe_per_observable() -> list[tuple[str, str]]:
    first: dict[str, str] = {}
    for key, probe in PROBES.items():
        first.setdefault(probe.observe.__name__, key)
    return sorted(first.items())


@pytest.mark.parametrize(("observable", "key"), _one_probe_per_observable())
def test_each_observable_is_the_same_for_the_same_configuration(
    observable: str, key: str, workspace: Path, tmp_path: Path
) -> None:
    """What makes a difference above is the key, never the clock, a path or an order."""
    probe = PROBES[key]
    data = merged(BASE, probe.base)
    config = parse_config(data, base_dir=workspace, environ=ENV)
    first = observe(probe, Case(data, config, workspace, tmp_path / "first"), remember=True)
    again = observe(probe, Case(data, config, workspace, tmp_path / "again"), remember=False)
    assert again == first
