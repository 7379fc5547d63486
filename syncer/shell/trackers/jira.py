"""The Jira adapter: the ``Tracker`` Protocol on the ``jira`` client library (Cloud and Server/DC).

Owns every Jira word: issue keys, JQL, field ids, wiki markup, workflow transitions. Nothing
outside ``syncer/shell/trackers/`` sees a Jira payload; ``Ticket`` values leave this module.

* The flavour comes from the configuration, never from a ``serverInfo`` round trip: the
  library picks its search endpoint from ``JIRA.deploymentType`` (``"Cloud"`` -> the enhanced
  ``search/jql`` with ``nextPageToken`` pages; anything else -> ``search`` with ``startAt``
  pages), so the adapter sets that attribute from ``config.flavor``. Everything goes through
  REST API version 2, whose description field is a wiki-markup string.
* Cloud authenticates with basic auth (account email + API token), Server/DC with a personal
  access token (``Authorization: Bearer``).
* The library's own retrying session is switched off (``max_retries=0``): it retries POSTs too,
  which would create duplicates. Reads are retried here, with ``stamina``, on transient failures
  only; writes are never retried.
* The marker is the pair of labels ``syncer`` and ``syncer:<item key>``; ``key_field``, when set,
  carries a second copy of the key but is never searched. What syncer last wrote (``Written``)
  is the issue entity property ``syncer``: sent with the create, put after every other write of
  a change, and read back by the same search that lists the issues (its ``properties``
  parameter), so knowing it costs no request.
* ``render`` turns the Markdown body into wiki markup; ``create`` and ``update`` take fields as
  ``render`` returned them and write them unchanged (converting twice would garble the body).
* Every request goes through one ``Requests`` wrapper, which classifies failures once;
  ``ticket_from_jira`` turns an issue's JSON into a ``Ticket``, a pure function tested on
  recorded answers.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import re
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlparse

import requests
from jira import JIRA, JIRAError
from jira.resources import Issue

from syncer.config import JiraConfig, Secrets, env_prefix
from syncer.errors import (
    TrackerAssigneeError,
    TrackerError,
    TrackerRateLimitedError,
    TrackerUnavailableError,
)
from syncer.model import (
    ItemKey,
    Resolution,
    StatusCategory,
    Ticket,
    TicketFields,
    TicketRef,
    TicketSystem,
    Written,
)
from syncer.shell.trackers.base import (
    DEFAULT_MARKS,
    REPORT_LABEL,
    BulkCreate,
    BulkResult,
    ChangedTickets,
    Marks,
    fit_text,
    written_from_json,
)
from syncer.shell.trackers.markup import markdown_to_wiki, normalise_text
from syncer.shell.trackers.payloads import JiraIssueJson
from syncer.shell.trackers.transport import Answer, Hints, Requests, scrub

__all__ = ["JiraTracker", "is_done", "ticket_from_jira", "tidy_labels"]

log = logging.getLogger(__name__)

KEYS_PER_SEARCH = 50
"""``key in (...)`` and ``labels in (...)`` lists are cut into chunks of this many."""
BULK_CREATE_SIZE = 50
"""Issues per ``POST issue/bulk``: Jira's most."""
READ_ALLOWANCE = timedelta(minutes=10)
"""How much earlier than asked a changes search starts: a relative date moves with the server's
clock from page to page, and this much drift loses nothing (see ``list_changed``)."""
"""``key in (...)`` lists are cut into chunks of this many keys, so the JQL stays short."""

_ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]+)-(\d+)$")
_BROWSE_PATH = re.compile(r"/browse/([A-Za-z][A-Za-z0-9_]+-\d+)/?$")
_NOT_ON_SCREEN = re.compile(r"Field '([^']+)' cannot be set\. It is not on the appropriate screen")
USERS_PER_BULK = 200
"""Account ids per ``user/bulk`` request: Cloud's most."""
PAGE_SIZE = 100
JIRA_TEXT_LIMIT = 32_767
"""The most characters Jira takes in a text field such as the description."""
"""Issues per search page: Cloud's most for a search that asks for several fields."""

_NO_SUCH_KEY = re.compile(r"issue with key '[^']+' does not exist", re.IGNORECASE)
_TEMPLATE_FIELD = re.compile(r"\{(\w*)\}")


def _jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- translation: pure functions of JSON ----------------------------------------------------


def _category(status: Mapping[str, Any]) -> str | None:
    category = status.get("statusCategory") or {}
    key = category.get("key")
    return str(key) if key is not None else None


def is_done(raw: Mapping[str, Any]) -> bool:
    """Whether an issue's status is in the Done category."""
    return _category(raw.get("fields", {}).get("status") or {}) == "done"


def _is_mark(label: str, marks: Marks) -> bool:
    return label == marks.managed_label or label.startswith(marks.key_prefix)


def tidy_labels(labels: Collection[str], marks: Marks = DEFAULT_MARKS) -> tuple[str, ...]:
    """Sorted, unique, without the marker labels (which syncer adds and reads itself)."""
    return tuple(sorted({label for label in labels if label and not _is_mark(label, marks)}))


def marker_key(labels: Collection[str], marks: Marks = DEFAULT_MARKS) -> ItemKey | None:
    """The item key a ``syncer:<key>`` label carries, if any."""
    prefix = marks.key_prefix
    return next((label[len(prefix) :] for label in labels if label.startswith(prefix)), None)


_CATEGORIES: Mapping[str, StatusCategory] = {
    "new": "todo",
    "indeterminate": "in_progress",
    "done": "done",
}
"""Jira's statusCategory keys in the core's words."""

DONE_RESOLUTIONS = frozenset({"done", "fixed", "resolved", "complete", "completed"})
"""Resolution names (case-folded) meaning the work was done; any other (Won't Do, Won't Fix,
Duplicate, Cannot Reproduce, Declined...) means the ticket was closed without doing it."""


def pick_transition(
    available: Sequence[Mapping[str, Any]], *, done: bool, named: str | None = None
) -> Mapping[str, Any] | None:
    """The transition to close (``done``) or reopen an issue with.

    ``named`` (a configured transition name, any case, or id) wins; otherwise the first leading
    to a Done-category status, or, to reopen, to a To Do and else an In Progress one.
    """
    if named is not None:
        folded = named.casefold()
        return next(
            (
                t
                for t in available
                if str(t.get("id")) == named or str(t.get("name") or "").casefold() == folded
            ),
            None,
        )
    for category in ("done",) if done else ("new", "indeterminate"):
        chosen = next((t for t in available if _category(t.get("to") or {}) == category), None)
        if chosen is not None:
            return chosen
    return None


def _jira_time(value: Any) -> datetime | None:
    """``2026-11-27T10:00:00.000+0000`` -> an aware UTC datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def resolution_of(fields: Mapping[str, Any]) -> Resolution | None:
    """Done or won't do, from the resolution's name; ``None`` when the issue has none."""
    resolution = fields.get("resolution")
    if not isinstance(resolution, Mapping):
        return None
    name = str(resolution.get("name") or "").strip().casefold()
    return "done" if name in DONE_RESOLUTIONS else "wont_do"


def issue_ref(key: str, *, base: str) -> TicketRef:
    return TicketRef(system="jira", key=key, url=f"{base}/browse/{key}")


def ticket_from_jira(
    raw: JiraIssueJson,
    *,
    base: str,
    cloud: bool,
    due_field: str,
    key_field: str | None = None,
    marks: Marks = DEFAULT_MARKS,
) -> Ticket:
    """One issue's JSON (REST v2 ``IssueBean``) as a ``Ticket``; field ids already resolved."""
    fields: Mapping[str, Any] = raw.get("fields") or {}
    labels: list[str] = list(fields.get("labels") or [])
    item_key = marker_key(labels, marks)
    if item_key is None and key_field:
        copy = fields.get(key_field)
        item_key = copy if isinstance(copy, str) and copy else None
    assignee = fields.get("assignee") or {}
    priority = fields.get("priority") or {}
    status = fields.get("status") or {}
    due = fields.get(due_field)
    category = _category(status)
    done = category == "done"
    return Ticket(
        ref=issue_ref(str(raw["key"]), base=base),
        title=str(fields.get("summary") or ""),
        body=normalise_text(str(fields.get("description") or "")),
        labels=tidy_labels(labels, marks),
        assignee=assignee.get("accountId" if cloud else "name"),
        due=date.fromisoformat(str(due)[:10]) if due else None,
        priority=priority.get("name"),
        done=done,
        status=str(status.get("name") or ""),
        updated=_jira_time(fields.get("updated")),
        item_key=item_key,
        # A ticket adopted from the default installation (``instance`` added since) carries
        # its baseline under the default's key until this installation writes its own.
        written=written_from_json(
            (raw.get("properties") or {}).get(marks.property_key)
            or (raw.get("properties") or {}).get(DEFAULT_MARKS.property_key)
        ),
        status_category=_CATEGORIES.get(category or ""),
        # A reopened issue may keep a stale resolution on some workflows: only a closed one has
        # a meaningful one.
        resolution=resolution_of(fields) if done else None,
        created=_jira_time(fields.get("created")),
        resolved=_jira_time(fields.get("resolutiondate")) if done else None,
    )


def _answer(exc: JIRAError) -> Answer:
    headers = exc.response.headers if exc.response is not None else {}
    return Answer(status=exc.status_code, retry_after=headers.get("Retry-After"))


class JiraTracker:
    """One Jira project, Cloud or Server/Data Center."""

    system: TicketSystem = "jira"

    def __init__(
        self, name: str, config: JiraConfig, secrets: Secrets, *, instance: str = "syncer"
    ) -> None:
        """Build the client; sends no request (``check()`` is the first one)."""
        self.name = name
        self._marks = Marks(instance)
        self._property_keys = ",".join(
            dict.fromkeys((self._marks.property_key, DEFAULT_MARKS.property_key))
        )
        """The issue properties read with every issue: this installation's baseline, and the
        default installation's (an adopted ticket's, until this one writes its own)."""
        self._config = config
        self._cloud = config.flavor == "cloud"
        self._base = config.url.rstrip("/")
        token = secrets.token.get_secret_value()
        hidden = [token]
        if self._cloud:
            email = secrets.email or config.email or ""
            hidden.append(base64.b64encode(f"{email}:{token}".encode()).decode())
            auth: dict[str, Any] = {"basic_auth": (email, token)}
        else:
            auth = {"token_auth": token}
        self._http = Requests(
            name,
            url=self._base,
            timeout=config.timeout_seconds,
            secrets=hidden,
            library_error=JIRAError,
            answer=_answer,
            classify=self._classify,
        )
        self._client = JIRA(
            server=self._base,
            get_server_info=False,
            max_retries=0,
            timeout=config.timeout_seconds,
            logging=False,
            **auth,
        )
        # The library decides Cloud vs Server (search endpoint, paging, user fields) from this
        # attribute, which only a serverInfo request would otherwise fill.
        self._client.deploymentType = "Cloud" if self._cloud else "Server"
        # The few endpoints the library has no public call for (a create carrying its issue
        # property, bulk user lookups, a PUT without a GET first) go through a session of our
        # own with the same credentials, never through the library's private attributes.
        self._session = requests.Session()
        self._session.headers.update(
            {"Accept": "application/json", "Content-Type": "application/json"}
        )
        if self._cloud:
            self._session.auth = (email, token)
        else:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._field_ids: dict[str, str] | None = None

    def _rest(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: object = None,
    ) -> Any:
        """One call of Jira's REST API (version 2, as the library speaks it): JSON in, JSON
        out. A refusal raises ``JIRAError`` like the library's own calls, so the one request
        wrapper (``self._http``) classifies and scrubs both alike."""
        response = self._session.request(
            method,
            f"{self._base}/rest/api/2/{path}",
            params=params,
            data=None if body is None else json.dumps(body),
            timeout=self._config.timeout_seconds,
        )
        if not response.ok:
            raise JIRAError(
                text=response.text,
                status_code=response.status_code,
                url=response.url,
                response=response,
            )
        return response.json() if response.content else None

    # -- Protocol: identity -------------------------------------------------------------------

    def owns(self, ref: TicketRef) -> bool:
        if ref.url and self._on_my_host(ref.url):
            # Several projects may share one site: a link is ours only if its key is.
            linked = self._key_from_url(ref.url)
            return linked is not None and linked.rsplit("-", 1)[0] == self._config.project
        if ref.system != "jira":
            return False
        match = _ISSUE_KEY.match(ref.key.strip().upper())
        return bool(match and match.group(1) == self._config.project)

    def resolve(self, ref: TicketRef) -> TicketRef:
        key = ref.key.strip().upper()
        if ref.url and self._on_my_host(ref.url):
            key = self._key_from_url(ref.url) or key
        return self._ref(key)

    def render(self, fields: TicketFields) -> TicketFields:
        """Markdown body -> wiki markup, tidied; ``create``/``update`` write the result as is."""
        return fields.model_copy(
            update={
                "title": " ".join(fields.title.split()),
                "body": normalise_text(markdown_to_wiki(fields.body)),
                # The configured labels go on every ticket, so they read back on every ticket.
                "labels": tidy_labels([*self._config.labels, *fields.labels], self._marks),
            }
        )

    # -- Protocol: reads ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the client's connections (a long-running worker opens a client per cycle)."""
        self._client.close()  # type: ignore[no-untyped-call]  # jira leaves close unannotated
        self._session.close()

    def check(self) -> None:
        try:
            self._check()
        except TrackerUnavailableError:
            raise
        except TrackerError as exc:
            # Whatever stops these two reads stops the whole run for this tracker.
            raise self._http.unavailable(str(exc)) from exc

    def _check(self) -> None:
        def myself() -> dict[str, Any]:
            return self._client.myself()

        def project() -> object:
            return self._client.project(self._config.project)

        try:
            self._http.read(myself, "checking the credentials")
        except TrackerError as exc:
            if self._http.status(exc) in (401, 403):
                raise self._http.unavailable(self._credentials_hint()) from exc
            raise
        try:
            self._http.read(project, f"reading project {self._config.project}")
        except TrackerError as exc:
            if self._http.status(exc) == 404:
                raise self._http.unavailable(
                    f"project {self._config.project} does not exist or is not visible to "
                    f"these credentials (check trackers.{self.name}.project)"
                ) from exc
            raise

    def unassignable(self, accounts: Collection[str]) -> list[str]:
        """Cloud: ``user/bulk``, 200 account ids a request; Server/DC has no bulk form:
        ``user/assignable/search`` in the project, one request per user name."""
        wanted = sorted(set(accounts))
        if self._cloud:
            known: set[str] = set()
            for start in range(0, len(wanted), USERS_PER_BULK):
                chunk = wanted[start : start + USERS_PER_BULK]

                def bulk(chunk: list[str] = chunk) -> dict[str, Any]:
                    params = {"accountId": chunk, "maxResults": USERS_PER_BULK}
                    found: dict[str, Any] = self._rest("GET", "user/bulk", params=params)
                    return found

                page = self._http.read(bulk, "checking the owner map's accounts")
                known |= {str(u.get("accountId")) for u in page.get("values") or []}
            return [a for a in wanted if a not in known]
        refused = []
        for name in wanted:

            def search(name: str = name) -> list[dict[str, Any]]:
                params = {"project": self._config.project, "username": name, "maxResults": 1000}
                found: list[dict[str, Any]] = self._rest(
                    "GET", "user/assignable/search", params=params
                )
                return found

            users = self._http.read(search, f"checking that {name!r} can be assigned")
            if not any(str(u.get("name", "")).casefold() == name.casefold() for u in users):
                refused.append(name)
        return refused

    def list_managed(self) -> list[Ticket]:
        jql = (
            f"project = {_jql_string(self._config.project)} "
            f"AND labels = {_jql_string(self._marks.managed_label)} ORDER BY key ASC"
        )
        return self._search(jql, doing=f"listing the managed tickets of {self._config.project}")

    def list_changed(
        self, *, since: datetime, now: datetime, etag: str | None = None
    ) -> ChangedTickets:
        """The same search as ``list_managed``, narrowed to ``updated >= "-<n>m"``.

        A relative date: JQL reads absolute dates in the user's profile time zone, which this
        side does not know; minutes back from the server's own now need no time zone (the
        caller's margin covers the two clocks' difference). Jira has no conditional search.

        Each page evaluates the date again, so the window's start moves on while a long read
        pages. An answer of one page is read as asked; a longer one is read again from
        ``READ_ALLOWANCE`` earlier than asked, newest first: what drifts out of the window is
        then at the end, older than asked, and moves no page boundary before it (a ticket
        updated during the read moves to the front, and the next read asks from before this
        one started). A read that takes longer than the allowance is not ``complete``.
        """

        def jql(allowance: timedelta) -> tuple[str, str]:
            minutes = max(1, math.ceil((now - since + allowance).total_seconds() / 60))
            query = (
                f"project = {_jql_string(self._config.project)} "
                f"AND labels = {_jql_string(self._marks.managed_label)} "
                f'AND updated >= "-{minutes}m" ORDER BY updated DESC, key ASC'
            )
            return (
                query,
                f"listing the tickets of {self._config.project} changed in the last {minutes} min",
            )

        # One page is one evaluation of the date: no drift. Only a longer answer is read again
        # with the allowance, page by page.
        narrow, doing = jql(timedelta())
        first = self._search(narrow, doing=doing, pages=1)
        if len(first) < PAGE_SIZE:
            return ChangedTickets(tickets=tuple(first))
        wide, doing = jql(READ_ALLOWANCE)
        started = time.monotonic()
        found = {t.ref.key: t for t in self._search(wide, doing=doing)}  # pages may overlap
        drifted = time.monotonic() - started > READ_ALLOWANCE.total_seconds()
        return ChangedTickets(tickets=tuple(found.values()), complete=not drifted)

    def find_many(self, keys: Collection[ItemKey]) -> dict[ItemKey, list[Ticket]]:
        """One search per ``KEYS_PER_SEARCH`` keys, on their marker labels."""
        wanted = sorted(set(keys))
        found: dict[ItemKey, list[Ticket]] = {}
        for start in range(0, len(wanted), KEYS_PER_SEARCH):
            chunk = wanted[start : start + KEYS_PER_SEARCH]
            labels = ", ".join(_jql_string(self._marks.key_prefix + key) for key in chunk)
            jql = (
                f"project = {_jql_string(self._config.project)} "
                f"AND labels in ({labels}) ORDER BY key ASC"
            )
            doing = f"looking up items {chunk[0]}..{chunk[-1]}"
            for ticket in self._search(jql, doing=doing):
                if ticket.item_key in chunk:
                    found.setdefault(ticket.item_key, []).append(ticket)
        return found

    def find(self, key: ItemKey) -> list[Ticket]:
        jql = (
            f"project = {_jql_string(self._config.project)} "
            f"AND labels = {_jql_string(self._marks.key_prefix + key)} ORDER BY key ASC"
        )
        found = self._search(jql, doing=f"looking up item {key}")
        return [ticket for ticket in found if ticket.item_key == key]

    def fetch(self, refs: Sequence[TicketRef]) -> list[Ticket]:
        keys = list(dict.fromkeys(self.resolve(ref).key for ref in refs if self.owns(ref)))
        tickets: list[Ticket] = []
        for start in range(0, len(keys), KEYS_PER_SEARCH):
            chunk = keys[start : start + KEYS_PER_SEARCH]
            jql = f"key in ({', '.join(chunk)}) ORDER BY key ASC"
            doing = f"fetching {', '.join(chunk)}"
            try:
                tickets += self._search(jql, doing=doing)
            except TrackerError as exc:
                # Jira refuses the whole query when one key does not exist.
                cause = exc.__cause__
                if not (
                    isinstance(cause, JIRAError)
                    and cause.status_code == 400
                    and _NO_SUCH_KEY.search(cause.text or "")
                ):
                    raise
                tickets += [t for key in chunk if (t := self._fetch_one(key)) is not None]
        # A moved ticket answers under its new key: the reference no longer points at it.
        wanted = set(keys)
        return [t for t in tickets if t.ref.key in wanted]

    # -- Protocol: writes ---------------------------------------------------------------------

    def _create_request(
        self, key: ItemKey, fields: TicketFields, written: Written | None
    ) -> tuple[dict[str, Any], Hints, Written]:
        """The ``IssueUpdateDetails`` creating ``key``'s issue, the hints for error messages,
        and the baseline it carries."""
        rendered = fields
        payload: dict[str, Any] = {
            "project": {"key": self._config.project},
            "summary": rendered.title,
            "description": rendered.body,
            "issuetype": {"name": rendered.issue_type or self._config.issue_type},
            "labels": [*rendered.labels, self._marks.managed_label, self._marks.key_prefix + key],
        }
        if self._config.components:
            payload["components"] = [{"name": c} for c in self._config.components]
        sent = {
            "assignee": rendered.assignee,
            "priority": rendered.priority,
            "issue_type": rendered.issue_type or self._config.issue_type,
        }
        if rendered.assignee is not None:
            payload["assignee"] = self._user(rendered.assignee)
        if rendered.priority is not None:
            payload["priority"] = {"name": rendered.priority}
        if rendered.due is not None:
            payload[self._resolved_field(self._config.due_field, "due_field")] = (
                rendered.due.isoformat()
            )
        if self._config.key_field:
            payload[self._resolved_field(self._config.key_field, "key_field")] = key
        for field_name, template in self._config.custom_fields.items():
            field_id = self._resolved_field(field_name, f"custom_fields.{field_name}")
            payload[field_id] = self._fill(template, key)
        # The new issue is open: its baseline says so, whatever the document says.
        written = written or Written.of(rendered).model_copy(update={"done": False})
        request = {
            "fields": payload,
            "properties": [
                {"key": self._marks.property_key, "value": written.model_dump(mode="json")}
            ],
        }
        return request, sent, written

    def _created(
        self, issue_key: str, key: ItemKey, fields: TicketFields, written: Written
    ) -> Ticket:
        # Built from what was sent: a read-back GET could fail after the create took effect.
        return Ticket(
            ref=issue_ref(issue_key, base=self._base),
            title=fields.title,
            body=fields.body,
            labels=fields.labels,
            assignee=fields.assignee,
            due=fields.due,
            priority=fields.priority,
            item_key=key,
            written=written,
        )

    def create(
        self, key: ItemKey, fields: TicketFields, *, written: Written | None = None
    ) -> Ticket:
        """One POST; ``fields`` as ``render`` returned them."""
        doing = f"creating the ticket of item {key}"
        request, sent, written = self._create_request(key, fields, written)

        def post() -> dict[str, Any]:
            # Sent as JSON by hand: the library's create_issue takes fields only.
            created: dict[str, Any] = self._rest("POST", "issue", body=request)
            return created

        issue = self._http.write(post, doing, hints=sent)
        log.info("%s: created %s for item %s", self.name, issue["key"], key)
        return self._created(str(issue["key"]), key, fields, written)

    @property
    def bulk_size(self) -> int:
        return BULK_CREATE_SIZE if self._config.bulk_create else 1

    def create_many(self, batch: Sequence[BulkCreate]) -> list[BulkResult]:
        """One ``POST issue/bulk`` for up to 50 issues; each refused entry reported on its own.

        Jira answers 201 when some were made and 400 when none were, both with ``issues`` (the
        made ones, in request order) and ``errors`` (``failedElementNumber`` and why).
        """
        if not batch:
            return []
        if len(batch) > BULK_CREATE_SIZE:
            raise ValueError(f"at most {BULK_CREATE_SIZE} issues per bulk create")
        built = [self._create_request(entry.key, entry.fields, entry.written) for entry in batch]
        body = {"issueUpdates": [request for request, _, _ in built]}
        keys = [entry.key for entry in batch]
        doing = f"creating the tickets of items {keys[0]}..{keys[-1]} ({len(keys)}, in bulk)"

        def post() -> dict[str, Any]:
            answer = self._client._session.post(
                self._client._get_url("issue/bulk"), data=json.dumps(body)
            )
            created: dict[str, Any] = answer.json()
            return created

        try:
            answer = self._http.write(post, doing)
        except TrackerError as exc:
            refused = self._all_refused(exc)
            if refused is None:
                raise
            answer = refused
        failed: dict[int, str] = {}
        refused_fields: dict[int, set[str]] = {}
        for error in answer.get("errors") or []:
            number = int(error.get("failedElementNumber", -1))
            element = error.get("elementErrors") or {}
            fields = {str(k): str(v) for k, v in (element.get("errors") or {}).items()}
            messages = [str(m) for m in element.get("errorMessages") or []]
            failed[number] = "; ".join([*(f"{k}: {v}" for k, v in fields.items()), *messages])
            refused_fields[number] = set(fields)
        made = iter(answer.get("issues") or [])
        results: list[BulkResult] = []
        for number, (entry, (_, sent, written)) in enumerate(zip(batch, built, strict=True)):
            if number in failed:
                message = f"creating the ticket of item {entry.key}: Jira refused it: "
                message += failed[number] or "no reason given"
                if refused_fields[number] == {"assignee"}:
                    results.append(
                        TrackerAssigneeError(
                            self.name,
                            scrub(message, self._http.secrets),
                            account=sent.get("assignee"),
                        )
                    )
                else:
                    results.append(self._http.error(message))
                continue
            issue = next(made, None)
            if issue is None:
                # Jira said neither made nor refused: only a lookup can tell.
                results.append(
                    self._http.error(
                        f"creating the ticket of item {entry.key}: no answer for it in the "
                        "bulk create's result",
                        ambiguous=True,
                    )
                )
                continue
            log.info("%s: created %s for item %s", self.name, issue["key"], entry.key)
            results.append(self._created(str(issue["key"]), entry.key, entry.fields, written))
        return results

    def _all_refused(self, exc: TrackerError) -> dict[str, Any] | None:
        """A bulk create's 400 answer naming each refused entry, or ``None`` if it is not one."""
        cause = exc.__cause__
        if not isinstance(cause, JIRAError) or cause.status_code != 400 or cause.response is None:
            return None
        try:
            body = cause.response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return body
        return None

    def update(
        self,
        ref: TicketRef,
        fields: TicketFields,
        *,
        key: ItemKey | None = None,  # the item, whose marker is put back if a person removed it
        changed: Collection[str],
        written: Written | None = None,
    ) -> Ticket:
        """GET, PUT of the changed fields, transition if ``done`` changed; ``fields`` rendered.

        A managed ticket whose marker labels a person removed (``key`` given, no ``syncer:``
        label left) gets them back with this write; one carrying another key (its item was
        reworded) gets the new one instead.
        """
        issue_key = self.resolve(ref).key
        doing = f"updating {issue_key}"
        rendered = fields
        issue = self._get_issue(issue_key, doing)
        if issue.key != issue_key:
            # Moved to another project since it was listed: Jira answers the old key with the
            # issue under its new one, which is not syncer's to write (nor this reference's).
            raise self._http.gone(f"{doing}: moved to {issue.key}")
        payload: dict[str, Any] = {}
        if "title" in changed:
            payload["summary"] = rendered.title
        if "body" in changed:
            payload["description"] = rendered.body
        if "assignee" in changed:
            payload["assignee"] = (
                None if rendered.assignee is None else self._user(rendered.assignee)
            )
        if "priority" in changed:
            payload["priority"] = None if rendered.priority is None else {"name": rendered.priority}
        if "due" in changed:
            due_id = self._resolved_field(self._config.due_field, "due_field")
            payload[due_id] = None if rendered.due is None else rendered.due.isoformat()
        current: list[str] = list(issue.raw["fields"].get("labels") or [])
        markers = [m for m in current if _is_mark(m, self._marks)]
        # A marker a person took off is put back; a reworded item's ticket takes its new key,
        # so that it is found without state.
        lost = key is not None and marker_key(current, self._marks) != key
        if lost:
            markers = [self._marks.managed_label, self._marks.key_prefix + str(key)]
        if "labels" in changed:
            payload["labels"] = [*rendered.labels, *markers]
        elif lost and (payload or "done" in changed):
            # Put back the marker a person took off, leaving the other labels as they are.
            payload["labels"] = [*tidy_labels(current, self._marks), *markers]
        sent = {"assignee": rendered.assignee, "priority": rendered.priority}
        raw: dict[str, Any] = issue.raw
        transition = "done" in changed and is_done(raw) != rendered.done
        # The baseline travels in the same request as what it records (IssueUpdateDetails'
        # ``properties``), so no answer lost between two requests leaves it one write behind.
        # Before a transition, the field write records the status the ticket still has; the
        # transition records the rest.
        before = written
        if written is not None and transition:
            resolution = resolution_of(raw.get("fields") or {})
            before = written.model_copy(
                update={"done": is_done(raw), "wont_do": resolution == "wont_do", "unsaid": False}
            )
        if payload:
            body: dict[str, Any] = {"fields": payload}
            if before is not None:
                body["properties"] = [self._baseline_property(before)]

            def put() -> None:
                self._rest("PUT", f"issue/{issue_key}", body=body)

            self._http.write(put, doing, hints=sent)
        if transition:
            self._transition(
                issue_key,
                done=rendered.done,
                doing=doing,
                wont_do=rendered.wont_do,
                written=written,
            )
        elif written is not None and not payload:
            self.remember(issue_ref(issue_key, base=self._base), written)
        if payload or transition:
            raw = self._get_issue(issue_key, doing).raw  # the issue as the writes left it
        ticket = self._ticket(cast(JiraIssueJson, raw))
        if written is not None:
            ticket = ticket.model_copy(update={"written": written})
        return ticket

    def _baseline_property(self, written: Written) -> dict[str, Any]:
        """The issue property holding what syncer last wrote, as ``EntityProperty``."""
        return {"key": self._marks.property_key, "value": written.model_dump(mode="json")}

    def remember(self, ref: TicketRef, written: Written) -> None:
        """PUT the issue property holding what syncer last wrote; one request."""
        key = self.resolve(ref).key
        value = written.model_dump(mode="json")

        def put() -> None:
            self._client.add_issue_property(key, self._marks.property_key, value)

        self._http.write(put, f"recording what syncer wrote on {key}")

    def comment(self, ref: TicketRef, text: str) -> None:
        key = self.resolve(ref).key
        body = markdown_to_wiki(text)

        def post() -> None:
            self._client.add_comment(key, body)

        self._http.write(post, f"commenting on {key}")

    def comment_texts(self, ref: TicketRef) -> list[str]:
        key = self.resolve(ref).key

        def comments() -> list[str]:
            return [str(getattr(c, "body", "") or "") for c in self._client.comments(key)]

        return self._http.read(comments, f"reading the comments of {key}")

    # -- the follow-up report's delivery -------------------------------------------------------

    def nudge(self, ref: TicketRef, text: str, *, account: str) -> None:
        key = self.resolve(ref).key
        # A mention is wiki markup the Markdown conversion would (rightly) escape.
        mention = f"[~accountid:{account}]" if self._cloud else f"[~{account}]"
        body = f"{mention} {markdown_to_wiki(text)}"

        def post() -> None:
            self._client.add_comment(key, body)

        self._http.write(post, f"nudging the assignee of {key}")

    def find_report(self, team_key: str) -> TicketRef | None:
        jql = (
            f"project = {_jql_string(self._config.project)} "
            f"AND labels = {_jql_string(f'{REPORT_LABEL}:{team_key}')} ORDER BY key ASC"
        )
        found = self._search(jql, doing=f"looking up the report issue of {team_key}")
        return found[0].ref if found else None

    def create_report(self, team_key: str, *, title: str, body: str) -> TicketRef:
        payload: dict[str, Any] = {
            "project": {"key": self._config.project},
            "summary": title,
            "description": fit_text(markdown_to_wiki(body), JIRA_TEXT_LIMIT),
            "issuetype": {"name": self._config.issue_type},
            "labels": [REPORT_LABEL, f"{REPORT_LABEL}:{team_key}"],
        }

        def post() -> Issue:
            return self._client.create_issue(fields=payload, prefetch=False)

        issue = self._http.write(post, f"creating the report issue of {team_key}")
        return self._ref(str(issue.key))

    def update_report(
        self, ref: TicketRef, team_key: str, *, title: str, body: str
    ) -> TicketRef | None:
        key = self.resolve(ref).key
        doing = f"updating the report issue {key}"
        payload = {
            "summary": title,
            "description": fit_text(markdown_to_wiki(body), JIRA_TEXT_LIMIT),
        }

        def put() -> None:
            # A PUT by key, without reading the issue first: one request per run.
            # The library's own Issue.update would GET the issue first.
            self._rest("PUT", f"issue/{key}", body={"fields": payload})

        try:
            self._http.write(put, doing)
        except TrackerError as exc:
            if self._http.status(exc) == 404:
                return None
            raise
        return self._ref(key)

    # -- requests -----------------------------------------------------------------------------

    def _search(self, jql: str, *, doing: str, pages: int | None = None) -> list[Ticket]:
        """Every issue ``jql`` finds, page by page; at most ``pages`` pages when given."""
        wanted = self._wanted_fields()

        def search() -> list[Ticket]:
            # Pages are read as JSON: the library's Issue objects cost more to build than the
            # requests themselves take when thousands of issues are listed. Each page becomes
            # tickets at once: 50,000 issues' JSON held together would double the memory.
            found: list[Ticket] = []
            token: str | None = None
            while True:
                if self._cloud:
                    page = self._client.enhanced_search_issues(
                        jql,
                        nextPageToken=token,
                        maxResults=PAGE_SIZE,
                        fields=list(wanted),
                        properties=self._property_keys,
                        json_result=True,
                    )
                else:
                    page = self._client.search_issues(
                        jql,
                        startAt=len(found),
                        maxResults=PAGE_SIZE,
                        fields=list(wanted),
                        properties=self._property_keys,
                        json_result=True,
                    )
                issues = page.get("issues") or []
                found += [self._ticket(raw) for raw in issues]
                if pages is not None and len(found) >= pages * PAGE_SIZE:
                    return found
                if self._cloud:
                    token = page.get("nextPageToken")
                    if not token or page.get("isLast") is True:
                        return found
                elif not issues or len(found) >= int(page.get("total", 0)):
                    return found

        return self._http.read(search, doing)

    def _get_issue(self, key: str, doing: str) -> Issue:
        wanted = ",".join(self._wanted_fields())

        def get() -> Issue:
            return self._client.issue(key, fields=wanted, properties=self._property_keys)

        return self._http.read(get, doing)

    def _fetch_one(self, key: str) -> Ticket | None:
        try:
            return self._ticket(cast(JiraIssueJson, self._get_issue(key, f"fetching {key}").raw))
        except TrackerError as exc:
            if self._http.status(exc) == 404:
                return None
            raise

    def _transition(
        self,
        key: str,
        *,
        done: bool,
        doing: str,
        wont_do: bool = False,
        written: Written | None = None,
    ) -> None:
        """POST the transition to the done or open status; ``written`` (the baseline) goes
        in the same request, as the transition's ``properties``."""

        def transitions() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = self._client.transitions(key)
            return found

        available = self._http.read(transitions, doing)
        named = self._config.close_transition if done else self._config.reopen_transition
        chosen = pick_transition(available, done=done, named=named)
        if chosen is None:
            names = ", ".join(repr(t.get("name")) for t in available) or "none"
            if named is not None:
                setting = f"trackers.{self.name}.{'close' if done else 'reopen'}_transition"
                raise self._http.error(
                    f"{doing}: the transition {named!r} ({setting}) is not available "
                    f"(available: {names}); move it by hand or change {setting}"
                )
            goal = "a Done" if done else "an open (To Do or In Progress)"
            raise self._http.error(
                f"{doing}: no workflow transition leads to {goal} status "
                f"(available: {names}); move it by hand or adjust the workflow of project "
                f"{self._config.project}"
            )
        transition_id = str(chosen["id"])
        fields: dict[str, Any] = {}
        if done and wont_do:
            # Marked won't do in the post-mortem: closed, but not as done.
            fields["resolution"] = {"name": self._config.wont_do_resolution}
        elif done and self._config.close_resolution is not None:
            fields["resolution"] = {"name": self._config.close_resolution}

        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        if written is not None:
            body["properties"] = [self._baseline_property(written)]

        def post() -> None:
            self._rest("POST", f"issue/{key}/transitions", body=body)

        self._http.write(post, doing)

    # -- fields -------------------------------------------------------------------------------

    def _wanted_fields(self) -> tuple[str, ...]:
        wanted = ["summary", "description", "labels", "assignee", "priority", "status", "updated"]
        # For the follow-up report, in the same requests: won't do vs done, and ages.
        wanted += ["resolution", "created", "resolutiondate"]
        wanted.append(self._resolved_field(self._config.due_field, "due_field"))
        if self._config.key_field:
            wanted.append(self._resolved_field(self._config.key_field, "key_field"))
        return tuple(dict.fromkeys(wanted))

    def _resolved_field(self, name: str, setting: str) -> str:
        """The id of a field given by id (``duedate``, ``customfield_10042``) or by name."""
        if name == "duedate" or name.startswith("customfield_"):
            return name
        if self._field_ids is None:
            listed = self._http.read(self._client.fields, "listing the Jira fields")
            ids: dict[str, str] = {}
            for field in listed:
                ids.setdefault(str(field.get("id")).casefold(), str(field.get("id")))
                ids.setdefault(str(field.get("name")).casefold(), str(field.get("id")))
            self._field_ids = ids
        found = self._field_ids.get(name.casefold())
        if found is None:
            raise self._http.error(
                f"Jira has no field named {name!r} (check trackers.{self.name}.{setting})"
            )
        return found

    @staticmethod
    def _fill(template: str, key: ItemKey) -> str:
        # The configuration checked the template's placeholders (config.TEMPLATE_FIELDS).
        return template.format(item_key=key, incident_slug=key.split(".", 1)[0])

    def _user(self, account: str) -> dict[str, str]:
        return {"accountId": account} if self._cloud else {"name": account}

    # -- translation --------------------------------------------------------------------------

    def _ref(self, key: str) -> TicketRef:
        return issue_ref(key, base=self._base)

    def _on_my_host(self, url: str) -> bool:
        return urlparse(url).hostname == urlparse(self._base).hostname

    @staticmethod
    def _key_from_url(url: str) -> str | None:
        match = _BROWSE_PATH.search(urlparse(url).path)
        return match.group(1).upper() if match else None

    def _ticket(self, raw: JiraIssueJson) -> Ticket:
        key_field = self._config.key_field
        return ticket_from_jira(
            raw,
            base=self._base,
            cloud=self._cloud,
            due_field=self._resolved_field(self._config.due_field, "due_field"),
            key_field=self._resolved_field(key_field, "key_field") if key_field else None,
            marks=self._marks,
        )

    # -- errors -------------------------------------------------------------------------------

    def _credentials_hint(self) -> str:
        prefix = env_prefix(self.name)
        if self._cloud:
            return f"Jira refused the credentials (check {prefix}TOKEN / _EMAIL)"
        return f"Jira refused the credentials (check {prefix}TOKEN)"

    def _classify(self, exc: JIRAError, doing: str, sent: Hints) -> TrackerError:
        status = exc.status_code
        text = exc.text or ""
        if status == 401:
            return self._http.unavailable(self._credentials_hint())
        if status == 429:
            headers = exc.response.headers if exc.response is not None else {}
            after = headers.get("Retry-After")
            wait = f"; retry after {after}s" if after else "; retry later"
            return TrackerRateLimitedError(
                self.name,
                scrub(f"{doing}: Jira is rate limiting requests{wait}", self._http.secrets),
            )
        if status is not None and status >= 500:
            return self._http.error(
                f"{doing}: Jira answered HTTP {status}" + (f": {text}" if text else ""),
                ambiguous=True,
            )
        hints = list(self._field_hints(exc, sent))
        if hints and set(self._error_fields(exc)) == {"assignee"}:
            return TrackerAssigneeError(
                self.name,
                scrub(f"{doing}: " + "; ".join(hints), self._http.secrets),
                account=sent.get("assignee"),
            )
        if hints:
            return self._http.error(f"{doing}: " + "; ".join(hints))
        if status == 403:
            return self._http.error(f"{doing}: Jira denied permission: {text or 'HTTP 403'}")
        if status == 404:
            return self._http.gone(f"{doing}: not found in Jira" + (f" ({text})" if text else ""))
        detail = text or (f"HTTP {status}" if status else "request failed")
        return self._http.error(f"{doing}: Jira refused the request: {detail}")

    @staticmethod
    def _error_fields(exc: JIRAError) -> dict[str, str]:
        """Field -> message of a Jira error answer's ``errors`` object."""
        if exc.response is None:
            return {}
        try:
            body = exc.response.json()
        except ValueError:
            return {}
        if isinstance(body, dict) and isinstance(body.get("errors"), dict):
            return {str(k): str(v) for k, v in body["errors"].items()}
        return {}

    def _field_hints(self, exc: JIRAError, sent: Hints) -> Iterator[str]:
        """One readable sentence per field Jira complained about, with the fix where known."""
        errors = self._error_fields(exc)
        project = self._config.project
        setting = f"trackers.{self.name}"
        custom = {
            self._field_ids.get(n.casefold(), n) if self._field_ids else n: n
            for n in self._config.custom_fields
        }
        for field, message in errors.items():
            screen = _NOT_ON_SCREEN.search(message)
            if field == "assignee":
                yield (
                    f"owner map {setting}.owners gives {sent.get('assignee')!r} which Jira does "
                    f"not know or cannot assign in project {project} ({message})"
                )
            elif field == "priority":
                yield (
                    f"priority map {setting}.priorities gives {sent.get('priority')!r} which "
                    f"Jira does not know ({message})"
                )
            elif field == "issuetype":
                yield (
                    f"issue type {sent.get('issue_type') or self._config.issue_type!r} is not "
                    f"usable in project {project} (check {setting}.issue_type and the routes' "
                    f"issue_type): {message}"
                )
            elif field == "resolution":
                yield (
                    f"the close transition cannot set resolution "
                    f"{self._config.close_resolution!r} ({message}): check "
                    f"{setting}.close_resolution, or put the field on the transition's screen"
                )
            elif field == "components":
                yield f"components are not valid in project {project} (check {setting}.components)"
            elif screen:
                name = screen.group(1)
                fix = f"add {name!r} to the Create/Edit screen of project {project}"
                if self._config.due_field in (field, name) or field == "duedate":
                    fix += f" or change {setting}.due_field"
                elif self._config.key_field in (field, name):
                    fix += f" or unset {setting}.key_field"
                elif field in custom:
                    fix += f" or remove {custom[field]!r} from {setting}.custom_fields"
                yield f"Jira cannot set field {name!r}: {fix}"
            else:
                yield f"field {field!r}: {message}"
