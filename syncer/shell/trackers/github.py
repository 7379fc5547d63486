"""The GitHub adapter: the ``Tracker`` Protocol on PyGithub, for github.com and Enterprise.

Owns every GitHub word: repositories, issue numbers, ``state_reason``, Link-header pages.
Nothing outside ``syncer/shell/trackers/`` sees a GitHub payload; ``Ticket`` values leave this
module.

* Fetching and translating are apart: every request goes through PyGithub's requester as JSON
  (one ``Requests`` wrapper classifies its failures), and ``ticket_from_github`` turns an
  issue's JSON into a ``Ticket``, a pure function tested on recorded answers.
* The marker is the fixed label ``syncer`` (so managed issues list in bulk) plus the hidden body
  marker ``<!-- syncer:key=<item key> -->`` at the end of the body, after a blank line. Issues
  are never looked up through the search API: its index lags behind writes by seconds to
  minutes, which is exactly when a lost create answer has to be found.
* PyGithub's own retry (urllib3 ``Retry``, which also retries POST on some statuses) and its
  request pacing are off: syncer paces writes itself, and retries reads only, with ``stamina``.
* ``create`` and ``update`` write fields as ``render`` returned them.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast
from urllib.parse import urlparse

import requests
from github import Auth, Github, GithubException, RateLimitExceededException

from syncer.config import GitHubConfig, Secrets, env_prefix
from syncer.errors import TrackerAssigneeError, TrackerError, TrackerRateLimitedError
from syncer.model import ItemKey, Ticket, TicketFields, TicketRef, TicketSystem, Written
from syncer.shell.trackers.base import (
    DEFAULT_MARKS,
    REPORT_LABEL,
    BulkCreate,
    BulkResult,
    ChangedTickets,
    Marks,
    body_marker,
    decode_written,
    fit_text,
    report_marker,
)
from syncer.shell.trackers.github_pulls import Proposal, propose_files
from syncer.shell.trackers.markup import normalise_text
from syncer.shell.trackers.payloads import GithubIssueJson
from syncer.shell.trackers.transport import Answer, Hints, Requests, scrub

__all__ = ["GitHubTracker", "issue_number", "split_body_marker", "ticket_from_github"]

log = logging.getLogger(__name__)


@functools.cache
def _marker(marks: Marks) -> re.Pattern[str]:
    return re.compile(
        r"\s*"
        + re.escape(marks.body_prefix)
        + r"([A-Za-z0-9._-]+)(?: written=([A-Za-z0-9_-]+))? -->\s*\Z"
    )


_BARE_NUMBER = re.compile(r"^#(\d+)$")
_REPO_NUMBER = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(\d+)$")
_ISSUE_PATH = re.compile(r"^/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(\d+)/?$")
_GONE = (404, 410)
GITHUB_BODY_LIMIT = 65_536
"""The most characters GitHub takes in an issue body."""

Raw = Mapping[str, Any]


# -- translation: pure functions of JSON ----------------------------------------------------


def split_body_marker(body: str, marks: Marks = DEFAULT_MARKS) -> tuple[ItemKey | None, str]:
    """The item key a body's trailing marker carries, and the body without marker and gap."""
    key, _, text = read_body_marker(body, marks)
    return key, text


def read_body_marker(
    body: str, marks: Marks = DEFAULT_MARKS
) -> tuple[ItemKey | None, Written | None, str]:
    """The item key and baseline a body's trailing marker carries, and the body without them."""
    text = normalise_text(body)
    match = _marker(marks).search(text)
    if match is None:
        return None, None, text
    return match.group(1), decode_written(match.group(2)), normalise_text(text[: match.start()])


def web_url(api_url: str) -> str:
    """``https://api.github.com`` -> ``https://github.com``; Enterprise keeps its host."""
    api = urlparse(api_url)
    host = "github.com" if api.netloc == "api.github.com" else api.netloc
    return f"{api.scheme}://{host}"


def issue_ref(number: int, *, repository: str, web: str) -> TicketRef:
    return TicketRef(
        system="github", key=f"{repository}#{number}", url=f"{web}/{repository}/issues/{number}"
    )


def issue_number(ref: TicketRef, *, repository: str, web: str) -> int | None:
    """The number of the issue ``ref`` names in ``repository``, or ``None`` if it is not there."""
    if ref.url:
        url = urlparse(ref.url)
        if f"{url.scheme}://{url.netloc}" == web:
            path = _ISSUE_PATH.match(url.path)
            if path and path.group(1).casefold() == repository.casefold():
                return int(path.group(2))
    if ref.system != "github":
        return None
    key = ref.key.strip()
    if bare := _BARE_NUMBER.match(key):
        return int(bare.group(1))
    full = _REPO_NUMBER.match(key)
    if full and full.group(1).casefold() == repository.casefold():
        return int(full.group(2))
    return None


def tidy_labels(
    labels: Collection[str], marks: Marks = DEFAULT_MARKS, *, priority_labels: Collection[str] = ()
) -> tuple[str, ...]:
    """Sorted, unique, without the managed label (which syncer adds and reads itself) and the
    priority labels (which stand for the priority field)."""
    skip = {p.casefold() for p in priority_labels}
    return tuple(
        sorted(
            {
                label
                for label in labels
                if label and label != marks.managed_label and label.casefold() not in skip
            }
        )
    )


def priority_from_labels(labels: Collection[str], priority_labels: Collection[str]) -> str | None:
    """The priority a configured priority label stands for, spelt as configured (GitHub matches
    label names in any case); the first in name order when a person added several."""
    present = {label.casefold() for label in labels}
    return next((p for p in sorted(set(priority_labels)) if p.casefold() in present), None)


def _title_parts(milestone_title: str) -> tuple[str, str]:
    before, _, after = milestone_title.format(due="\0").partition("\0")
    return before, after


def milestone_title(template: str, due: date) -> str:
    """``Due {due}`` -> ``Due 2026-12-01``."""
    before, after = _title_parts(template)
    return f"{before}{due.isoformat()}{after}"


def due_from_milestone(milestone: Any, template: str) -> date | None:
    """The due date a milestone titled after ``template`` stands for; ``None`` for any other."""
    if not isinstance(milestone, Mapping):
        return None
    title = str(milestone.get("title") or "")
    before, after = _title_parts(template)
    if not (title.startswith(before) and title.endswith(after)):
        return None
    middle = title[len(before) : len(title) - len(after)]
    try:
        return date.fromisoformat(middle) if len(middle) == 10 else None
    except ValueError:
        return None


def is_issue_of(raw: GithubIssueJson, repository: str) -> bool:
    """Whether the JSON is an issue (not a pull request) of ``repository`` (not transferred)."""
    if raw.get("pull_request") or "/pull/" in str(raw.get("html_url") or ""):
        return False
    expected = f"/repos/{repository}".casefold()
    return urlparse(str(raw.get("repository_url") or "")).path.casefold().endswith(expected)


def _github_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def ticket_from_github(
    raw: GithubIssueJson,
    *,
    repository: str,
    web: str,
    marks: Marks = DEFAULT_MARKS,
    priority_labels: Collection[str] = (),
    due_milestone: str | None = None,
) -> Ticket:
    """One issue's JSON (REST ``issue`` schema) as a ``Ticket``.

    ``priority_labels`` (the priority map's values) are read as the priority, not as labels;
    ``due_milestone`` (a title template), when given, reads the due date from the milestone.
    """
    item_key, written, text = read_body_marker(str(raw.get("body") or ""), marks)
    names = [label["name"] for label in raw.get("labels") or []]
    assignees = [user["login"] for user in raw.get("assignees") or []]
    state = raw.get("state")
    closed = state == "closed"
    reason = raw.get("state_reason")
    return Ticket(
        ref=issue_ref(int(raw["number"]), repository=repository, web=web),
        title=str(raw.get("title") or ""),
        body=text,
        labels=tidy_labels(names, marks, priority_labels=priority_labels),
        assignee=assignees[0] if assignees else None,
        priority=priority_from_labels(names, priority_labels),
        due=due_from_milestone(raw.get("milestone"), due_milestone) if due_milestone else None,
        done=closed,
        status=str(state or ""),
        updated=_github_time(raw.get("updated_at")),
        item_key=item_key,
        written=written if item_key else None,
        status_category="done" if closed else "todo",
        # Closed as "not planned" (or "duplicate") means it was not done; "completed", or no
        # reason on an issue closed before GitHub had reasons, means it was.
        resolution=(
            ("done" if reason in (None, "completed", "reopened") else "wont_do") if closed else None
        ),
        created=_github_time(raw.get("created_at")),
        resolved=_github_time(raw.get("closed_at")) if closed else None,
    )


def _with_marker(
    body: str, key: ItemKey | None, written: Written | None = None, marks: Marks = DEFAULT_MARKS
) -> str:
    return f"{body}\n\n{body_marker(key, written, marks)}" if key else body


class GitHubTracker:
    """One GitHub repository."""

    system: TicketSystem = "github"

    def __init__(
        self, name: str, config: GitHubConfig, secrets: Secrets, *, instance: str = "syncer"
    ) -> None:
        """Build the client; sends no request (``check()`` is the first one)."""
        self.name = name
        self._marks = Marks(instance)
        self._config = config
        self._repo_name = config.repository
        token = secrets.token.get_secret_value()
        self._web = web_url(config.url)
        self._client = Github(
            auth=Auth.Token(token),
            base_url=config.url.rstrip("/"),
            timeout=max(1, math.ceil(config.timeout_seconds)),
            per_page=100,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self._http = Requests(
            name,
            url=config.url,
            timeout=config.timeout_seconds,
            secrets=[token],
            library_error=GithubException,
            answer=_answer,
            classify=self._classify,
        )
        self._issues = f"/repos/{self._repo_name}/issues"
        # The priority map's values are label names: syncer's own priority labels.
        self._priority_labels = tuple(sorted(set(config.priorities.values())))
        self._milestones: dict[str, int] | None = None
        """Milestone title -> number, listed once per run when a due date needs one."""

    def propose_files(
        self,
        repository: str,
        files: Mapping[str, bytes],
        *,
        branch: str,
        title: str,
        body: str,
        message: str,
    ) -> Proposal:
        """Write-back as a pull request on ``repository`` (see ``github_pulls``)."""
        return propose_files(
            self._client,
            self._http,
            repository=repository,
            files=files,
            branch=branch,
            title=title,
            body=body,
            message=message,
        )

    # -- Protocol: identity -------------------------------------------------------------------

    def owns(self, ref: TicketRef) -> bool:
        return self._number(ref) is not None

    def resolve(self, ref: TicketRef) -> TicketRef:
        return issue_ref(self._must_number(ref), repository=self._repo_name, web=self._web)

    def render(self, fields: TicketFields) -> TicketFields:
        return fields.model_copy(
            update={
                "title": fields.title.strip(),
                "body": normalise_text(fields.body),
                # The configured labels go on every issue, so they read back on every issue.
                "labels": tidy_labels(
                    [*self._config.labels, *fields.labels],
                    self._marks,
                    priority_labels=self._priority_labels,
                ),
                # A due date is a milestone only when so configured; a priority is a label of
                # the priority map (the map gives nothing else).
                "due": fields.due if self._config.due_as_milestone else None,
                "priority": fields.priority if fields.priority in self._priority_labels else None,
                "issue_type": None,
            }
        )

    # -- Protocol: reads ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the client's connections (a long-running worker opens a client per cycle)."""
        self._client.close()

    def check(self) -> None:
        try:
            doing = f"reading repository {self._repo_name}"
            raw = self._json("GET", f"/repos/{self._repo_name}", doing, read=True)
        except TrackerError as exc:
            if self._http.status(exc) in _GONE:
                raise self._http.unavailable(
                    f"repository {self._repo_name} not found or not visible to the token "
                    f"(check trackers.{self.name}.repository)"
                ) from exc
            raise self._http.unavailable(str(exc)) from exc
        if raw.get("has_issues") is False:
            raise self._http.unavailable(f"issues are disabled in repository {self._repo_name}")
        permissions = raw.get("permissions")
        if isinstance(permissions, dict) and not any(
            permissions.get(level) for level in ("admin", "maintain", "push")
        ):
            raise self._http.unavailable(
                f"the token cannot write to {self._repo_name}: GitHub silently drops labels "
                "set on new issues without push access, so syncer could not find its issues"
            )

    def unassignable(self, accounts: Collection[str]) -> list[str]:
        """One ``GET assignees/{login}`` per login: GitHub has no bulk form (204 yes, 404 no)."""
        refused = []
        for login in sorted(set(accounts)):
            doing = f"checking that {login!r} can be assigned in {self._repo_name}"
            try:
                self._json("GET", f"/repos/{self._repo_name}/assignees/{login}", doing, read=True)
            except TrackerError as exc:
                if self._http.status(exc) not in _GONE:
                    raise
                refused.append(login)
        return refused

    def list_managed(self) -> list[Ticket]:
        return self._list(
            f"listing the managed issues of {self._repo_name}", sort=None, direction=None
        )

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        """The managed issues listing with ``since``; its first page asked conditionally.

        With ``etag`` the first page carries ``If-None-Match``: GitHub answers 304 (which does
        not count against the rate limit) when the page is what it was, so a quiet repository
        costs one free request. The caller keeps ``since`` where it was until something
        changes, so the question, and so the answer, stay the same.
        """
        options: dict[str, Any] = {
            "state": "all",
            "labels": self._marks.managed_label,
            "per_page": 100,
            "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        doing = f"listing the issues of {self._repo_name} changed since {options['since']}"

        def first() -> tuple[Mapping[str, Any], Any]:
            headers = {"If-None-Match": etag} if etag else None
            return self._client.requester.requestJsonAndCheck(
                "GET", self._issues, parameters=dict(options), headers=headers
            )

        headers, page = self._http.read(first, doing)
        answered = headers.get("etag")
        if page is None:  # 304 Not Modified: PyGithub hands back no body
            return ChangedTickets(unchanged=True, etag=etag)
        found: list[Raw] = [raw for raw in page if "pull_request" not in raw]
        if (after := _next_page(headers)) is not None:
            found += self._raw_pages(doing, {}, url=after)
        return ChangedTickets(
            tickets=tuple(self._ticket(raw) for raw in found),
            etag=str(answered) if answered else None,
        )

    def find_many(self, keys: Collection[ItemKey]) -> dict[ItemKey, list[Ticket]]:
        """One listing of the managed issues (GitHub's search index lags behind writes)."""
        wanted = set(keys)
        found: dict[ItemKey, list[Ticket]] = {}
        listed = self._list("looking up unconfirmed creates", sort="created", direction="desc")
        for ticket in listed:
            if ticket.item_key in wanted:
                found.setdefault(ticket.item_key, []).append(ticket)
        return found

    @property
    def bulk_size(self) -> int:
        """GitHub has no bulk create: one issue per request, paced by the caller."""
        return 1

    def create_many(self, batch: Sequence[BulkCreate]) -> list[BulkResult]:
        if len(batch) > 1:
            raise ValueError("GitHub creates one issue per request")
        results: list[BulkResult] = []
        for entry in batch:
            try:
                results.append(self.create(entry.key, entry.fields, written=entry.written))
            except TrackerError as exc:
                if exc.ambiguous:
                    raise
                results.append(exc)
        return results

    def find(self, key: ItemKey) -> list[Ticket]:
        # Newest first: an issue created by an answer that was lost is found on the first page.
        found = self._list(f"looking up item {key}", sort="created", direction="desc")
        return [ticket for ticket in found if ticket.item_key == key]

    def fetch(self, refs: Sequence[TicketRef]) -> list[Ticket]:
        numbers = list(dict.fromkeys(n for ref in refs if (n := self._number(ref)) is not None))
        tickets: list[Ticket] = []
        for number in numbers:
            doing = f"fetching {self._repo_name}#{number}"
            try:
                raw = self._json("GET", f"{self._issues}/{number}", doing, read=True)
            except TrackerError as exc:
                if self._http.status(exc) in _GONE:
                    continue
                raise
            # PyGithub follows the 301 of a transferred issue; that issue is not ours any more.
            if is_issue_of(cast(GithubIssueJson, raw), self._repo_name):
                tickets.append(self._ticket(raw))
        return tickets

    # -- Protocol: writes ---------------------------------------------------------------------

    def create(
        self, key: ItemKey, fields: TicketFields, *, written: Written | None = None
    ) -> Ticket:
        """One POST; ``fields`` as ``render`` returned them."""
        carried = written or Written.of(fields).model_copy(update={"done": False})
        body: dict[str, Any] = {
            "title": fields.title,
            "body": _with_marker(fields.body, key, carried, self._marks),
            "labels": [
                *fields.labels,
                *([fields.priority] if fields.priority else []),
                self._marks.managed_label,
            ],
        }
        if fields.assignee is not None:
            body["assignees"] = [fields.assignee]
        if self._config.milestone is not None:
            body["milestone"] = self._config.milestone
        if self._config.due_as_milestone and fields.due is not None:
            body["milestone"] = self._due_milestone(fields.due)
        raw = self._json(
            "POST",
            self._issues,
            f"creating the issue of item {key}",
            body=body,
            hints={"assignee": fields.assignee},
        )
        ticket = self._ticket(raw)
        if self._marks.managed_label not in {label["name"] for label in raw.get("labels") or []}:
            log.warning(
                "%s: GitHub dropped the labels of %s (item %s): the token lacks push access",
                self.name,
                ticket.ref,
                key,
            )
        log.info("%s: created %s for item %s", self.name, ticket.ref, key)
        return ticket

    def update(
        self,
        ref: TicketRef,
        fields: TicketFields,
        *,
        changed: Collection[str],
        key: ItemKey | None = None,
        written: Written | None = None,
    ) -> Ticket:
        """PATCH of the changed fields (``fields`` as ``render`` returned them), and of the
        baseline in the body marker when ``written`` is given: one write."""
        number = self._must_number(ref)
        url = f"{self._issues}/{number}"
        doing = f"updating {self._repo_name}#{number}"
        edits: dict[str, Any] = {}
        current: Raw = {}
        # A priority is a label, and only a priority of the map is written (none is "leave it").
        relabel = "labels" in changed or ("priority" in changed and fields.priority is not None)
        if {"body", "done"} & set(changed) or relabel or written is not None:
            # The marker and the managed label stay as they are, so read what is there now.
            current = self._ours(self._json("GET", url, doing, read=True), doing)
            marker, carried, text = read_body_marker(str(current.get("body") or ""), self._marks)
            # A reworded item's ticket takes its new key, so that it is found without state; a
            # lost marker is put back.
            marker = key or marker
            if "body" in changed or (written is not None and marker):
                body = fields.body if "body" in changed else text
                edits["body"] = _with_marker(body, marker, written or carried, self._marks)
            if relabel:
                edits["labels"] = self._labels_after(current, fields, changed=changed, key=key)
        if "title" in changed:
            edits["title"] = fields.title
        if "assignee" in changed:
            edits["assignees"] = [fields.assignee] if fields.assignee else []
        if "due" in changed and self._config.due_as_milestone:
            edits["milestone"] = None if fields.due is None else self._due_milestone(fields.due)
        if "done" in changed and (current.get("state") == "closed") != fields.done:
            # An issue already in that state is left as it is: no second close or reopen event.
            edits["state"] = "closed" if fields.done else "open"
            reason = "not_planned" if fields.wont_do else self._config.close_reason
            edits["state_reason"] = reason if fields.done else "reopened"
        if not edits:
            return self._ticket(
                current or self._ours(self._json("GET", url, doing, read=True), doing)
            )
        raw = self._json("PATCH", url, doing, body=edits, hints={"assignee": fields.assignee})
        return self._ticket(self._ours(raw, doing))

    def _ours(self, raw: Raw, doing: str) -> Raw:
        """``raw``, an issue of this repository: PyGithub follows the 301 of an issue a person
        transferred, whose number is another repository's (read as ours, it names an
        unrelated issue here). Gone, as a deleted one is."""
        if not is_issue_of(cast(GithubIssueJson, raw), self._repo_name):
            raise self._http.gone(f"{doing}: transferred to another repository")
        return raw

    def _labels_after(
        self, current: Raw, fields: TicketFields, *, changed: Collection[str], key: ItemKey | None
    ) -> list[str]:
        """The issue's labels once ``labels`` and/or ``priority`` are written: the priority
        labels change only with the priority, other labels only with the labels."""
        names = [label["name"] for label in current.get("labels") or []]
        folded = {p.casefold() for p in self._priority_labels}
        priorities = [n for n in names if n.casefold() in folded]
        if "priority" in changed and fields.priority is not None:
            priorities = [fields.priority]
        if "labels" in changed:
            label = self._marks.managed_label
            managed = key is not None or label in names
            others = [*fields.labels, *([label] if managed else [])]
        else:
            others = [n for n in names if n.casefold() not in folded]
        return [*others, *priorities]

    def _due_milestone(self, due: date) -> int:
        """The number of the milestone of this due date: found, else created (with its due_on),
        once per run."""
        title = milestone_title(self._config.milestone_title, due)
        doing = f"finding the milestone {title!r} of {self._repo_name}"
        if self._milestones is None:
            self._milestones = self._list_milestones(doing)
        if title in self._milestones:
            return self._milestones[title]
        path = f"/repos/{self._repo_name}/milestones"
        body = {"title": title, "due_on": f"{due.isoformat()}T00:00:00Z"}
        try:
            raw = self._json("POST", path, f"creating the milestone {title!r}", body=body)
        except TrackerError as exc:
            if self._http.status(exc) != 422:
                raise
            # Made meanwhile (another worker, or a closed one the listing missed): list again.
            self._milestones = self._list_milestones(doing)
            if title not in self._milestones:
                raise
            return self._milestones[title]
        self._milestones[title] = int(raw["number"])
        return self._milestones[title]

    def _list_milestones(self, doing: str) -> dict[str, int]:
        options = {"state": "all", "per_page": 100}
        pages = self._raw_pages(doing, options, url=f"/repos/{self._repo_name}/milestones")
        return {str(m["title"]): int(m["number"]) for m in pages}

    def remember(self, ref: TicketRef, written: Written) -> None:
        """Rewrite the body marker with ``written``: a GET and a PATCH of the body alone."""
        number = self._must_number(ref)
        url = f"{self._issues}/{number}"
        doing = f"recording what syncer wrote on {self._repo_name}#{number}"
        current = self._ours(self._json("GET", url, doing, read=True), doing)
        marker, _, text = read_body_marker(str(current.get("body") or ""), self._marks)
        if marker is None:
            return  # not (any more) a managed issue: nothing to carry the baseline
        body = _with_marker(text, marker, written, self._marks)
        self._json("PATCH", url, doing, body={"body": body})

    def comment(self, ref: TicketRef, text: str) -> None:
        number = self._must_number(ref)
        self._json(
            "POST",
            f"{self._issues}/{number}/comments",
            f"commenting on {self._repo_name}#{number}",
            body={"body": text},
        )

    def comment_texts(self, ref: TicketRef) -> list[str]:
        number = self._must_number(ref)
        pages = self._raw_pages(
            f"reading the comments of {self._repo_name}#{number}",
            {"per_page": 100},
            url=f"{self._issues}/{number}/comments",
        )
        return [str(raw.get("body") or "") for raw in pages]

    # -- the follow-up report's delivery -------------------------------------------------------

    def nudge(self, ref: TicketRef, text: str, *, account: str) -> None:
        self.comment(ref, f"@{account} {text}")

    def find_report(self, team_key: str) -> TicketRef | None:
        marker = report_marker(team_key)
        doing = f"looking up the report issue of {team_key}"
        options = {
            "state": "all",
            "labels": REPORT_LABEL,
            "sort": "created",
            "direction": "asc",
            "per_page": 100,
        }
        for raw in self._raw_pages(doing, options):
            if str(raw.get("body") or "").rstrip().endswith(marker) and is_issue_of(
                cast(GithubIssueJson, raw), self._repo_name
            ):
                return issue_ref(int(raw["number"]), repository=self._repo_name, web=self._web)
        return None

    def create_report(self, team_key: str, *, title: str, body: str) -> TicketRef:
        raw = self._json(
            "POST",
            self._issues,
            f"creating the report issue of {team_key}",
            body={
                "title": title,
                "body": self._report_body(team_key, body),
                "labels": [REPORT_LABEL],
            },
        )
        return issue_ref(int(raw["number"]), repository=self._repo_name, web=self._web)

    def update_report(
        self, ref: TicketRef, team_key: str, *, title: str, body: str
    ) -> TicketRef | None:
        number = self._must_number(ref)
        try:
            raw = self._json(
                "PATCH",
                f"{self._issues}/{number}",
                f"updating the report issue {self._repo_name}#{number}",
                body={"title": title, "body": self._report_body(team_key, body)},
            )
        except TrackerError as exc:
            if self._http.status(exc) in _GONE:
                return None
            raise
        if not is_issue_of(cast(GithubIssueJson, raw), self._repo_name):
            return None  # transferred: that issue is another repository's now
        return issue_ref(int(raw["number"]), repository=self._repo_name, web=self._web)

    @staticmethod
    def _report_body(team_key: str, body: str) -> str:
        marker = report_marker(team_key)
        return fit_text(body, GITHUB_BODY_LIMIT - len(marker) - 2) + "\n\n" + marker

    # -- requests -----------------------------------------------------------------------------

    def _json(
        self,
        verb: str,
        url: str,
        doing: str,
        *,
        read: bool = False,
        body: Mapping[str, Any] | None = None,
        hints: Hints | None = None,
    ) -> Raw:
        """One request's JSON answer; reads retried, writes sent once."""

        def call() -> Raw:
            _, data = self._client.requester.requestJsonAndCheck(
                verb, url, input=dict(body) if body is not None else None
            )
            return data if isinstance(data, Mapping) else {}

        if read:
            return self._http.read(call, doing)
        return self._http.write(call, doing, hints=hints)

    def _list(self, doing: str, *, sort: str | None, direction: str | None) -> list[Ticket]:
        """Every managed issue, from the raw pages (building PyGithub objects cost more)."""
        options: dict[str, Any] = {
            "state": "all",
            "labels": self._marks.managed_label,
            "per_page": 100,
        }
        if sort is not None:
            options["sort"] = sort
        if direction is not None:
            options["direction"] = direction
        return [self._ticket(raw) for raw in self._raw_pages(doing, options)]

    def _raw_pages(
        self, doing: str, options: Mapping[str, Any], *, url: str | None = None
    ) -> list[Raw]:
        """Every issue (or milestone) of a listing with these query options, following the
        Link pages."""
        first = url or self._issues

        def listing() -> list[Raw]:
            found: list[Raw] = []
            url: str | None = first
            parameters: dict[str, Any] | None = dict(options)
            while url is not None:
                headers, page = self._client.requester.requestJsonAndCheck(
                    "GET", url, parameters=parameters
                )
                # Pull requests share the issues listing and carry a pull_request object.
                found += [raw for raw in page if "pull_request" not in raw]
                url, parameters = _next_page(headers), None  # the next URL carries the query
            return found

        return self._http.read(listing, doing)

    # -- translation --------------------------------------------------------------------------

    def _number(self, ref: TicketRef) -> int | None:
        return issue_number(ref, repository=self._repo_name, web=self._web)

    def _must_number(self, ref: TicketRef) -> int:
        number = self._number(ref)
        if number is None:
            raise self._http.error(f"{ref.key} is not an issue of {self._repo_name}")
        return number

    def _ticket(self, raw: Raw) -> Ticket:
        return ticket_from_github(
            cast(GithubIssueJson, raw),  # the issue listing's and search's entries
            repository=self._repo_name,
            web=self._web,
            marks=self._marks,
            priority_labels=self._priority_labels,
            due_milestone=self._config.milestone_title if self._config.due_as_milestone else None,
        )

    # -- errors -------------------------------------------------------------------------------

    def _classify(self, exc: GithubException, doing: str, hints: Hints) -> TrackerError:
        status = exc.status
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or "")
        headers = exc.headers or {}
        if status == 401:
            return self._http.unavailable(
                f"GitHub refused the token (check {env_prefix(self.name)}TOKEN)"
            )
        if status == 429 or isinstance(exc, RateLimitExceededException):
            return TrackerRateLimitedError(
                self.name,
                scrub(
                    f"{doing}: GitHub rate limit hit; {_retry_hint(headers)}", self._http.secrets
                ),
            )
        if status >= 500:
            return self._http.error(
                f"{doing}: GitHub answered HTTP {status}" + (f": {message}" if message else ""),
                ambiguous=True,
            )
        if status == 422:
            found = list(self._validation_hints(data, hints.get("assignee")))
            fields = {str(e.get("field")) for e in data.get("errors") or [] if isinstance(e, dict)}
            if fields and fields <= {"assignee", "assignees"}:
                return TrackerAssigneeError(
                    self.name,
                    scrub(f"{doing}: " + "; ".join(found), self._http.secrets),
                    account=hints.get("assignee"),
                )
            if found:
                return self._http.error(f"{doing}: " + "; ".join(found))
        if status == 403:
            return self._http.error(f"{doing}: GitHub denied permission: {message or 'HTTP 403'}")
        if status in _GONE:
            return self._http.gone(f"{doing}: not found on GitHub (deleted, moved or not visible)")
        return self._http.error(f"{doing}: GitHub refused the request (HTTP {status}): {message}")

    def _validation_hints(self, data: Mapping[str, Any], assignee: str | None) -> Iterator[str]:
        setting = f"trackers.{self.name}"
        for error in data.get("errors") or []:
            if not isinstance(error, dict):
                yield str(error)
                continue
            field = str(error.get("field") or "")
            code = str(error.get("code") or "invalid")
            detail = str(error.get("message") or code)
            if field in ("assignee", "assignees"):
                value = error.get("value") or assignee
                yield (
                    f"owner map {setting}.owners gives {value!r} which GitHub does not know or "
                    f"who cannot be assigned in {self._repo_name}"
                )
            elif field == "milestone":
                yield (
                    f"milestone {self._config.milestone} does not exist in {self._repo_name} "
                    f"(check {setting}.milestone)"
                )
            elif field:
                yield f"field {field!r} rejected ({detail})"
            else:
                yield detail


def _answer(exc: GithubException) -> Answer:
    after = (exc.headers or {}).get("retry-after")
    return Answer(
        status=exc.status,
        retry_after=None if after is None else str(after),
        rate_limited=isinstance(exc, RateLimitExceededException),
    )


def _next_page(headers: Mapping[str, Any]) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if there is one."""
    for link in requests.utils.parse_header_links(str(headers.get("link") or "")):
        if link.get("rel") == "next":
            return link.get("url")
    return None


def _retry_hint(headers: Mapping[str, Any]) -> str:
    after = headers.get("retry-after")
    if after:
        return f"retry after {after}s"
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            seconds = max(0, int(float(reset) - datetime.now(UTC).timestamp()))
        except ValueError:
            return "retry later"
        return f"retry after {seconds}s"
    return "retry later"
