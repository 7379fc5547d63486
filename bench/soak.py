"""Soak: syncer against the sandbox behind a fault-injecting proxy, while people edit.

    python bench/soak.py --cycles 1000 [--seed 17] [--max-seconds 0]
    python bench/soak.py --seconds 60            # the short profile tests/soak runs

Starts the Jira (Cloud) and GitHub stand-ins on loopback and, in front of them, a proxy of its
own that injects faults (``syncer.sandbox.faults``: lost answers after writes, 429 with
Retry-After, 502, dropped connections, latency). Each cycle it

1. edits the post-mortems as people do (tick, untick, reword, remove, append, move an item to
   another post-mortem, rename a post-mortem, reroute one to the other tracker, change the
   installation's ``instance``), edits tickets as people do (due date, assignee, close as
   won't do, delete, comment), and sometimes deletes the state file;
2. runs ``syncer sync`` as a child process through the proxy, in about half the cycles with
   faults on, and sometimes SIGKILLs or SIGTERMs it at a random moment;
3. checks the invariants: at most one open ticket per item; every item that has been there for
   two fault-free cycles has its ticket (unless a person deleted it); no person's edit
   overwritten; syncer's close and reopen comments alternate (at most one per transition) and
   no syncer comment is posted twice in a row; no byte of any post-mortem changed (syncer's
   own edits aside: this configuration has none).

It prints cycles, faults by kind, kills by signal, edits by kind and violations (must be 0),
and exits 1 if there was any violation. Every random choice comes from ``--seed``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import multiprocessing
import multiprocessing.process
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from syncer.cli import main as syncer_main  # imported here, so a forked worker starts at once
from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.faults import Fault, FaultKind, FaultPlan
from syncer.sandbox.store import jira_account_id
from syncer.shell.trackers.base import last_transition_note

WRITES = ("POST", "PUT", "PATCH", "DELETE")
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
NOTES = ("syncer closed this issue", "syncer reopened this issue")
TEAMS = ("web", "payments")
"""``web`` routes to GitHub, anything else to Jira (the demo configuration's one route)."""
INSTANCES = ("syncer", "soak")


# -- the fault-injecting proxy --------------------------------------------------------------


class FaultProxy:
    """An HTTP proxy on loopback in front of ``target``; ``faults`` decides what goes wrong."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.faults = FaultPlan()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                return

            def handle_one(self) -> None:
                proxy.forward(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_one  # noqa: N815

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                return  # a worker killed mid-request: its connection is gone, nothing to say

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    def set_faults(self, rng: random.Random, *, on: bool) -> None:
        self.faults.clear()
        if not on:
            return
        seed = rng.randrange(1 << 30)
        chance = rng.choice((0.02, 0.05, 0.1))
        self.faults.add(Fault(FaultKind.LATENCY, probability=0.3, seed=seed, latency_ms=40))
        for n, method in enumerate(WRITES):
            self.faults.add(
                Fault(FaultKind.LOST_RESPONSE, method=method, probability=chance * 3, seed=seed + n)
            )
        self.faults.add(Fault(FaultKind.RATE_LIMIT, probability=chance / 2, seed=seed + 7))
        self.faults.add(Fault(FaultKind.STATUS, probability=chance / 2, seed=seed + 8, status=502))
        self.faults.add(Fault(FaultKind.DROPPED, probability=chance / 2, seed=seed + 9))

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        method, path = handler.command, handler.path
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        hit = self.faults.take(method, urlsplit(path).path)
        for fault in hit:
            if fault.kind is FaultKind.LATENCY:
                self.count("latency")
                time.sleep(fault.latency_ms / 1000)
        kinds = {f.kind for f in hit}
        if FaultKind.DROPPED in kinds:
            self.count("dropped")
            handler.close_connection = True
            return
        if FaultKind.RATE_LIMIT in kinds or FaultKind.STATUS in kinds:
            status = 429 if FaultKind.RATE_LIMIT in kinds else 502
            self.count("429" if status == 429 else "502")
            payload = b'{"errorMessages": ["injected by the soak proxy"], "message": "injected"}'
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            if status == 429:
                handler.send_header("Retry-After", "1")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        connection = http.client.HTTPConnection(*self.target, timeout=60)
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "connection"}
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        if FaultKind.LOST_RESPONSE in kinds:
            self.count("lost answer")
            handler.close_connection = True
            return
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the worker --------------------------------------------------------------------------------


def _forked(argv: list[str], env: dict[str, str], cwd: Path, out: Path) -> None:
    os.chdir(cwd)
    with out.open("w") as stream:
        code = syncer_main(argv, env=env, stdout=stream, stderr=stream)
        stream.flush()
    os._exit(code)


class Worker:
    """One ``syncer`` command: a fork of this process, or (``fresh``) a new interpreter."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path, fresh: bool) -> None:
        self.out = cwd / "worker.out"
        self.out.unlink(missing_ok=True)
        self.process: subprocess.Popen[bytes] | multiprocessing.process.BaseProcess
        if fresh:
            with self.out.open("wb") as stream:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "syncer", *argv],
                    env=env,
                    cwd=cwd,
                    stdout=stream,
                    stderr=stream,
                )
        else:
            self.process = multiprocessing.get_context("fork").Process(
                target=_forked, args=(argv, env, cwd, self.out)
            )
            with warnings.catch_warnings():
                # Python 3.12+ warns about fork in a threaded process (the sandbox and proxy
                # threads); the child only runs syncer, touching none of their locks.
                warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                self.process.start()

    def wait(self, seconds: float | None) -> bool:
        """Whether it ended within ``seconds`` (``None``: however long it takes)."""
        if isinstance(self.process, subprocess.Popen):
            try:
                self.process.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                return False
            return True
        self.process.join(seconds)
        return self.process.exitcode is not None

    def send_signal(self, how: signal.Signals) -> None:
        if isinstance(self.process, subprocess.Popen):
            self.process.send_signal(how)
        elif self.process.pid is not None:
            os.kill(self.process.pid, how)

    @property
    def returncode(self) -> int:
        code = (
            self.process.returncode
            if isinstance(self.process, subprocess.Popen)
            else self.process.exitcode
        )
        assert code is not None
        return code

    def output(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""


# -- the documents, as the soak keeps them ---------------------------------------------------


@dataclass
class Item:
    uid: int
    base: str
    owner: str
    due: date
    suffix: str = ""
    done: bool = False

    @property
    def title(self) -> str:
        return self.base + self.suffix

    def line(self) -> str:
        box = "x" if self.done else " "
        return f"*   [{box}] {self.title} @{self.owner} due {self.due.isoformat()}"


@dataclass
class Doc:
    name: str
    title: str
    explicit_id: str | None
    team: str
    items: list[Item] = field(default_factory=list)

    def text(self) -> str:
        front = [f"id: {self.explicit_id}"] if self.explicit_id else []
        lines = [
            "---",
            *front,
            f"title: {self.title}",
            "date: 2026-10-02",
            "severity: SEV2",
            f"team: {self.team}",
            "---",
            "",
            f"# {self.title}",
            "",
            "## Summary",
            "A post-mortem the soak edits as people do.",
            "",
            "## Action Items",
            *(item.line() for item in self.items),
            "",
        ]
        return "\n".join(lines)


@dataclass
class SeenTicket:
    """A ticket as the invariants see it, read from the sandbox directly (not via the proxy)."""

    where: str
    """``jira:OPS-3`` or ``github:7``."""
    title: str
    open: bool
    managed: bool
    assignee: str | None
    due: date | None
    comments: list[str]


@dataclass
class PersonEdit:
    where: str
    uid: int
    kind: str
    value: object
    done: bool


@dataclass
class Result:
    cycles: int = 0
    seconds: float = 0.0
    faulty_cycles: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    edits: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def counted(counter: Counter[str] | Counter[int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=str)) or "none"

        return [
            f"cycles: {self.cycles} in {self.seconds:.0f} s ({self.faulty_cycles} with faults)",
            f"faults by kind: {counted(self.faults)}",
            f"kills by signal: {counted(self.kills)}",
            f"edits by kind: {counted(self.edits)}",
            f"sync exit codes: {counted(self.exits)}",
            f"violations: {len(self.violations)}",
            *(f"  - {v}" for v in self.violations[:50]),
        ]


class Soak:
    def __init__(
        self, work: Path, sandbox: Sandbox, proxy: FaultProxy, seed: int, *, verbose: bool = False
    ) -> None:
        self.work = work
        self.verbose = verbose
        self.log: list[str] = []
        """The last cycles' output (``verbose``), shown with a violation."""
        self.docs_dir = work / "postmortems"
        self.docs_dir.mkdir()
        self.sandbox = sandbox
        self.proxy = proxy
        self.rng = random.Random(seed)
        self.result = Result()
        self.docs: list[Doc] = []
        self.uids = 0
        self.names = 0
        self.history: dict[int, set[str]] = {}
        """Every title an item has had: its tickets are known by them."""
        self.calm: dict[int, int] = {}
        """Fault-free cycles since the item last changed in a way its ticket must follow."""
        self.deleted: set[int] = set()
        """Items whose ticket a person deleted: reported, not re-created (or re-created)."""
        self.person: list[PersonEdit] = []
        self.files: dict[str, bytes] = {}
        self.instance = INSTANCES[0]
        self.adopting = 2
        """Fault-free cycles since ``instance`` changed."""
        self.state_calm = 2
        """Fault-free cycles since state was last deleted."""
        self.seen: set[str] = set()
        self.env = dict(os.environ)
        self.env.update(
            demo.sandbox_env(
                jira_token=sandbox.jira_token,
                jira_email=sandbox.jira_email,
                github_token=sandbox.github_token,
                flavor="cloud",
            )
        )
        for _ in range(3):
            doc = self.new_doc()
            for _ in range(3):
                doc.items.append(self.new_item())
            self.docs.append(doc)
        self.write_config()
        self.write_docs()

    # -- the world --------------------------------------------------------------------------

    def word(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(3))

    def new_item(self) -> Item:
        self.uids += 1
        # Five words of its own: a rewording (one new word at the end) stays close enough for
        # the ticket to follow it, even into another post-mortem.
        base = " ".join(self.word() for _ in range(5)).capitalize()
        due = date(2027, 1, 1) + timedelta(days=self.rng.randrange(300))
        item = Item(uid=self.uids, base=base, owner=self.rng.choice(demo.PEOPLE), due=due)
        self.history[item.uid] = {item.title}
        self.calm[item.uid] = 0
        return item

    def new_doc(self) -> Doc:
        self.names += 1
        explicit = f"INC-{7000 + self.names}" if self.rng.random() < 0.5 else None
        return Doc(
            name=f"soak-{self.names}",
            title=f"Soak outage {self.word()}",
            explicit_id=explicit,
            team=self.rng.choice(TEAMS),
        )

    def items(self) -> list[Item]:
        return [item for doc in self.docs for item in doc.items]

    def write_config(self) -> None:
        config = demo.sandbox_config(
            self.proxy.url,
            flavor="cloud",
            project="OPS",
            repository="acme/platform",
            jira_accounts={p: jira_account_id(p) for p in demo.PEOPLE},
            jira_email=self.sandbox.jira_email,
        )
        if self.instance != INSTANCES[0]:
            config = config.replace("[sources]", f'instance = "{self.instance}"\n\n[sources]', 1)
        (self.work / "syncer.toml").write_text(config)

    def write_docs(self) -> None:
        for path in self.docs_dir.glob("*.md"):
            path.unlink()
        self.files = {}
        for doc in self.docs:
            data = doc.text().encode()
            (self.docs_dir / f"{doc.name}.md").write_bytes(data)
            self.files[f"{doc.name}.md"] = data

    def changed(self, item: Item) -> None:
        self.history[item.uid].add(item.title)
        self.calm[item.uid] = 0

    def edit_documents(self) -> None:
        kinds = ("tick", "untick", "reword", "remove", "append", "move", "rename", "reroute")
        for _ in range(self.rng.randrange(4)):
            kind = self.rng.choice(kinds)
            items = self.items()
            if kind == "append" or not items:
                doc = self.rng.choice(self.docs)
                doc.items.append(self.new_item())
                kind = "append"
            elif kind in ("tick", "untick"):
                fitting = [i for i in items if i.done == (kind == "untick")]
                if not fitting:
                    continue
                item = self.rng.choice(fitting)
                item.done = not item.done
                self.changed(item)
                self.person = [p for p in self.person if p.uid != item.uid or p.kind != "close"]
            elif kind == "reword":
                item = self.rng.choice(items)
                # A new last word, or (a third of the time) back to a wording it had before:
                # a person undoing an edit.
                earlier = sorted(t for t in self.history[item.uid] if t != item.title)
                if earlier and self.rng.random() < 1 / 3:
                    item.suffix = self.rng.choice(earlier).removeprefix(item.base)
                    self.result.edits["reword back"] += 1
                else:
                    item.suffix = f" {self.word()}"
                self.changed(item)
            elif kind == "remove":
                doc = self.rng.choice([d for d in self.docs if d.items])
                item = doc.items.pop(self.rng.randrange(len(doc.items)))
                self.forget(item)
            elif kind == "move":
                source = self.rng.choice([d for d in self.docs if d.items])
                target = self.rng.choice([d for d in self.docs if d is not source])
                item = source.items.pop(self.rng.randrange(len(source.items)))
                target.items.insert(self.rng.randrange(len(target.items) + 1), item)
                self.changed(item)
            elif kind == "rename":
                doc = self.rng.choice(self.docs)
                self.names += 1
                doc.name = f"soak-{self.names}"
                for item in doc.items:
                    self.changed(item)
            elif kind == "reroute":
                doc = self.rng.choice(self.docs)
                doc.team = TEAMS[1 - TEAMS.index(doc.team)]
            self.result.edits[kind] += 1
        # Only with state that has seen two fault-free runs since it was last deleted: without
        # it nothing tells a renamed installation from a second one (README, instance).
        if self.instance == INSTANCES[0] and self.state_calm >= 2 and self.rng.random() < 0.05:
            # ``instance`` added to a running installation (once: the tickets are adopted by
            # the new name; going back is not a supported change).
            self.instance = INSTANCES[1]
            self.write_config()
            self.adopting = 0
            self.result.edits["instance"] += 1
        self.write_docs()

    def forget(self, item: Item) -> None:
        self.history.pop(item.uid, None)
        self.calm.pop(item.uid, None)
        self.person = [p for p in self.person if p.uid != item.uid]

    # -- tickets ----------------------------------------------------------------------------

    def tickets(self) -> list[SeenTicket]:
        seen = []
        for jira in self.sandbox.jira_issues("OPS"):
            seen.append(
                SeenTicket(
                    where=f"jira:{jira.key}",
                    title=jira.summary,
                    open=jira.status_category != "done",
                    managed=any(label in INSTANCES for label in jira.labels),
                    assignee=jira.assignee,
                    due=jira.duedate,
                    comments=[c.body for c in jira.comments],
                )
            )
        for issue in self.sandbox.github_issues("acme/platform"):
            seen.append(
                SeenTicket(
                    where=f"github:{issue.number}",
                    title=issue.title,
                    open=issue.state == "open",
                    managed=any(label in INSTANCES for label in issue.labels),
                    assignee=issue.assignees[0] if issue.assignees else None,
                    due=None,
                    comments=[c.body for c in issue.comments],
                )
            )
        return seen

    def owner_of(self, ticket: SeenTicket) -> Item | None:
        return next((i for i in self.items() if ticket.title in self.history[i.uid]), None)

    def edit_tickets(self) -> None:
        kinds = ("due", "assignee", "close", "delete", "comment")
        for _ in range(self.rng.randrange(3)):
            owned = [
                (t, item)
                for t in self.tickets()
                if t.managed and (item := self.owner_of(t)) is not None
            ]
            if not owned:
                return
            ticket, item = self.rng.choice(owned)
            kind = self.rng.choice(kinds)
            system, _, ident = ticket.where.partition(":")
            person = self.rng.choice(demo.PEOPLE)
            if kind == "due" and system == "jira":
                value: object = item.due + timedelta(days=self.rng.randrange(1, 60))
                self.sandbox.edit_jira_issue_as(person, ident, duedate=value)  # type: ignore[arg-type]
            elif kind == "assignee":
                value = self.rng.choice([p for p in demo.PEOPLE if p != item.owner])
                if system == "jira":
                    self.sandbox.edit_jira_issue_as(person, ident, assignee=str(value))
                else:
                    self.sandbox.edit_github_issue_as(
                        person, "acme/platform", int(ident), assignee=str(value)
                    )
            elif kind == "close" and ticket.open and not item.done:
                value = True
                if system == "jira":
                    self.sandbox.close_jira_issue(ident, resolution="Won't Do")
                else:
                    self.sandbox.close_github_issue("acme/platform", int(ident))
            elif kind == "delete":
                value = None
                if system == "jira":
                    self.sandbox.delete_jira_issue(ident)
                else:
                    self.sandbox.delete_github_issue("acme/platform", int(ident))
                self.deleted.add(item.uid)
                self.person = [p for p in self.person if p.where != ticket.where]
            elif kind == "comment":
                value = f"A person's note {self.rng.randrange(1 << 20)}"
                if system == "jira":
                    self.sandbox.edit_jira_issue_as(person, ident, comment=str(value))
                else:
                    self.sandbox.edit_github_issue_as(
                        person, "acme/platform", int(ident), comment=str(value)
                    )
            else:
                continue
            if kind != "delete":
                # A later edit of the same field is the one that must stand.
                self.person = [p for p in self.person if (p.where, p.kind) != (ticket.where, kind)]
                self.person.append(PersonEdit(ticket.where, item.uid, kind, value, item.done))
            self.result.edits[f"tracker {kind}"] += 1

    # -- one cycle --------------------------------------------------------------------------

    def cycle(self) -> None:
        self.edit_documents()
        self.edit_tickets()
        # State is the evidence that tickets under the old marker are this installation's: it
        # is kept until the adopting sync has surely run (two fault-free cycles).
        lost = self.adopting >= 2 and self.rng.random() < 0.1
        if lost:
            for leftover in self.work.glob("state.db*"):
                leftover.unlink()
            self.state_calm = 0
            self.result.edits["state deleted"] += 1
        # State lost and a tracker down in the same run is not tried: nothing is left to tell
        # where an item's ticket lives (README, the soak's known limits).
        faulty = not lost and self.rng.random() < 0.5
        self.proxy.set_faults(self.rng, on=faulty)
        before = sum(self.proxy.counts.values())
        argv = [
            "sync",
            "--config",
            str(self.work / "syncer.toml"),
            *(["-v"] if self.verbose else []),
        ]
        # Mostly a fork of this process (syncer is imported already: a cycle costs what the
        # sync does); every tenth a fresh interpreter, whose start-up a signal may hit too.
        fresh = self.rng.random() < 0.1
        process = Worker(argv, env=self.env, cwd=self.work, fresh=fresh)
        killed = False
        if not lost and self.rng.random() < 0.25:
            moment = self.rng.uniform(0.05, 2.5 if fresh else 1.2)
            if not process.wait(moment):
                how = self.rng.choice((signal.SIGKILL, signal.SIGTERM))
                process.send_signal(how)
                self.result.kills[how.name] += 1
                killed = True
        if not process.wait(300):
            process.send_signal(signal.SIGKILL)
            process.wait(None)
            self.violation(f"sync did not finish within 300 s: {process.output()[-300:]}")
        output = process.output()
        self.proxy.set_faults(self.rng, on=False)
        code = process.returncode
        self.result.exits[code] += 1
        injected = sum(self.proxy.counts.values()) - before
        self.result.faulty_cycles += faulty
        calm = not killed and injected == 0 and code == 0
        if code not in (0, 1, 3) and not killed:
            self.violation(f"sync exited {code}: {output[-300:]}")
        if calm:
            self.adopting += 1
            self.state_calm += 1
            for uid in self.calm:
                self.calm[uid] += 1
        if self.verbose:
            self.log.append(
                f"=== cycle {self.result.cycles + 1} exit {code} faults {injected} "
                f"killed {killed}\n{output}"
            )
            del self.log[:-40]
        self.check()
        self.result.cycles += 1

    def violation(self, text: str) -> None:
        if text not in self.seen:
            self.seen.add(text)
            if self.verbose:
                print("\n".join(self.log), f"VIOLATION: {text}", sep="\n", file=sys.stderr)
            self.result.violations.append(f"cycle {self.result.cycles + 1}: {text}")

    # -- the invariants ---------------------------------------------------------------------

    def check(self) -> None:
        tickets = self.tickets()
        by_where = {t.where: t for t in tickets}
        for item in self.items():
            mine = [t for t in tickets if t.managed and t.title in self.history[item.uid]]
            open_ones = [t.where for t in mine if t.open]
            if len(open_ones) > 1:
                self.violation(f"item {item.title!r} has {len(open_ones)} open tickets {open_ones}")
            settled = self.calm[item.uid] >= 2 and item.uid not in self.deleted
            if settled and not any(t.title == item.title for t in mine):
                self.violation(f"item {item.title!r} has no ticket after two fault-free cycles")
        for edit in self.person:
            ticket = by_where.get(edit.where)
            if ticket is None:
                continue
            if edit.kind == "due" and ticket.due != edit.value:
                self.violation(f"{edit.where}: a person's due {edit.value} became {ticket.due}")
            if edit.kind == "assignee" and ticket.assignee != edit.value:
                self.violation(
                    f"{edit.where}: a person's assignee {edit.value} became {ticket.assignee}"
                )
            if edit.kind == "close" and ticket.open:
                self.violation(f"{edit.where}: closed by a person as won't do, reopened")
            if edit.kind == "comment" and edit.value not in ticket.comments:
                self.violation(f"{edit.where}: a person's comment is gone")
        for ticket in tickets:
            ours = [c for c in ticket.comments if c.startswith("syncer")]
            # A transition is said "syncer closed this issue: ..." or, when the ticket was
            # already so, "syncer: the post-mortem `X` marks it done too.": both count.
            closes = [n for c in ours if (n := last_transition_note([c])) is not None]
            for was, then in itertools.pairwise(closes):
                if was == then:
                    note = NOTES[0] if was else NOTES[1]
                    self.violation(f"{ticket.where}: {note!r} twice for one transition")
            for first, second in itertools.pairwise(ours):
                if first == second and not first.startswith(NOTES):
                    self.violation(f"{ticket.where}: syncer's comment posted twice: {first!r}")
        on_disk = {p.name: p.read_bytes() for p in self.docs_dir.glob("*.md")}
        if on_disk != self.files:
            changed = sorted(
                n for n in on_disk.keys() | self.files.keys() if on_disk.get(n) != self.files.get(n)
            )
            self.violation(f"post-mortems changed outside syncer's edits: {changed}")


def run_soak(
    *,
    cycles: int | None = None,
    seconds: float | None = None,
    seed: int = 17,
    verbose: bool = False,
    every: int = 0,
) -> Result:
    """Run cycles until ``cycles`` are done or ``seconds`` have passed (whichever is given);
    every ``every`` cycles the counts so far go to stderr."""
    started = time.monotonic()
    with (
        Sandbox("cloud", jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox,
        tempfile.TemporaryDirectory(prefix="syncer-soak-") as folder,
    ):
        proxy = FaultProxy(sandbox.url)
        try:
            soak = Soak(Path(folder), sandbox, proxy, seed, verbose=verbose)
            while True:
                if cycles is not None and soak.result.cycles >= cycles:
                    break
                if seconds is not None and time.monotonic() - started >= seconds:
                    break
                soak.cycle()
                if every and soak.result.cycles % every == 0:
                    soak.result.faults = Counter(proxy.counts)
                    soak.result.seconds = time.monotonic() - started
                    print(*soak.result.lines()[:6], sep="\n", file=sys.stderr, flush=True)
            soak.result.faults = Counter(proxy.counts)
        finally:
            proxy.close()
    soak.result.seconds = time.monotonic() - started
    return soak.result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=None, help="stop after this many cycles")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--every", type=int, default=50, help="print the counts so far every N cycles (stderr)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the last cycles' output at a violation"
    )
    args = parser.parse_args()
    if args.cycles is None and args.seconds is None:
        args.cycles = 1000
    result = run_soak(
        cycles=args.cycles,
        seconds=args.seconds,
        seed=args.seed,
        verbose=args.verbose,
        every=args.every,
    )
    print("\n".join(result.lines()))
    return 1 if result.violations else 0


if __name__ == "__main__":
    sys.exit(main())
