"""Configuration: one TOML file for everything but secrets, the environment for secrets.

Precedence, highest first:

1. ``SYNCER_*`` environment variables, read by pydantic-settings (and an ``--env-file`` given on
   the command line, which fills the environment without overriding variables already set).
   Any setting can be overridden with ``__`` between levels: ``SYNCER_STATE__PATH=/data/s.db``,
   ``SYNCER_DEFAULT_TRACKER=ops-jira``. Secrets live only here: per tracker
   ``SYNCER_<NAME>_TOKEN`` (plus ``SYNCER_<NAME>_EMAIL`` for Jira Cloud when the file gives no
   ``email``), where ``<NAME>`` is the tracker's name upper-cased with ``-`` as ``_``.
2. The TOML file given by ``--config``.
3. The defaults written on the models below.

Relative paths in the file are relative to the file's folder. The file is validated once at
start-up: unknown keys are rejected and every bad field is listed with its dotted path.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, time
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from pydantic_settings.sources.utils import parse_env_vars

from syncer.config_problems import describe, key_lines, line_of, plural
from syncer.errors import ConfigError
from syncer.model import OwnedField
from syncer.policy import (
    DeadlinePolicy,
    Route,
    RoutingPolicy,
    SyncPolicy,
    TrackerPolicy,
    WriteBackPolicy,
    check_holiday_country,
)

TrackerName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
"""A tracker's name: it becomes part of environment variable names, so it stays simple."""


class Section(BaseModel):
    """Base of every configuration table: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PullRequestConfig(Section):
    """Write-back proposed as one pull request instead of written to the local files."""

    tracker: TrackerName = Field(description="the GitHub tracker whose URL and token are used")
    repository: Annotated[str, StringConstraints(pattern=r"^[\w.-]+/[\w.-]+$")] = Field(
        description="the post-mortems' repository, owner/name"
    )
    folder: str = Field(
        default="",
        description="the repository folder the sources' root is (a document's path in the "
        "repository is folder + '/' + its name)",
    )
    branch: Annotated[str, StringConstraints(min_length=1)] = Field(
        default="syncer/write-back",
        description="syncer's own branch the pull request comes from; never the default branch",
    )


class PushConfig(Section):
    """Write-back pushed with git to a branch of the sources' remote, the checkout untouched."""

    remote: Annotated[str, StringConstraints(min_length=1)] = Field(
        default="origin", description="the git remote of the sources' working tree"
    )
    branch: Annotated[str, StringConstraints(min_length=1)] = Field(
        default="syncer/write-back",
        description="syncer's own branch; never the checked-out or the remote's default branch",
    )


class SourcesConfig(Section):
    """Where post-mortems are read from."""

    paths: tuple[str, ...] = Field(
        default=("postmortems",),
        description="files, folders (searched recursively for *.md) or globs",
    )
    exclude: tuple[str, ...] = Field(
        default=(), description="glob patterns, matched against paths relative to the root"
    )
    root: str = Field(default=".", description="the folder document sources are named from")
    base_url: str | None = Field(
        default=None,
        description="where the documents can be read on the web (e.g. a repository's blob URL); "
        "ticket bodies link to base_url + '/' + source",
    )
    template: str | None = Field(
        default=None,
        description="the post-mortem template `syncer new` writes (the built-in one if unset)",
    )
    allow_empty: bool = Field(
        default=False,
        description="sources holding no post-mortem are expected; otherwise plan, sync and "
        "validate refuse them (an unmounted volume must not look like nothing to do)",
    )
    write_back: bool = Field(
        default=False,
        description="write each item's ticket link (and the status its ticket was closed "
        "with) back into the post-mortem",
    )
    write_back_status: bool = Field(
        default=True,
        description="with write_back: a ticket closed in the tracker ticks its item, or marks "
        "it won't do",
    )
    close_from_document: bool = Field(
        default=True,
        description="an item ticked (or marked won't do) in its post-mortem closes its ticket",
    )
    write_back_ticket_column: bool = Field(
        default=False,
        description="with write_back: a table of action items without a Ticket column gets one",
    )
    pull_request: PullRequestConfig | None = Field(
        default=None,
        description="with write_back: propose the edits as one pull request on the post-mortems' "
        "GitHub repository instead of writing the local files",
    )
    push: PushConfig | None = Field(
        default=None,
        description="with write_back: commit the edits on a branch of the working tree's remote "
        "(git push) instead of writing the local files",
    )
    confidence: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="how sure the parser must be that a candidate is an action item before it "
        "is ticketed (0-1; 0.5 by default, chosen for precision); candidates below it are "
        "possible follow-ups, shown as a finding and never ticketed",
    )


ShardName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
"""A shard's name: it becomes part of a file name and of a PostgreSQL schema name."""


def _check_state_url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("must be a postgresql:// URL")
    if parts.password is not None:
        # A password in the URL would end up in logs, process listings and messages.
        raise ValueError(
            "must not contain a password: set SYNCER_STATE_PASSWORD (or PGPASSWORD) instead"
        )
    return value


class StateConfig(Section):
    """Where syncer keeps its cache of item <-> ticket links, and how workers share it out."""

    path: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        default="state.db", description="the SQLite file (when url is unset)"
    )
    url: Annotated[str | None, AfterValidator(_check_state_url)] = Field(
        default=None,
        description="postgresql://user@host:5432/db: PostgreSQL instead of the file at path; "
        "the password comes from SYNCER_STATE_PASSWORD or PGPASSWORD",
    )
    shard: ShardName | None = Field(
        default=None,
        description="this worker's shard: its own lock and its own state (file or schema)",
    )
    shards: Mapping[ShardName, tuple[str, ...]] = Field(
        default_factory=dict,
        description="shard name -> globs on document names; a document belongs to the first "
        "shard (in file order) that matches it",
    )

    @model_validator(mode="after")
    def _shard_is_known(self) -> StateConfig:
        if self.shards and self.shard is None:
            raise ValueError(
                "shard: required when shards are configured (this worker's shard, one of "
                f"{', '.join(self.shards)}; e.g. SYNCER_STATE__SHARD)"
            )
        if self.shards and self.shard not in self.shards:
            raise ValueError(f"shard: {self.shard!r} is not one of {', '.join(self.shards)}")
        return self

    def shard_of(self, source: str) -> str | None:
        """The shard that owns the document named ``source``; None when no shard matches."""
        for name, patterns in self.shards.items():
            if any(fnmatchcase(source, pattern) for pattern in patterns):
                return name
        return None

    def owns(self, source: str) -> bool:
        """Whether this worker reads ``source``: always when unsharded, else by ``shard_of``."""
        return not self.shards or self.shard_of(source) == self.shard


def _check_clock_time(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        time.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a time of day as HH:MM (24-hour)") from None
    if len(value) != 5:
        raise ValueError("must be a time of day as HH:MM (24-hour)")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
        ) from None
    return value


class WorkerConfig(Section):
    """The long-running worker's schedule (``syncer run`` without ``--once``)."""

    sync_every_minutes: int = Field(default=15, ge=1, le=1440, description="sync interval")
    report_at: Annotated[str | None, AfterValidator(_check_clock_time)] = Field(
        default=None, description="local time of day (HH:MM) of the daily report; unset: none"
    )
    report_day: (
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] | None
    ) = Field(default=None, description="make the report weekly, on this day; unset: daily")
    timezone: Annotated[str, AfterValidator(_check_timezone)] = Field(
        default="UTC", description="IANA time zone report_at is read in"
    )


class SyncConfig(Section):
    """How a sync reads the trackers: what changed since the last cycle, and now and then all."""

    full_every_hours: float = Field(
        default=24.0,
        ge=0,
        allow_inf_nan=False,
        description="hours between full listings of the managed tickets (which see deleted and "
        "moved tickets); cycles in between ask only what changed; 0: every cycle lists in full",
    )
    changes_margin_minutes: float = Field(
        default=5.0,
        ge=0,
        allow_inf_nan=False,
        description="how far before the last change seen a cycle's changes question starts "
        "(clock skew between syncer and the tracker, search index lag)",
    )


class PacingConfig(Section):
    """How politely syncer writes to one tracker; unset values take the tracker type's."""

    seconds_between_writes: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    max_creates_per_run: int | None = Field(
        default=None, ge=0, description="creates beyond this are deferred to the next run"
    )


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Text that must say something: an owner map entry, for instance."""


class TrackerBase(Section):
    """Settings every tracker shares."""

    labels: tuple[str, ...] = ("postmortem",)
    owners: Mapping[NonEmpty, NonEmpty] = Field(
        default_factory=dict,
        description="document owner (as written, '@' optional) -> tracker account",
    )
    priorities: Mapping[str, str] = Field(
        default_factory=dict,
        description="item priority or incident severity (P1, High, SEV1...) -> tracker priority",
    )
    overwrite: tuple[OwnedField, ...] = Field(
        default=(),
        description="fields syncer sets even when a person changed them in the tracker",
    )
    pacing: PacingConfig = PacingConfig()
    timeout_seconds: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    search_lag_seconds: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="how long the tracker's search may take to show a new ticket: a create "
        "whose answer was lost is not sent again before this has passed",
    )

    # The tracker type's defaults, for what the file leaves unset.
    default_write_gap: ClassVar[float] = 1.0
    default_create_cap: ClassVar[int] = 200
    default_search_lag: ClassVar[float] = 0.0

    @property
    def write_gap(self) -> float:
        gap = self.pacing.seconds_between_writes
        return self.default_write_gap if gap is None else gap

    @property
    def create_cap(self) -> int:
        cap = self.pacing.max_creates_per_run
        return self.default_create_cap if cap is None else cap

    @property
    def search_lag(self) -> float:
        lag = self.search_lag_seconds
        return self.default_search_lag if lag is None else lag


def _check_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


HttpUrlText = Annotated[str, AfterValidator(_check_url)]
"""A tracker's base URL, kept as written (pydantic's HttpUrl would add a trailing slash)."""


TEMPLATE_FIELDS = frozenset({"item_key", "incident_slug"})
"""What a custom-field template may name: ``{item_key}``, ``{incident_slug}``."""


class JiraConfig(TrackerBase):
    """A Jira Cloud or Server/Data Center project."""

    type: Literal["jira"]
    url: HttpUrlText

    default_write_gap: ClassVar[float] = 0.5
    # Jira Cloud's search is eventually consistent: seconds, sometimes minutes.
    default_search_lag: ClassVar[float] = 300.0
    flavor: Literal["cloud", "server"] = "cloud"
    project: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,9}$")
    issue_type: str = Field(default="Task", min_length=1)
    components: tuple[str, ...] = Field(
        default=(), description="component names set on every ticket syncer creates"
    )
    close_transition: NonEmpty | None = Field(
        default=None,
        description="name or id of the transition closing a done item; unset: the first one "
        "leading to a Done-category status",
    )
    reopen_transition: NonEmpty | None = Field(
        default=None,
        description="name or id of the transition reopening an item; unset: the first one "
        "leading to a To Do, else an In Progress, status",
    )
    close_resolution: NonEmpty | None = Field(
        default=None,
        description="resolution set with the close transition (e.g. 'Done', 'Fixed'); unset: "
        "whatever the workflow sets",
    )
    wont_do_resolution: NonEmpty = Field(
        default="Won't Do",
        description="resolution set when an item marked won't do in its post-mortem closes "
        'its issue (e.g. "Won\'t Fix")',
    )
    email: str | None = Field(default=None, description="Cloud only: the API token's account")
    due_field: str = Field(default="duedate", description="field id or name holding the due date")
    key_field: str | None = Field(
        default=None,
        description="name of a text custom field holding the item key; labels are used if unset",
    )
    custom_fields: Mapping[str, str] = Field(
        default_factory=dict,
        description="custom field name -> value template, e.g. 'Incident' = '{incident_slug}'",
    )
    bulk_create: bool = Field(
        default=True,
        description="create up to 50 issues per request (POST issue/bulk); false: one request "
        "per issue",
    )

    @field_validator("custom_fields")
    @classmethod
    def _templates_are_valid(cls, fields: Mapping[str, str]) -> Mapping[str, str]:
        for name, template in fields.items():
            try:
                names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
            except ValueError as exc:
                raise ValueError(f"template of {name!r}: {exc}") from None
            unknown = sorted(set(names) - TEMPLATE_FIELDS)
            if unknown:
                known = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
                raise ValueError(f"template of {name!r} uses {unknown}; known are {known}")
        return fields


class GitHubConfig(TrackerBase):
    """A GitHub (or GitHub Enterprise) repository."""

    type: Literal["github"]
    url: HttpUrlText = Field(
        default="https://api.github.com",
        description="API base URL; Enterprise: https://HOST/api/v3",
    )

    # GitHub's secondary limits: about 20 issues a minute and 150 an hour. Its issue listing
    # is not a search index: a new issue shows at once.
    default_write_gap: ClassVar[float] = 3.0
    default_create_cap: ClassVar[int] = 100
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    milestone: int | None = None
    close_reason: Literal["completed", "not_planned"] = Field(
        default="completed",
        description="the state_reason a done item's issue is closed with",
    )
    due_as_milestone: bool = Field(
        default=False,
        description="carry the due date as a milestone per date (found or created), with its "
        "due_on set; excludes a fixed milestone",
    )
    milestone_title: str = Field(
        default="Due {due}",
        description="title of a due-date milestone; {due} is the date as YYYY-MM-DD",
    )

    @field_validator("milestone_title")
    @classmethod
    def _one_due_placeholder(cls, title: str) -> str:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(title) if f is not None]
        except ValueError as exc:
            raise ValueError(f"not a valid template: {exc}") from None
        if names != ["due"]:
            raise ValueError("must name {due} exactly once, and nothing else")
        return title

    @model_validator(mode="after")
    def _one_kind_of_milestone(self) -> GitHubConfig:
        if self.due_as_milestone and self.milestone is not None:
            raise ValueError(
                "milestone and due_as_milestone exclude each other: an issue has one milestone"
            )
        return self


TrackerConfig = Annotated[JiraConfig | GitHubConfig, Field(discriminator="type")]


class RouteConfig(Section):
    """Sends a document's items to a tracker; every given condition must match."""

    tracker: str
    team: str | None = None
    service: str | None = None
    path: str | None = Field(default=None, description="glob on the document's source path")
    issue_type: NonEmpty | None = Field(
        default=None,
        description="Jira only: the issue type of tickets created through this route, instead "
        "of the tracker's issue_type",
    )


class DeadlinesConfig(Section):
    """The one deadline rule: the due date syncer gives a ticket and what the report calls
    overdue. Where ``days`` names no value for a severity, ``default_days`` applies, else the
    built-in rule: 4 weeks for the highest severities (SEV0-SEV2, P0-P1, critical, highest) and
    8 weeks for the rest (20 and 40 days when ``day_kind`` is ``business``)."""

    days: Mapping[str, Annotated[int, Field(ge=0)]] | None = Field(
        default=None, description="severity (case ignored) -> days after the incident"
    )
    default_days: int | None = Field(
        default=None, ge=0, description="for severities not in days; unset: the built-in rule"
    )
    day_kind: Literal["calendar", "business"] | None = Field(
        default=None,
        description="calendar (default) or business days (skipping weekends and holidays)",
    )
    holidays: tuple[date, ...] | None = Field(
        default=None, description="dates that are not business days"
    )
    holiday_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
        description="also skip this country's (or 'DE-BY' subdivision's) public holidays",
    )

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, code: str | None) -> str | None:
        if code is not None:
            check_holiday_country(code)
        return code


class PoliciesConfig(Section):
    """Deprecated (``[deadlines]`` replaces it): read into ``[deadlines]`` with a warning."""

    due_days: Mapping[str, Annotated[int, Field(ge=1)]] | None = None
    default_due_days: int | None = Field(default=None, ge=1)
    stale_days: int | None = Field(default=None, ge=1)


_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("syncer_environ", default=None)
"""The environment ``parse_config`` was given; outside it (a ``Settings`` built directly) no
override applies: the process environment is never read here."""


_TRACKER_NAMES: ContextVar[tuple[str, ...]] = ContextVar("syncer_trackers", default=())
"""The tracker names the configuration file gives, while ``parse_config`` reads overrides."""


@contextmanager
def _reading(environ: Mapping[str, str], trackers: tuple[str, ...] = ()) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    names = _TRACKER_NAMES.set(trackers)
    try:
        yield
    finally:
        _ENVIRON.reset(token)
        _TRACKER_NAMES.reset(names)


def variable_part(tracker_name: str) -> str:
    """How a tracker's name is written in a variable name: ``ops-jira`` -> ``OPS_JIRA``."""
    return tracker_name.upper().replace("-", "_")


def _tracker_overrides(found: Mapping[str, str | None]) -> dict[str, str | None]:
    """``SYNCER_TRACKERS__OPS_JIRA__URL`` addresses tracker ``ops-jira``: a variable name cannot
    hold a ``-``, so the name is written with ``_`` (``SYNCER_TRACKERS__OPS-JIRA__URL`` works
    too, where the shell allows it)."""
    spelled = {variable_part(name).lower(): name.lower() for name in _TRACKER_NAMES.get()}
    renamed: dict[str, str | None] = {}
    prefix = "syncer_trackers__"
    for key, value in found.items():
        name, sep, rest = key[len(prefix) :].partition("__")
        if key.lower().startswith(prefix) and name.lower() in spelled:
            renamed[prefix + spelled[name.lower()] + sep + rest] = value
        else:
            renamed[key] = value
    return renamed


class _GivenEnvironment(EnvSettingsSource):
    """``SYNCER_*`` overrides from the environment ``parse_config`` was handed, not the process's
    (so a caller, a test or the CLI's ``main(env=...)``, decides what configuration means)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _ENVIRON.get() or {}
        return _tracker_overrides(
            parse_env_vars(
                environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
            )
        )


_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class TeamDeliveryConfig(Section):
    """Where one team's follow-up report goes; every channel is optional.

    The webhook URL is a secret: it comes only from the environment, from ``webhook_env`` or
    else ``SYNCER_<TEAM>_WEBHOOK`` (``<TEAM>`` upper-cased, other characters as ``_``).
    """

    publish_to: TrackerName | None = Field(
        default=None,
        description="tracker holding the team's one report issue, updated in place each run",
    )
    webhook: bool = Field(
        default=False, description="POST a short digest (Slack incoming-webhook JSON)"
    )
    webhook_env: str | None = Field(
        default=None, pattern=_ENV_NAME, description="environment variable holding the URL"
    )
    report_url: HttpUrlText | None = Field(
        default=None, description="where the full report lives (linked from the digest)"
    )
    nudge_every_days: int | None = Field(
        default=None,
        ge=1,
        description="comment on an overdue ticket, mentioning its assignee, at most this often",
    )


def webhook_env_name(team: str, delivery: TeamDeliveryConfig) -> str:
    """The environment variable holding a team's webhook URL."""
    if delivery.webhook_env:
        return delivery.webhook_env
    return "SYNCER_" + "".join(c if c.isalnum() else "_" for c in team.upper()) + "_WEBHOOK"


def _read_webhooks(
    settings: Settings, environ: Mapping[str, str]
) -> tuple[dict[str, SecretStr], dict[str, str]]:
    """Team -> webhook URL, and team -> what is wrong with its variable ("not set", or why the
    value set is not a URL: never the value, a secret)."""
    hooks: dict[str, SecretStr] = {}
    problems: dict[str, str] = {}
    for team, delivery in settings.report.teams.items():
        if not delivery.webhook:
            continue
        variable = webhook_env_name(team, delivery)
        url = environ.get(variable, "")
        if not url:
            problems[team] = "not set"
            continue
        try:
            _check_url(url)
        except ValueError as exc:
            # The URL is a secret: say what is wrong with it, never what it is (a parser's
            # message may quote part of it).
            why = str(exc)
            problems[team] = "set, but " + (
                "is not a valid URL" if why.startswith("not a valid URL") else why
            )
            continue
        hooks[team] = SecretStr(url)
    return hooks, problems


def _webhook_problem_lines(settings: Settings, problems: Mapping[str, str]) -> list[str]:
    lines = []
    for team, problem in problems.items():
        variable = webhook_env_name(team, settings.report.teams[team])
        if problem == "not set":
            lines.append(f"report.teams.{team}.webhook: set the environment variable {variable}")
        else:
            why = problem.removeprefix("set, but ")
            lines.append(f"report.teams.{team}.webhook: {variable} {why}")
    return lines


class ReportConfig(Section):
    """The follow-up report: staleness, the time zone dates are read in, and delivery. Its
    deadlines are ``[deadlines]``'s (the keys kept here are deprecated and read into it)."""

    deadline_days: Mapping[str, Annotated[int, Field(ge=0)]] | None = Field(
        default=None, description="deprecated: [deadlines] days"
    )
    day_kind: Literal["calendar", "business"] | None = Field(
        default=None, description="deprecated: [deadlines] day_kind"
    )
    holidays: tuple[date, ...] | None = Field(
        default=None, description="deprecated: [deadlines] holidays"
    )
    holiday_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
        description="deprecated: [deadlines] holiday_country",
    )
    timezone: str = Field(
        default="UTC", description="where document dates are local dates (IANA name)"
    )
    stale_after_days: int | None = Field(
        default=None, ge=1, description="an open ticket untouched this long is stale (14)"
    )
    in_progress_stale_days: int = Field(default=30, ge=1)
    draft_max_age_days: int = Field(default=14, ge=1)
    trend_weeks: int = Field(default=12, ge=1, le=520)
    due_soon_days: int = Field(
        default=7, ge=0, le=365, description="list open items due within this many days"
    )
    deliver: Literal["every-run", "daily", "weekly"] = Field(
        default="weekly",
        description="how often the published issue and the webhook digest are delivered: once "
        "per period however often syncer runs (state remembers); nudges keep their own interval",
    )
    deliver_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = Field(default="monday", description="the weekly delivery's day")
    deliver_at: Annotated[str, AfterValidator(_check_clock_time)] = Field(
        default="09:00", description="local time (HH:MM, in [report] timezone) of a delivery"
    )
    url: HttpUrlText | None = Field(
        default=None, description="where the full report is published (the digest links it)"
    )
    teams: Mapping[str, TeamDeliveryConfig] = Field(
        default_factory=dict, description="team (as in the report, case ignored) -> delivery"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name


class Settings(BaseSettings):
    """The whole configuration: the TOML file's tables, overridable from ``SYNCER_*``."""

    model_config = SettingsConfigDict(
        extra="forbid", frozen=True, env_prefix="SYNCER_", env_nested_delimiter="__"
    )

    instance: str = Field(
        default="syncer",
        pattern=r"^[a-z][a-z0-9-]{0,31}$",
        description="this installation's name, carried in its tickets' label and marker: each "
        "installation lists and judges only its own tickets. Runs sharing trackers and one "
        "instance name must share state (and its lock)",
    )
    sources: SourcesConfig = SourcesConfig()
    state: StateConfig = StateConfig()
    trackers: Mapping[TrackerName, TrackerConfig] = Field(default_factory=dict)
    default_tracker: str | None = None
    routes: tuple[RouteConfig, ...] = ()
    deadlines: DeadlinesConfig = DeadlinesConfig()
    policies: PoliciesConfig = PoliciesConfig()
    report: ReportConfig = ReportConfig()
    worker: WorkerConfig = WorkerConfig()
    sync: SyncConfig = SyncConfig()

    @model_validator(mode="after")
    def _instance_is_not_a_label(self) -> Settings:
        for name, tracker in self.trackers.items():
            if self.instance in tracker.labels:
                raise ValueError(
                    f"instance {self.instance!r} is also a label of trackers.{name}: the "
                    "instance name is the label syncer finds its own tickets by"
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML data arrives as init arguments; the environment wins over it.
        return (_GivenEnvironment(settings_cls), init_settings)


class Secrets(BaseModel):
    """Credentials of one tracker, from the environment only."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr
    email: str | None = None


class Config(BaseModel):
    """A validated configuration: settings, where it came from, and the secrets it needs."""

    model_config = ConfigDict(frozen=True)

    settings: Settings
    base_dir: Path
    secrets: Mapping[str, Secrets]
    webhooks: Mapping[str, SecretStr] = {}
    """Team -> webhook URL of ``[report.teams.<team>]`` with ``webhook = true``."""
    webhook_problems: Mapping[str, str] = {}
    """Team -> why its webhook is missing from ``webhooks``: "not set", or "set, but ..." (what
    is wrong with the value, never the value). Kept when secrets are not required."""

    @property
    def deprecations(self) -> tuple[str, ...]:
        """Deprecated keys the file sets (they still work); commands warn about each."""
        return deprecations(self.settings)

    def resolve(self, path: str) -> Path:
        """A path from the file, made absolute against the file's folder."""
        return (self.base_dir / Path(path).expanduser()).resolve()

    @property
    def state_path(self) -> Path:
        return self.resolve(self.settings.state.path)

    @property
    def source_root(self) -> Path:
        return self.resolve(self.settings.sources.root)

    @property
    def policy(self) -> SyncPolicy:
        """The policy values the core decides with (no secrets, no environment)."""
        return sync_policy(self.settings)


def tracker_policy(tracker: JiraConfig | GitHubConfig) -> TrackerPolicy:
    """One tracker's settings as the planner and ``desire_items`` need them."""
    return TrackerPolicy(
        labels=tuple(sorted(set(tracker.labels))),
        owners=dict(tracker.owners),
        priorities=dict(tracker.priorities),
        overwrite=frozenset(tracker.overwrite),
        create_cap=tracker.create_cap,
    )


def sync_policy(settings: Settings) -> SyncPolicy:
    """The frozen policy values built once from validated settings."""
    default = settings.default_tracker
    if default is None and len(settings.trackers) == 1:
        default = next(iter(settings.trackers))
    return SyncPolicy(
        trackers={name: tracker_policy(t) for name, t in settings.trackers.items()},
        routing=RoutingPolicy(
            routes=tuple(
                Route(
                    tracker=r.tracker,
                    team=r.team,
                    service=r.service,
                    path=r.path,
                    issue_type=r.issue_type,
                )
                for r in settings.routes
            ),
            default=default,
        ),
        deadlines=deadline_policy(settings),
        document_base_url=settings.sources.base_url,
        write_back=WriteBackPolicy(
            enabled=settings.sources.write_back,
            status_to_document=settings.sources.write_back_status,
            status_to_tracker=settings.sources.close_from_document,
            ticket_column=settings.sources.write_back_ticket_column,
        ),
    )


def deadline_policy(settings: Settings) -> DeadlinePolicy:
    """``[deadlines]``, with what the deprecated ``[policies]`` and ``[report]`` keys say where
    ``[deadlines]`` leaves a key unset (``deprecations`` names them)."""
    new, policies, report = settings.deadlines, settings.policies, settings.report
    days = new.days if new.days is not None else report.deadline_days or policies.due_days
    default = new.default_days if new.default_days is not None else policies.default_due_days
    holidays = new.holidays if new.holidays is not None else report.holidays
    return DeadlinePolicy(
        days={k.strip().casefold(): v for k, v in (days or {}).items()},
        default_days=default,
        day_kind=new.day_kind or report.day_kind or "calendar",
        holidays=frozenset(holidays or ()),
        holiday_country=new.holiday_country or report.holiday_country,
    )


def stale_after_days(settings: Settings) -> int:
    """When an open ticket is stale: ``[report] stale_after_days``, else the deprecated
    ``[policies] stale_days``, else 14."""
    report, policies = settings.report, settings.policies
    return report.stale_after_days or policies.stale_days or 14


_MOVED = {
    "policies.due_days": "deadlines.days",
    "policies.default_due_days": "deadlines.default_days",
    "policies.stale_days": "report.stale_after_days",
    "report.deadline_days": "deadlines.days",
    "report.day_kind": "deadlines.day_kind",
    "report.holidays": "deadlines.holidays",
    "report.holiday_country": "deadlines.holiday_country",
}


def deprecations(settings: Settings) -> tuple[str, ...]:
    """A warning for each deprecated key the configuration sets: it still works."""
    found = []
    for old, new in _MOVED.items():
        table, key = old.split(".")
        if getattr(getattr(settings, table), key) is not None:
            found.append(f"{old}: deprecated, read as {new}; move it there")
    return tuple(found)


def _deadline_conflicts(settings: Settings) -> list[str]:
    """Old keys that disagree with each other or with ``[deadlines]``: one rule, not two."""
    policies, report, new = settings.policies, settings.report, settings.deadlines
    problems = []
    if (
        new.days is None
        and policies.due_days is not None
        and report.deadline_days is not None
        and {k.casefold(): v for k, v in policies.due_days.items()}
        != {k.casefold(): v for k, v in report.deadline_days.items()}
    ):
        problems.append(
            "policies.due_days: disagrees with report.deadline_days; tickets and the report "
            "now share one deadline rule: set [deadlines] days (and remove both)"
        )
    return problems


def env_prefix(tracker_name: str) -> str:
    """``ops-jira`` -> ``SYNCER_OPS_JIRA_``: where a tracker's secrets live."""
    return "SYNCER_" + variable_part(tracker_name) + "_"


def _cross_check(settings: Settings) -> list[str]:
    problems = _deadline_conflicts(settings)
    names = set(settings.trackers)
    if settings.default_tracker is not None and settings.default_tracker not in names:
        problems.append(f"default_tracker: no tracker named {settings.default_tracker!r}")
    if settings.default_tracker is None and len(names) > 1 and not settings.routes:
        problems.append("default_tracker: required when more than one tracker is configured")
    for i, route in enumerate(settings.routes):
        if route.tracker not in names:
            problems.append(f"routes.{i}.tracker: no tracker named {route.tracker!r}")
        elif route.issue_type is not None and not isinstance(
            settings.trackers[route.tracker], JiraConfig
        ):
            problems.append(
                f"routes.{i}.issue_type: tracker {route.tracker!r} is not a Jira tracker; "
                "only Jira tickets have an issue type"
            )
    for name, tracker in settings.trackers.items():
        if isinstance(tracker, JiraConfig) and tracker.flavor == "server" and tracker.email:
            problems.append(f"trackers.{name}.email: Server/Data Center uses a PAT, not an email")
    pull = settings.sources.pull_request
    if pull is not None and settings.sources.push is not None:
        problems.append("sources.push: one of push and pull_request, not both")
    if pull is not None and not isinstance(settings.trackers.get(pull.tracker), GitHubConfig):
        problems.append(
            f"sources.pull_request.tracker: no GitHub tracker named {pull.tracker!r} "
            "(its URL and token open the pull request)"
        )
    for team, delivery in settings.report.teams.items():
        if delivery.publish_to is not None and delivery.publish_to not in names:
            problems.append(
                f"report.teams.{team}.publish_to: no tracker named {delivery.publish_to!r}"
            )
    return problems


def _tracker_secrets(
    name: str, *, cloud_jira: bool, email: str | None, environ: Mapping[str, str]
) -> tuple[Secrets | None, list[str]]:
    """One tracker's secrets, or every one of them that is missing (all listed in one run)."""
    prefix = env_prefix(name)
    token = environ.get(prefix + "TOKEN")
    problems = []
    if not token:
        problems.append(f"trackers.{name}: set the environment variable {prefix}TOKEN")
    if cloud_jira:
        email = email or environ.get(prefix + "EMAIL")
        if not email:
            problems.append(
                f"trackers.{name}.email: Jira Cloud needs the token's account email "
                f"(in the file or {prefix}EMAIL)"
            )
    if problems or not token:
        return None, problems
    return Secrets(token=SecretStr(token), email=email if cloud_jira else None), []


def _read_secrets(
    settings: Settings, environ: Mapping[str, str]
) -> tuple[dict[str, Secrets], list[str]]:
    secrets: dict[str, Secrets] = {}
    problems = []
    for name, tracker in settings.trackers.items():
        cloud = isinstance(tracker, JiraConfig) and tracker.flavor == "cloud"
        email = tracker.email if isinstance(tracker, JiraConfig) else None
        found, missing = _tracker_secrets(name, cloud_jira=cloud, email=email, environ=environ)
        problems += missing
        if found is not None:
            secrets[name] = found
    return secrets, problems


def _raw_secret_problems(data: Mapping[str, object], environ: Mapping[str, str]) -> list[str]:
    """Missing secrets of a file that did not validate, so one run lists everything to fix."""
    trackers = data.get("trackers")
    if not isinstance(trackers, Mapping):
        return []
    problems = []
    for name, table in trackers.items():
        if not isinstance(table, Mapping):
            continue
        cloud = table.get("type") == "jira" and table.get("flavor", "cloud") == "cloud"
        email = table.get("email") if isinstance(table.get("email"), str) else None
        problems += _tracker_secrets(str(name), cloud_jira=cloud, email=email, environ=environ)[1]
    return problems


def _invalid(problems: list[str]) -> ConfigError:
    return ConfigError(
        f"invalid configuration ({plural(len(problems), 'problem')})", tuple(problems)
    )


def parse_config(
    data: Mapping[str, object],
    *,
    base_dir: Path,
    environ: Mapping[str, str],
    require_secrets: bool = True,
) -> Config:
    """Validate a parsed TOML mapping; raise ``ConfigError`` listing every bad field path.

    ``SYNCER_*`` overrides and secrets are read from ``environ`` alone (required: nothing below
    the CLI reads the process environment).
    """
    try:
        trackers = data.get("trackers")
        names = tuple(str(n) for n in trackers) if isinstance(trackers, Mapping) else ()
        with _reading(environ, names):
            settings = Settings(**dict(data))  # type: ignore[arg-type]  # validated right here
    except ValidationError as exc:
        found = [": ".join(describe(e, root=Settings)) for e in exc.errors()]
        if require_secrets:
            found += _raw_secret_problems(data, environ)
        raise _invalid(found) from None
    except SettingsError as exc:  # a SYNCER_* override that is not valid JSON, for instance
        raise ConfigError(f"invalid SYNCER_* environment override: {exc}") from None
    problems = _cross_check(settings)
    secrets, secret_problems = _read_secrets(settings, environ)
    webhooks, webhook_problems = _read_webhooks(settings, environ)
    if require_secrets:
        problems += secret_problems + _webhook_problem_lines(settings, webhook_problems)
    if problems:
        raise _invalid(problems)
    return Config(
        settings=settings,
        base_dir=base_dir,
        secrets=secrets,
        webhooks=webhooks,
        webhook_problems=webhook_problems,
    )


def load_config(path: Path, *, environ: Mapping[str, str], require_secrets: bool = True) -> Config:
    """Read and validate the TOML file at ``path`` (the imperative edge of this module)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_config(
            data, base_dir=path.resolve().parent, environ=environ, require_secrets=require_secrets
        )
    except ConfigError as exc:
        where = located(exc.problems, text, file=path.name, environ=environ)
        raise ConfigError(str(exc), where) from None


def override_of(path: str, environ: Mapping[str, str]) -> str | None:
    """The ``SYNCER_*`` variable that set ``path`` (or a table holding it), if one did."""
    names = {name.upper(): name for name in environ}
    parts = path.split(".")
    while parts:
        spellings = ["__".join(parts).upper()]
        if parts[0] == "trackers" and len(parts) > 1:
            spellings.append("__".join([parts[0], variable_part(parts[1]), *parts[2:]]).upper())
        for spelling in spellings:
            name = names.get("SYNCER_" + spelling)
            if name is not None:
                return name
        parts.pop()
    return None


def located(
    problems: tuple[str, ...],
    text: str,
    *,
    file: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Each ``path: message`` problem led by ``file:LINE:`` where the file writes that key, or
    by ``SYNCER_X__Y (environment):`` when an environment override set it: pointing at the
    file's nearest table would send the reader to a line that is not wrong."""
    lines = key_lines(text)
    found: list[tuple[int, str, str]] = []
    for problem in problems:
        path = problem.split(": ", 1)[0]
        variable = override_of(path, environ or {}) if " " not in path else None
        if variable is not None:
            found.append((len(text) + 1, variable, f"{variable} (environment): {problem}"))
            continue
        line = line_of(path, lines) if " " not in path else None
        found.append((line or len(text), "", f"{file}:{line}: {problem}" if line else problem))
    # In file order, so the list reads top to bottom beside the file; unplaced ones, then the
    # environment's, last.
    found.sort(key=lambda entry: entry[:2])
    return tuple(problem for _, _, problem in found)


def load_env_file(path: Path, environ: MutableMapping[str, str]) -> None:
    """Fill ``environ`` from a ``KEY=value`` file, never overriding what is already set."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such env file")
    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read env file: {exc}") from None
    for name, value in values.items():
        if value is not None:
            environ.setdefault(name, value)
