"""``syncer init``: write a commented starting configuration and say what to run next.

On a terminal it asks for what the flags did not give (Enter keeps the default shown); anywhere
else (cron, CI, a pipe) it asks nothing and writes the defaults. It never overwrites a file.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from syncer.commands.base import Context, Subcommands, add_command, invocation
from syncer.errors import ConfigError, ExitCode

PROJECT = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def register(commands: Subcommands) -> None:
    init = add_command(
        commands,
        "init",
        summary="write a commented starting configuration",
        description=(
            "Write DIR/syncer.toml (DIR defaults to the current folder): one tracker, the "
            "source folder, state, due dates and the report, every key commented. On a "
            "terminal it asks for what the options do not give; elsewhere it asks nothing and "
            "uses the defaults. An existing file is never overwritten. It ends with the next "
            "three commands to run."
        ),
        examples=[
            ("syncer init", "answer a few questions (on a terminal)"),
            (
                "syncer init deploy --tracker jira --project OPS --url https://acme.atlassian.net",
                "a Jira Cloud project, no questions",
            ),
            (
                "syncer init --tracker github --repository acme/web --sources docs/postmortems",
                "a GitHub repository",
            ),
        ],
        exit_codes=(ExitCode.OK, ExitCode.USAGE),
        run=run_init,
    )
    init.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="where to write syncer.toml"
    )
    init.add_argument(
        "--tracker", choices=("jira", "github"), help="the tracker type (default jira)"
    )
    init.add_argument("--name", help="the tracker's name in the file (default ops-jira or gh)")
    init.add_argument("--project", metavar="KEY", help="Jira project key (default OPS)")
    init.add_argument(
        "--url", help="Jira site URL, or a GitHub Enterprise API URL (https://HOST/api/v3)"
    )
    init.add_argument(
        "--repository", metavar="OWNER/NAME", help="GitHub repository (default acme/postmortems)"
    )
    init.add_argument(
        "--sources",
        action="append",
        metavar="PATH",
        help="a folder or glob of post-mortems, relative to DIR (repeatable; default postmortems)",
    )
    init.add_argument("--no-input", action="store_true", help="ask nothing, even on a terminal")


Check = Callable[[str], str]
"""Turns an answer into what is written (slugged or normalised), or raises ``ValueError``."""

Ask = Callable[[str, str, Check], str]


def _asker(context: Context, *, interactive: bool) -> Ask:
    """Ask until the answer passes its check (Enter keeps the default shown).

    Off a terminal the default is taken as it is; a bad answer on a terminal is explained and
    asked again, offering the corrected answer as the new default when there is one.
    """

    def ask(question: str, default: str, check: Check) -> str:
        if not interactive:
            return check(default)
        while True:
            context.stdout.write(f"{question} [{default}]: ")
            context.stdout.flush()
            line = sys.stdin.readline()
            if not line:  # end of input: nothing more will come
                raise ConfigError(f"{question}: no answer")
            answer = line.strip() or default
            try:
                return check(answer)
            except ValueError as exc:
                context.out(f"  {exc}")
                default = _suggestion(exc) or default

    return ask


class SuggestionError(ValueError):
    """A refused answer with the answer that was probably meant."""

    def __init__(self, message: str, suggestion: str) -> None:
        super().__init__(f"{message}; did you mean {suggestion!r}?")
        self.suggestion = suggestion


def _suggestion(exc: ValueError) -> str | None:
    return exc.suggestion if isinstance(exc, SuggestionError) else None


def _looks_like_url(text: str) -> bool:
    return "://" in text or bool(re.match(r"^(www\.|[\w-]+\.[\w.-]+/)", text))


def check_tracker_type(answer: str) -> str:
    kind = answer.strip().lower()
    if kind not in ("jira", "github"):
        raise ValueError(f"{answer!r} is not a tracker type (jira or github)")
    return kind


def check_name(answer: str) -> str:
    """A tracker name as the configuration needs it (``ops-jira``): slugged when it can be.

    It becomes a TOML table name and part of environment variable names
    (``SYNCER_OPS_JIRA_TOKEN``), so it keeps to lower-case letters, digits and dashes.
    """
    host = re.fullmatch(r"[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}(:\d+)?", answer.strip())
    if _looks_like_url(answer) or "/" in answer or host:
        raise ValueError(
            f"{answer!r} looks like an address; the tracker's name is a short label such as "
            "ops-jira (the address goes in --url or --repository)"
        )
    slug = re.sub(r"[^a-z0-9]+", "-", answer.strip().lower()).strip("-")[:40].rstrip("-")
    if not slug or not slug[0].isalpha():
        raise ValueError(
            f"{answer!r} is not a tracker name: start with a letter, then letters, digits or "
            "dashes (like ops-jira)"
        )
    return slug


def check_project(answer: str) -> str:
    key = answer.strip().upper()
    if not PROJECT.match(key):
        raise ValueError(f"{answer!r} is not a Jira project key (like OPS)")
    return key


def check_url(answer: str) -> str:
    """An http(s) URL with a host; a bare host name gets a suggestion with ``https://``."""
    text = answer.strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.hostname and " " not in text:
        return text.rstrip("/")
    if not parts.scheme and re.fullmatch(r"[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?", text):
        raise SuggestionError(f"{answer!r} has no scheme", "https://" + text.rstrip("/"))
    raise ValueError(f"{answer!r} is not a URL (like https://acme.atlassian.net)")


def check_repository(answer: str) -> str:
    text = answer.strip()
    found = re.fullmatch(
        r"(?:https?://)?(?:www\.)?github\.com/([^/\s]+/[^/\s]+?)(?:\.git)?/?", text
    )
    if found:
        raise SuggestionError(f"{answer!r} is the repository's page", found[1])
    if not REPOSITORY.match(text):
        raise ValueError(f"{answer!r} must look like owner/name")
    return text


def check_source(answer: str) -> str:
    text = answer.strip()
    if not text:
        raise ValueError("a folder is needed (like postmortems)")
    if _looks_like_url(text):
        raise ValueError(
            f"{answer!r} looks like an address; sources are folders, files or globs on this "
            "machine (clone the repository first)"
        )
    return text


def _given(option: str, value: str | None, check: Check) -> str | None:
    """An option's value through its check; a refusal names the option."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise ConfigError(f"{option}: {exc}") from None


def _toml(value: str) -> str:
    return json.dumps(value)


def config_text(
    *, tracker: str, name: str, project: str, url: str, repository: str, sources: list[str]
) -> str:
    """The commented starting configuration."""
    from syncer.config import env_prefix

    prefix = env_prefix(name)
    if tracker == "jira":
        table = f"""\
[trackers.{name}]
type = "jira"
# The site's base URL; "cloud" (email + API token) or "server" (Data Center, personal token).
url = {_toml(url)}
flavor = "cloud"
# New tickets go to this project, as this issue type.
project = {_toml(project)}
issue_type = "Task"
# Labels every ticket gets (syncer adds `syncer` and `syncer:<item key>` itself).
labels = ["postmortem"]

# Owner as the post-mortem writes it -> Jira account id (Cloud) or user name (Data Center).
# Owners not listed are reported by `syncer plan` and their tickets left unassigned.
[trackers.{name}.owners]
# alice = "5b10a2844c20165700ede21g"

# Item priority, else incident severity -> Jira priority name.
[trackers.{name}.priorities]
SEV1 = "Highest"
SEV2 = "High"
SEV3 = "Medium"
"""
        secrets = f"{prefix}TOKEN (the API token) and {prefix}EMAIL (its account)"
    else:
        api = f"url = {_toml(url)}\n" if url else ""
        table = f"""\
[trackers.{name}]
type = "github"
# owner/name of the repository issues are opened in.
repository = {_toml(repository)}
{api}# Labels every issue gets (syncer adds `syncer` itself).
labels = ["postmortem"]

# Owner as the post-mortem writes it -> GitHub login. Owners not listed are reported by
# `syncer plan` and their issues left unassigned.
[trackers.{name}.owners]
# alice = "alice-acme"
"""
        secrets = f"{prefix}TOKEN (a token allowed to write issues)"
    paths = ", ".join(_toml(s) for s in sources)
    return f"""\
# syncer configuration, written by `syncer init`. Every key: config/syncer.example.toml in
# syncer's repository. Check it with `syncer validate --config syncer.toml`.
#
# Secrets are never written here. Set them in the environment (or a KEY=value file passed
# with --env-file): {secrets}.
# Relative paths are relative to this file's folder.

[sources]
# Folders (searched for *.md), files or globs holding the post-mortems.
paths = [{paths}]
# Skipped: globs on each document's path relative to `root`.
exclude = ["**/template.md"]
root = "."
# Sources holding no post-mortem are refused (an unmounted volume must not look like nothing
# to do); set to true if an empty folder is expected.
allow_empty = false

[state]
# Item <-> ticket links and run history; losing it is safe (rebuilt from the trackers).
path = "state.db"

[deadlines]
# The one deadline rule (ticket due dates and "overdue" in the report): days after the
# incident by severity; others get 4 weeks (SEV0-SEV2, P0-P1) or 8 weeks by default.
days = {{ SEV1 = 28, SEV2 = 28, SEV3 = 56 }}

[worker]
# The long-running worker (`syncer run` without --once): a sync every this many minutes ...
sync_every_minutes = 15
# ... and the follow-up report daily at this local time (HH:MM); remove for none.
report_at = "08:30"
# The IANA time zone report_at is read in.
timezone = "UTC"

[report]
# The follow-up report (`syncer report`, and every cycle of `syncer run`). An open item is
# overdue after its own due date, else the [deadlines] rule's.
# An open ticket nobody updated for this many days is stale.
stale_after_days = 14
# Where the report is delivered: uncomment to keep the whole report ("*") in one issue of
# this tracker, updated every run (see the README, "Delivering the report").
# [report.teams."*"]
# publish_to = {_toml(name)}

{table}"""


def run_init(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.config import env_prefix

    interactive = not args.no_input and sys.stdin.isatty() and context.stdout.isatty()
    ask = _asker(context, interactive=interactive)
    # Every option is checked before any question is asked: a bad flag fails at once.
    given = {
        "tracker": _given("--tracker", args.tracker, check_tracker_type),
        "name": _given("--name", args.name, check_name),
        "project": _given("--project", args.project, check_project),
        "url": _given("--url", args.url, check_url),
        "repository": _given("--repository", args.repository, check_repository),
    }
    sources = [s for s in (_given("--sources", s, check_source) for s in args.sources or ()) if s]
    tracker = given["tracker"] or ask("Tracker type (jira or github)", "jira", check_tracker_type)
    name = given["name"] or ask(
        "Tracker name", "ops-jira" if tracker == "jira" else "gh", check_name
    )
    if args.name and name != args.name:
        context.out(f"tracker name {args.name!r} written as {name!r}")
    project = url = repository = ""
    if tracker == "jira":
        project = given["project"] or ask("Jira project key", "OPS", check_project)
        url = given["url"] or ask("Jira site URL", "https://your-site.atlassian.net", check_url)
    else:
        repository = given["repository"] or ask(
            "GitHub repository (owner/name)", "acme/postmortems", check_repository
        )
        url = given["url"] or ""
    sources = sources or [ask("Post-mortem folder", "postmortems", check_source)]
    folder = Path(args.dir)
    target = folder / "syncer.toml"
    if target.exists():
        raise ConfigError(f"{target} exists already: not overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    text = config_text(
        tracker=tracker,
        name=name,
        project=project,
        url=url,
        repository=repository,
        sources=sources,
    )
    with target.open("x", encoding="utf-8") as out:
        out.write(text)
    prefix = env_prefix(name)
    program = invocation()
    context.out(f"wrote {target}")
    context.out("")
    context.out(
        f"Set {prefix}TOKEN"
        + (f" and {prefix}EMAIL" if tracker == "jira" else "")
        + " in the environment (or a KEY=value file given with --env-file), then:"
    )
    config = shlex.quote(str(target))
    for command in ("validate", "plan", "sync"):
        context.out(f"  {program} {command} --config {config}")
    return ExitCode.OK
