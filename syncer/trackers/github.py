"""The GitHub adapter: the ``Tracker`` Protocol on PyGithub, for github.com and Enterprise.

Owns every GitHub word: repositories, issue numbers, ``state_reason``, Link-header pages.
Nothing outside ``syncer/trackers/`` sees a GitHub payload; ``Ticket`` values leave this module.

* The marker is the fixed label ``syncer`` (so managed issues list in bulk) plus the hidden body
  marker ``<!-- syncer:key=<item key> -->`` at the end of the body, after a blank line. Issues
  are never looked up through the search API: its index lags behind writes by seconds to
  minutes, which is exactly when a lost create answer has to be found.
* The client is lazy: building a repository or an issue object sends nothing; only listing,
  completing (``complete()``), creating and editing do.
* PyGithub's own retry (urllib3 ``Retry``, which also retries POST on some statuses) and its
  request pacing are off: syncer paces writes itself, and retries reads only, here, with
  ``stamina``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlparse

import requests
from github import Auth, Github, GithubException, RateLimitExceededException
from github.Issue import Issue

from syncer.config import GitHubConfig, Secrets, env_prefix
from syncer.errors import TrackerError, TrackerRateLimitedError, TrackerUnavailableError
from syncer.model import ItemKey, Ticket, TicketFields, TicketRef, TicketSystem
from syncer.trackers import (
    Backoff,
    describe_transport_failure,
    retry_after_backoff,
    retry_read,
    scrub,
    transport_is_transient,
)
from syncer.trackers.base import BODY_MARKER_PREFIX, MANAGED_LABEL, body_marker
from syncer.trackers.markup import normalise_text

__all__ = ["GitHubTracker", "split_body_marker"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_MARKER = re.compile(r"\s*" + re.escape(BODY_MARKER_PREFIX) + r"([A-Za-z0-9._-]+) -->\s*\Z")
_BARE_NUMBER = re.compile(r"^#(\d+)$")
_REPO_NUMBER = re.compile(r"^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(\d+)$")
_ISSUE_PATH = re.compile(r"^/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/issues/(\d+)/?$")
_GONE = (404, 410)


def split_body_marker(body: str) -> tuple[ItemKey | None, str]:
    """The item key a body's trailing marker carries, and the body without marker and gap."""
    text = normalise_text(body)
    match = _MARKER.search(text)
    if match is None:
        return None, text
    return match.group(1), normalise_text(text[: match.start()])


class GitHubTracker:
    """One GitHub repository."""

    def __init__(
        self, name: str, config: GitHubConfig, secrets: Secrets, *, for_tests: bool = False
    ) -> None:
        """Build the (lazy) client; sends no request (``check()`` is the first one).

        ``for_tests`` keeps every retry of a read but drops the pauses between them.
        """
        self._name = name
        self._config = config
        self._repo_name = config.repository
        self._no_wait = for_tests
        token = secrets.token.get_secret_value()
        self._secrets = [token]
        api = urlparse(config.url)
        web_host = "github.com" if api.netloc == "api.github.com" else api.netloc
        self._web = f"{api.scheme}://{web_host}"
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
        self._repo = self._client.get_repo(config.repository)

    # -- Protocol: identity -------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def system(self) -> TicketSystem:
        return "github"

    def owns(self, ref: TicketRef) -> bool:
        return self._number(ref) is not None

    def resolve(self, ref: TicketRef) -> TicketRef:
        number = self._number(ref)
        if number is None:
            raise self._error(f"{ref.key} is not an issue of {self._repo_name}")
        return self._ref(number)

    def render(self, fields: TicketFields) -> TicketFields:
        return fields.model_copy(
            update={
                "title": fields.title.strip(),
                "body": normalise_text(fields.body),
                # The configured labels go on every issue, so they read back on every issue.
                "labels": self._labels([*self._config.labels, *fields.labels]),
                "due": None,
                "priority": None,
            }
        )

    # -- Protocol: reads ----------------------------------------------------------------------

    def check(self) -> None:
        doing = f"reading repository {self._repo_name}"
        try:
            self._read(self._repo.complete)
        except GithubException as exc:
            if exc.status == 401:
                raise self._unavailable(self._token_hint()) from exc
            if exc.status in _GONE:
                raise self._unavailable(
                    f"repository {self._repo_name} not found or not visible to the token "
                    f"(check trackers.{self._name}.repository)"
                ) from exc
            raise self._unavailable(str(self._failure(exc, doing))) from exc
        except requests.RequestException as exc:
            raise self._unavailable(str(self._transport(exc, doing))) from exc
        raw = self._repo.raw_data
        if raw.get("has_issues") is False:
            raise self._unavailable(f"issues are disabled in repository {self._repo_name}")
        permissions = raw.get("permissions")
        if isinstance(permissions, dict) and not any(
            permissions.get(level) for level in ("admin", "maintain", "push")
        ):
            raise self._unavailable(
                f"the token cannot write to {self._repo_name}: GitHub silently drops labels "
                "set on new issues without push access, so syncer could not find its issues"
            )

    def list_managed(self) -> list[Ticket]:
        return self._list(
            f"listing the managed issues of {self._repo_name}", sort=None, direction=None
        )

    def find(self, key: ItemKey) -> list[Ticket]:
        # Newest first: an issue created by an answer that was lost is found on the first page.
        found = self._list(f"looking up item {key}", sort="created", direction="desc")
        return [ticket for ticket in found if ticket.item_key == key]

    def fetch(self, refs: Sequence[TicketRef]) -> list[Ticket]:
        numbers = list(dict.fromkeys(n for ref in refs if (n := self._number(ref)) is not None))
        tickets: list[Ticket] = []
        for number in numbers:
            issue = self._repo.get_issue(number)
            try:
                self._read(issue.complete)
            except GithubException as exc:
                if exc.status in _GONE:
                    continue
                raise self._failure(exc, f"fetching {self._repo_name}#{number}") from exc
            except requests.RequestException as exc:
                raise self._transport(exc, f"fetching {self._repo_name}#{number}") from exc
            # PyGithub follows the 301 of a transferred issue; that issue is not ours any more.
            if self._is_here(issue) and not _is_pull_request(issue):
                tickets.append(self._ticket(issue))
        return tickets

    # -- Protocol: writes ---------------------------------------------------------------------

    def create(self, key: ItemKey, fields: TicketFields) -> Ticket:
        doing = f"creating the issue of item {key}"
        rendered = self.render(fields)
        options: dict[str, Any] = {
            "body": self._body(rendered.body, key),
            "labels": [*rendered.labels, MANAGED_LABEL],
        }
        if rendered.assignee is not None:
            options["assignees"] = [rendered.assignee]
        if self._config.milestone is not None:
            options["milestone"] = self._repo.get_milestone(self._config.milestone)

        def post() -> Issue:
            return self._repo.create_issue(rendered.title, **options)

        issue = self._write(post, doing, assignee=rendered.assignee)
        ticket = self._ticket(issue)
        if MANAGED_LABEL not in {label.name for label in issue.labels}:
            log.warning(
                "%s: GitHub dropped the labels of %s (item %s): the token lacks push access",
                self._name,
                ticket.ref,
                key,
            )
        log.info("%s: created %s for item %s", self._name, ticket.ref, key)
        return ticket

    def update(
        self,
        ref: TicketRef,
        fields: TicketFields,
        *,
        changed: Collection[str],
        key: ItemKey | None = None,
    ) -> Ticket:
        number = self._number(ref)
        if number is None:
            raise self._error(f"{ref.key} is not an issue of {self._repo_name}")
        doing = f"updating {self._repo_name}#{number}"
        rendered = self.render(fields)
        issue = self._repo.get_issue(number)
        edits: dict[str, Any] = {}
        if "body" in changed or "labels" in changed:
            # The marker and the managed label stay as they are, so read what is there now.
            self._get(issue, doing)
            marker, _ = split_body_marker(issue.body or "")
            # A reworded item's ticket keeps its old marker; a lost one is put back.
            marker = marker or key
            if "body" in changed:
                edits["body"] = self._body(rendered.body, marker)
            if "labels" in changed:
                names = {label.name for label in issue.labels}
                managed = key is not None or MANAGED_LABEL in names
                edits["labels"] = [*rendered.labels, *([MANAGED_LABEL] if managed else [])]
        if "title" in changed:
            edits["title"] = rendered.title
        if "assignee" in changed:
            edits["assignees"] = [rendered.assignee] if rendered.assignee else []
        if "done" in changed:
            edits["state"] = "closed" if rendered.done else "open"
            edits["state_reason"] = "completed" if rendered.done else "reopened"
        if not edits:
            self._get(issue, doing)
            return self._ticket(issue)

        def patch() -> None:
            issue.edit(**edits)

        self._write(patch, doing, assignee=rendered.assignee)
        return self._ticket(issue)

    def comment(self, ref: TicketRef, text: str) -> None:
        number = self._number(ref)
        if number is None:
            raise self._error(f"{ref.key} is not an issue of {self._repo_name}")
        issue = self._repo.get_issue(number)

        def post() -> None:
            issue.create_comment(text)

        self._write(post, f"commenting on {self._repo_name}#{number}", assignee=None)

    # -- requests -----------------------------------------------------------------------------

    def _read(self, call: Callable[[], T]) -> T:
        return retry_read(call, transient=self._transient, no_wait=self._no_wait)

    @staticmethod
    def _transient(exc: Exception) -> Backoff:
        if isinstance(exc, GithubException):
            headers = exc.headers or {}
            if exc.status == 429 or isinstance(exc, RateLimitExceededException):
                after = headers.get("retry-after")
                if after is not None:
                    return retry_after_backoff(str(after))
                # A primary limit resets within the hour: not worth waiting for here.
                return exc.status == 429
            return exc.status >= 500
        return transport_is_transient(exc)

    def _write(self, call: Callable[[], T], doing: str, *, assignee: str | None) -> T:
        try:
            return call()
        except GithubException as exc:
            raise self._failure(exc, doing, assignee=assignee) from exc
        except requests.RequestException as exc:
            raise self._transport(exc, doing) from exc

    def _get(self, issue: Issue, doing: str) -> None:
        try:
            self._read(issue.complete)
        except GithubException as exc:
            raise self._failure(exc, doing) from exc
        except requests.RequestException as exc:
            raise self._transport(exc, doing) from exc

    def _list(self, doing: str, *, sort: str | None, direction: str | None) -> list[Ticket]:
        """Every managed issue, from the raw pages.

        Listing goes through PyGithub's requester rather than ``get_issues``: building a full
        ``Issue`` object (with its users, labels and reactions) per listed issue cost more than
        the requests themselves on a repository of thousands.
        """
        options: dict[str, Any] = {"state": "all", "labels": MANAGED_LABEL, "per_page": 100}
        if sort is not None:
            options["sort"] = sort
        if direction is not None:
            options["direction"] = direction

        def listing() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            url: str | None = f"/repos/{self._repo_name}/issues"
            parameters: dict[str, Any] | None = options
            while url is not None:
                headers, page = self._client.requester.requestJsonAndCheck(
                    "GET", url, parameters=parameters
                )
                # Pull requests share the issues listing and carry a pull_request object.
                found += [raw for raw in page if "pull_request" not in raw]
                url, parameters = _next_page(headers), None  # the next URL carries the query
            return found

        try:
            listed = self._read(listing)
        except GithubException as exc:
            raise self._failure(exc, doing) from exc
        except requests.RequestException as exc:
            raise self._transport(exc, doing) from exc
        return [
            self._make_ticket(
                number=int(raw["number"]),
                title=raw.get("title"),
                body=raw.get("body"),
                labels=[label["name"] for label in raw.get("labels") or []],
                assignees=[user["login"] for user in raw.get("assignees") or []],
                state=raw.get("state"),
                updated=_github_time(raw.get("updated_at")),
            )
            for raw in listed
        ]

    # -- translation --------------------------------------------------------------------------

    def _number(self, ref: TicketRef) -> int | None:
        if ref.url:
            url = urlparse(ref.url)
            if f"{url.scheme}://{url.netloc}" == self._web:
                path = _ISSUE_PATH.match(url.path)
                if path and path.group(1).casefold() == self._repo_name.casefold():
                    return int(path.group(2))
            if ref.system != "github":
                return None
        if ref.system != "github":
            return None
        key = ref.key.strip()
        if bare := _BARE_NUMBER.match(key):
            return int(bare.group(1))
        full = _REPO_NUMBER.match(key)
        if full and full.group(1).casefold() == self._repo_name.casefold():
            return int(full.group(2))
        return None

    def _ref(self, number: int) -> TicketRef:
        return TicketRef(
            system="github",
            key=f"{self._repo_name}#{number}",
            url=f"{self._web}/{self._repo_name}/issues/{number}",
        )

    @staticmethod
    def _labels(labels: Collection[str]) -> tuple[str, ...]:
        """Sorted, unique, without the managed label (which syncer adds and reads itself)."""
        return tuple(sorted({label for label in labels if label and label != MANAGED_LABEL}))

    @staticmethod
    def _body(body: str, key: ItemKey | None) -> str:
        text = normalise_text(body)
        return f"{text}\n\n{body_marker(key)}" if key else text

    def _is_here(self, issue: Issue) -> bool:
        expected = f"/repos/{self._repo_name}".casefold()
        return urlparse(issue.repository_url).path.casefold().endswith(expected)

    def _ticket(self, issue: Issue) -> Ticket:
        return self._make_ticket(
            number=issue.number,
            title=issue.title,
            body=issue.body,
            labels=[label.name for label in issue.labels],
            assignees=[user.login for user in issue.assignees],
            state=issue.state,
            updated=issue.updated_at,
        )

    def _make_ticket(
        self,
        *,
        number: int,
        title: str | None,
        body: str | None,
        labels: Collection[str],
        assignees: Sequence[str],
        state: str | None,
        updated: datetime | None,
    ) -> Ticket:
        item_key, text = split_body_marker(body or "")
        if updated is not None and updated.tzinfo is None:
            updated = updated.replace(tzinfo=UTC)
        return Ticket(
            ref=self._ref(number),
            title=title or "",
            body=text,
            labels=self._labels(labels),
            assignee=assignees[0] if assignees else None,
            done=state == "closed",
            status=state or "",
            updated=updated,
            item_key=item_key,
        )

    # -- errors -------------------------------------------------------------------------------

    def _error(self, message: str, *, ambiguous: bool = False) -> TrackerError:
        return TrackerError(self._name, scrub(message, self._secrets), ambiguous=ambiguous)

    def _unavailable(self, message: str) -> TrackerUnavailableError:
        message = message.removeprefix(f"{self._name}: ")
        return TrackerUnavailableError(self._name, scrub(message, self._secrets))

    def _token_hint(self) -> str:
        return f"GitHub refused the token (check {env_prefix(self._name)}TOKEN)"

    def _transport(self, exc: requests.RequestException, doing: str) -> TrackerError:
        failure = describe_transport_failure(
            exc, url=self._config.url, timeout=self._config.timeout_seconds
        )
        if failure.unreachable:
            return self._unavailable(f"{doing}: {failure.message}")
        return self._error(f"{doing}: {failure.message}", ambiguous=failure.ambiguous)

    def _failure(
        self, exc: GithubException, doing: str, *, assignee: str | None = None
    ) -> TrackerError:
        status = exc.status
        data = exc.data if isinstance(exc.data, dict) else {}
        message = str(data.get("message") or "")
        headers = exc.headers or {}
        if status == 401:
            return self._unavailable(self._token_hint())
        if status == 429 or isinstance(exc, RateLimitExceededException):
            return TrackerRateLimitedError(
                self._name,
                scrub(f"{doing}: GitHub rate limit hit; {_retry_hint(headers)}", self._secrets),
            )
        if status >= 500:
            return self._error(
                f"{doing}: GitHub answered HTTP {status}" + (f": {message}" if message else ""),
                ambiguous=True,
            )
        if status == 422:
            hints = list(self._validation_hints(data, assignee))
            if hints:
                return self._error(f"{doing}: " + "; ".join(hints))
        if status == 403:
            return self._error(f"{doing}: GitHub denied permission: {message or 'HTTP 403'}")
        if status in _GONE:
            return self._error(f"{doing}: not found on GitHub (deleted, moved or not visible)")
        return self._error(f"{doing}: GitHub refused the request (HTTP {status}): {message}")

    def _validation_hints(self, data: Mapping[str, Any], assignee: str | None) -> Iterator[str]:
        setting = f"trackers.{self._name}"
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


def _next_page(headers: Mapping[str, Any]) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if there is one."""
    for link in requests.utils.parse_header_links(str(headers.get("link") or "")):
        if link.get("rel") == "next":
            return link.get("url")
    return None


def _github_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _is_pull_request(issue: Issue) -> bool:
    return "/pull/" in (issue.html_url or "")


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
