"""``Sandbox``: the public face of the stand-ins, for tests and the CLI.

Owns the life cycle (start on a loopback port in a daemon thread, or serve in the foreground),
the request pipeline (fault injection -> route to Jira, GitHub or the HTML page -> persist ->
log), the state lock, the clock, and the "behind the client's back" operations tests use
(delete or move an issue directly). Reads return deep copies, never live state.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Self

from syncer.sandbox.context import Credentials
from syncer.sandbox.faults import Fault, FaultKind, FaultPlan
from syncer.sandbox.github_api import GithubApi
from syncer.sandbox.github_api import error_response as github_error
from syncer.sandbox.github_git import ensure_main
from syncer.sandbox.jira_api import JiraApi
from syncer.sandbox.jira_api import error_response as jira_error
from syncer.sandbox.page import GITHUB_HTML, JIRA_BROWSE, render_issue_page, render_page
from syncer.sandbox.server import DROP, HttpServer, Request, RequestRecord, Response, _Drop
from syncer.sandbox.store import (
    RESOLUTIONS,
    Flavor,
    GithubComment,
    GithubCommit,
    GithubIssue,
    GithubPull,
    GithubRepo,
    JiraComment,
    JiraIssue,
    State,
    load_state,
    save_state,
    seed_state,
)

Clock = Callable[[], datetime]


class SandboxError(RuntimeError):
    """Misuse of the sandbox: a non-loopback host, starting twice, an unknown issue..."""


class Sandbox:
    """Jira (Cloud or Server flavour) and GitHub stand-ins on one loopback port."""

    def __init__(
        self,
        flavor: Flavor = "cloud",
        *,
        jira_projects: tuple[str, ...] = ("OPS",),
        github_repos: tuple[str, ...] = ("acme/platform",),
        data_path: Path | str | None = None,
        credentials: Credentials | None = None,
        clock: Clock | None = None,
    ) -> None:
        if flavor not in ("cloud", "server"):
            msg = f"flavor must be 'cloud' or 'server', not {flavor!r}"
            raise SandboxError(msg)
        self.flavor: Flavor = flavor
        self.jira_projects = tuple(key.upper() for key in jira_projects)
        self.github_repos = tuple(github_repos)
        self.data_path = Path(data_path) if data_path is not None else None
        self._credentials = credentials or Credentials()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._last_now: datetime | None = None
        self._lock = threading.RLock()
        self._faults = FaultPlan()
        self._requests: list[RequestRecord] = []
        self._server: HttpServer | None = None
        self._generation = 0
        self._state = self._initial_state()
        self._jira = JiraApi(self)
        self._github = GithubApi(self)

    # ------------------------------------------------------------------ context for the APIs

    @property
    def state(self) -> State:
        return self._state

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    def now(self) -> datetime:
        """The clock, at millisecond precision, strictly increasing so every change moves
        ``updated``."""
        with self._lock:
            moment = self._clock().astimezone(UTC)
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            if self._last_now is not None and moment <= self._last_now:
                moment = self._last_now + timedelta(milliseconds=1)
            self._last_now = moment
            return moment

    # ------------------------------------------------------------------ credentials and URLs

    @property
    def jira_email(self) -> str:
        return self._credentials.jira_email

    @property
    def jira_token(self) -> str:
        """The Cloud API token, which is also the Server/DC personal access token."""
        return self._credentials.jira_token

    @property
    def github_token(self) -> str:
        return self._credentials.github_token

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: Jira's server URL and PyGithub's ``base_url`` alike."""
        if self._server is None:
            msg = "the sandbox is not running; call start() first"
            raise SandboxError(msg)
        host, port = self._server.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    # ------------------------------------------------------------------ life cycle

    def start(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False) -> None:
        """Listen on ``host:port`` (0 picks a free port) and serve from a daemon thread."""
        self._bind(host, port, allow_remote=allow_remote)
        assert self._server is not None
        self._server.start()

    def serve_forever(
        self, host: str = "127.0.0.1", port: int = 8765, *, allow_remote: bool = False
    ) -> None:
        """Serve in the calling thread until Ctrl-C, then close the socket."""
        self._bind(host, port, allow_remote=allow_remote)
        assert self._server is not None
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.stop()
            self._server = None

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self, host: str, port: int, *, allow_remote: bool) -> None:
        if self._server is not None:
            msg = "the sandbox is already running"
            raise SandboxError(msg)
        if not allow_remote and not is_loopback(host):
            msg = (
                f"refusing to listen on {host!r}: the sandbox accepts fixed credentials, so it "
                "only binds to loopback addresses unless allow_remote=True"
            )
            raise SandboxError(msg)
        self._server = HttpServer(self._dispatch, host, port)

    def reset(self) -> None:
        """Back to the seed state; also forgets faults and the request log."""
        with self._lock:
            self._state = self._seed()
            self._persist()
        self._faults.clear()
        self.clear_requests()

    def _seed(self) -> State:
        return seed_state(
            flavor=self.flavor,
            jira_projects=self.jira_projects,
            github_repos=self.github_repos,
            jira_email=self._credentials.jira_email,
            github_login=self._credentials.github_login,
            now=self.now(),
        )

    def _initial_state(self) -> State:
        if self.data_path is not None:
            loaded = load_state(self.data_path)
            if loaded is not None:
                if loaded.flavor != self.flavor:
                    msg = (
                        f"{self.data_path} holds a {loaded.flavor} sandbox, not {self.flavor}; "
                        "use another file or the same flavor"
                    )
                    raise SandboxError(msg)
                return loaded
        state = self._seed()
        if self.data_path is not None:
            save_state(state, self.data_path)
        return state

    @property
    def generation(self) -> int:
        return self._generation

    def _persist(self) -> None:
        """Called after every write: moves the generation on and saves, if there is a file."""
        self._generation += 1
        if self.data_path is not None:
            save_state(self._state, self.data_path)

    # ------------------------------------------------------------------ reading state

    def jira_issues(self, project: str) -> list[JiraIssue]:
        """Copies of a project's issues, in key order."""
        with self._lock:
            found = [i for i in self._state.jira_issues if i.project == project.upper()]
            return [i.model_copy(deep=True) for i in sorted(found, key=lambda i: i.number)]

    def jira_issue(self, key: str) -> JiraIssue:
        with self._lock:
            issue = self._state.jira_issue(key)
            if issue is None:
                msg = f"no Jira issue {key}"
                raise SandboxError(msg)
            return issue.model_copy(deep=True)

    def github_issues(self, repo: str) -> list[GithubIssue]:
        """Copies of a repository's issues, in number order."""
        with self._lock:
            found = [i for i in self._state.github_issues if i.repo.casefold() == repo.casefold()]
            return [i.model_copy(deep=True) for i in sorted(found, key=lambda i: i.number)]

    def github_issue(self, repo: str, number: int) -> GithubIssue:
        with self._lock:
            issue = self._state.github_issue(repo, number)
            if issue is None:
                msg = f"no GitHub issue {repo}#{number}"
                raise SandboxError(msg)
            return issue.model_copy(deep=True)

    def github_pulls(self, repo: str) -> list[GithubPull]:
        """Copies of a repository's pull requests, in number order."""
        with self._lock:
            found = self._live_github_repo(repo)
            return [p.model_copy(deep=True) for p in sorted(found.pulls, key=lambda p: p.number)]

    def github_file(self, repo: str, path: str, *, branch: str = "main") -> bytes | None:
        """A file's bytes on a branch, None when the branch or the file is not there."""
        with self._lock:
            found = self._live_github_repo(repo)
            sha = found.branches.get(branch)
            commit = next((c for c in found.commits if c.sha == sha), None)
            stored = commit.files.get(path) if commit else None
            return base64.b64decode(stored) if stored is not None else None

    def github_branches(self, repo: str) -> dict[str, str]:
        with self._lock:
            return dict(self._live_github_repo(repo).branches)

    # ------------------------------------------------------------------ behind the client's back

    def commit_github_files(self, repo: str, files: dict[str, bytes], *, message: str) -> str:
        """Commit files to the default branch, as a person pushing would; returns the sha."""
        with self._lock:
            found = self._live_github_repo(repo)
            ensure_main(found, now=self.now())
            head = found.branches[found.default_branch]
            parent = next(c for c in found.commits if c.sha == head)
            encoded = {path: base64.b64encode(data).decode() for path, data in files.items()}
            number = self._state.next_id("github_commit")
            commit = GithubCommit(
                sha=hashlib.sha1(
                    f"{found.full_name}:{number}".encode(), usedforsecurity=False
                ).hexdigest(),
                parent=head,
                message=message,
                files={**parent.files, **encoded},
                created_at=self.now(),
            )
            found.commits.append(commit)
            found.branches[found.default_branch] = commit.sha
            self._persist()
            return commit.sha

    def _live_github_repo(self, repo: str) -> GithubRepo:
        owner, _, name = repo.partition("/")
        found = self._state.github_repo(owner, name)
        if found is None:
            msg = f"no GitHub repository {repo}"
            raise SandboxError(msg)
        return found

    def delete_jira_issue(self, key: str) -> None:
        with self._lock:
            issue = self._live_jira_issue(key)
            self._state.jira_issues.remove(issue)
            self._state.jira_deleted_keys.append(issue.key)
            self._persist()

    def move_jira_issue(self, key: str, *, to_project: str) -> str:
        """Move an issue to another project, as Jira's Move does; returns the new key.

        The old key keeps resolving to the issue (Jira redirects it), but searches by the old
        project no longer find it.
        """
        with self._lock:
            issue = self._live_jira_issue(key)
            target = self._state.jira_project(to_project)
            if target is None:
                msg = f"no Jira project {to_project}"
                raise SandboxError(msg)
            issue.former_keys.append(issue.key)
            issue.key = f"{target.key}-{target.next_number}"
            issue.project = target.key
            issue.components = []
            target.next_number += 1
            issue.updated = self.now()
            self._persist()
            return issue.key

    def delete_github_issue(self, repo: str, number: int) -> None:
        with self._lock:
            issue = self._live_github_issue(repo, number)
            self._state.github_issues.remove(issue)
            owner, name = issue.repo.split("/")
            source = self._state.github_repo(owner, name)
            assert source is not None
            source.deleted_numbers.append(number)
            self._persist()

    def transfer_github_issue(self, repo: str, number: int, *, to_repo: str) -> int:
        """Transfer an issue to another repository; returns its new number there.

        The old URL answers 301 Moved Permanently pointing at the new one.
        """
        with self._lock:
            issue = self._live_github_issue(repo, number)
            owner, name = issue.repo.split("/")
            source = self._state.github_repo(owner, name)
            target_owner, _, target_name = to_repo.partition("/")
            target = self._state.github_repo(target_owner, target_name)
            if source is None or target is None:
                msg = f"no GitHub repository {to_repo}"
                raise SandboxError(msg)
            issue.repo = target.full_name
            issue.number = target.next_number
            target.next_number += 1
            issue.labels = [n for n in issue.labels if target.label(n) is not None]
            issue.milestone = None
            issue.updated_at = self.now()
            source.moved[number] = f"{target.full_name}#{issue.number}"
            self._persist()
            return issue.number

    def close_jira_issue(self, key: str, *, resolution: str = "Won't Do") -> None:
        """Move an issue to Done with this resolution, as a person on the Done screen would."""
        with self._lock:
            issue = self._live_jira_issue(key)
            if resolution not in RESOLUTIONS:
                msg = f"no Jira resolution {resolution!r} (known: {', '.join(RESOLUTIONS)})"
                raise SandboxError(msg)
            now = self.now()
            if issue.status_category != "done":
                issue.status_changed = issue.resolution_date = now
            issue.status = "Done"
            issue.resolution = resolution
            issue.updated = now
            self._persist()

    def close_github_issue(self, repo: str, number: int, *, reason: str = "not_planned") -> None:
        """Close an issue as ``completed``, ``not_planned`` or ``duplicate``, as a person would."""
        with self._lock:
            issue = self._live_github_issue(repo, number)
            now = self.now()
            issue.state = "closed"
            issue.state_reason = reason
            issue.closed_at = issue.closed_at if issue.closed_at else now
            issue.updated_at = now
            self._persist()

    def edit_jira_issue_as(
        self,
        person: str,
        key: str,
        *,
        assignee: str | None = None,
        duedate: date | None = None,
        comment: str | None = None,
    ) -> None:
        """A person's edit in Jira's UI: assign the issue to ``assignee`` (a user name), set its
        due date, or add a comment (wiki markup); whatever is given."""
        with self._lock:
            issue = self._live_jira_issue(key)
            now = self.now()
            if assignee is not None:
                issue.assignee = assignee
            if duedate is not None:
                issue.duedate = duedate
            if comment is not None:
                issue.comments.append(
                    JiraComment(
                        id=self._state.next_id("jira_comment"),
                        author=person,
                        body=comment,
                        created=now,
                        updated=now,
                    )
                )
            issue.updated = now
            self._persist()

    def edit_github_issue_as(
        self,
        person: str,
        repo: str,
        number: int,
        *,
        assignee: str | None = None,
        comment: str | None = None,
    ) -> None:
        """A person's edit on GitHub: assign the issue to ``assignee`` alone, or comment."""
        with self._lock:
            issue = self._live_github_issue(repo, number)
            now = self.now()
            if assignee is not None:
                issue.assignees = [assignee]
            if comment is not None:
                issue.comments.append(
                    GithubComment(
                        id=self._state.next_id("github_comment"),
                        author=person,
                        body=comment,
                        created_at=now,
                        updated_at=now,
                    )
                )
            issue.updated_at = now
            self._persist()

    def age_jira_issue(
        self, key: str, *, created: datetime | None = None, updated: datetime | None = None
    ) -> None:
        """Set when an issue was created and last updated (a closed one's resolution date
        moves with ``updated``): for tests of ages, staleness and time to close."""
        with self._lock:
            issue = self._live_jira_issue(key)
            if created is not None:
                issue.created = created
            if updated is not None:
                issue.updated = updated
                if issue.resolution_date is not None:
                    issue.resolution_date = issue.status_changed = updated
            self._persist()

    def age_github_issue(
        self,
        repo: str,
        number: int,
        *,
        created: datetime | None = None,
        updated: datetime | None = None,
    ) -> None:
        """Set when an issue was created and last updated (a closed one's ``closed_at`` moves
        with ``updated``)."""
        with self._lock:
            issue = self._live_github_issue(repo, number)
            if created is not None:
                issue.created_at = created
            if updated is not None:
                issue.updated_at = updated
                if issue.closed_at is not None:
                    issue.closed_at = updated
            self._persist()

    def _live_jira_issue(self, key: str) -> JiraIssue:
        issue = self._state.jira_issue(key)
        if issue is None:
            msg = f"no Jira issue {key}"
            raise SandboxError(msg)
        return issue

    def _live_github_issue(self, repo: str, number: int) -> GithubIssue:
        owner, _, name = repo.partition("/")
        found = self._state.github_repo(owner, name)
        issue = self._state.github_issue(found.full_name, number) if found else None
        if issue is None:
            msg = f"no GitHub issue {repo}#{number}"
            raise SandboxError(msg)
        return issue

    # ------------------------------------------------------------------ faults

    def add_fault(self, fault: Fault) -> Fault:
        """Activate a fault; returns it so tests can read ``fault.hits``."""
        return self._faults.add(fault)

    def inject_latency(
        self,
        latency_ms: int,
        *,
        method: str | None = None,
        path: str = "",
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Delay matching requests (all of them by default, until ``clear_faults``)."""
        return self.add_fault(
            Fault(FaultKind.LATENCY, method, path, times, probability, seed, latency_ms=latency_ms)
        )

    def inject_error(
        self,
        status: int = 503,
        *,
        method: str | None = None,
        path: str = "",
        times: int | None = 1,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Answer matching requests with a 5xx (or any status) without doing anything."""
        return self.add_fault(
            Fault(FaultKind.STATUS, method, path, times, probability, seed, status=status)
        )

    def inject_rate_limit(
        self,
        *,
        retry_after: int = 1,
        method: str | None = None,
        path: str = "",
        times: int | None = 1,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Jira: 429 with ``Retry-After``; GitHub: 403 secondary rate limit with ``retry-after``."""
        return self.add_fault(
            Fault(
                FaultKind.RATE_LIMIT,
                method,
                path,
                times,
                probability,
                seed,
                retry_after=retry_after,
            )
        )

    def inject_lost_response(
        self,
        *,
        method: str | None = "POST",
        path: str = "",
        times: int | None = 1,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Perform matching requests, then close the connection without answering."""
        return self.add_fault(
            Fault(FaultKind.LOST_RESPONSE, method, path, times, probability, seed)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    # ------------------------------------------------------------------ request log

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served so far (a copy), oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # ------------------------------------------------------------------ the pipeline

    def _dispatch(self, request: Request) -> Response | _Drop:
        if request.path.startswith("/rest/"):
            api = "jira"
        elif request.path in ("/", "/index.html") or (
            request.method == "GET"
            and (JIRA_BROWSE.fullmatch(request.path) or GITHUB_HTML.fullmatch(request.path))
        ):
            api = "page"
        else:
            api = "github"
        faults = self._faults.take(request.method, request.path) if api != "page" else []
        for fault in faults:
            if fault.kind is FaultKind.LATENCY:
                time.sleep(fault.latency_ms / 1000)
        terminal = next(
            (f for f in faults if f.kind in (FaultKind.STATUS, FaultKind.RATE_LIMIT)), None
        )
        lost = any(f.kind is FaultKind.LOST_RESPONSE for f in faults)
        if any(f.kind is FaultKind.DROPPED for f in faults):
            self._record(request, api, None, FaultKind.DROPPED.value)
            return DROP
        if terminal is not None:
            response = self._fault_response(api, terminal)
            self._record(request, api, response.status, terminal.kind.value)
            return response
        with self._lock:
            if api == "jira":
                response = self._jira.handle(request)
            elif api == "github":
                response = self._github.handle(request)
            else:
                response = self._page(request)
            if request.method not in ("GET", "HEAD") and response.status < 400:
                self._persist()
        if lost:
            self._record(request, api, None, FaultKind.LOST_RESPONSE.value)
            return DROP
        self._record(request, api, response.status, None)
        return response

    def _page(self, request: Request) -> Response:
        if request.path in ("/", "/index.html"):
            html = render_page(
                self._state, base_url=request.base_url, query=request.query, now=self.now()
            )
        else:
            found = render_issue_page(self._state, request.path)
            if found is None:
                return Response.text(HTTPStatus.NOT_FOUND, "No such issue.")
            html = found
        return Response.text(HTTPStatus.OK, html, "text/html;charset=UTF-8")

    def _fault_response(self, api: str, fault: Fault) -> Response:
        if fault.kind is FaultKind.RATE_LIMIT:
            if api == "jira":
                response = jira_error(HTTPStatus.TOO_MANY_REQUESTS, ["Rate limit exceeded."])
                response.headers["Retry-After"] = str(fault.retry_after)
                response.headers["X-RateLimit-Limit"] = "100"
                response.headers["X-RateLimit-Remaining"] = "0"
                response.headers["X-RateLimit-FillRate"] = "10"
                response.headers["X-RateLimit-Interval-Seconds"] = "1"
                return response
            return self._github.secondary_rate_limit(fault.retry_after, f"SANDBOX:{fault.hits}")
        status = HTTPStatus(fault.status)
        if api == "jira":
            if status >= 502:
                return Response.text(
                    status,
                    f"<html><body><h1>{status.value} {status.phrase}</h1></body></html>",
                    "text/html;charset=UTF-8",
                )
            return jira_error(status, ["Internal server error"])
        message = "Server Error" if status == 500 else status.phrase
        return github_error(status, message)

    def _record(self, request: Request, api: str, status: int | None, fault: str | None) -> None:
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=request.query_string,
            status=status,
            body=request.body.decode("utf-8", errors="replace"),
            api=api,
            fault=fault,
        )
        with self._lock:
            self._requests.append(record)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False
