"""``syncer init``: write a commented starting configuration and say what to run next.

On a terminal it asks for what the flags did not give (Enter keeps the default shown); anywhere
else (cron, CI, a pipe) it asks nothing and writes the defaults. It never overwrites a file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

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


Ask = Callable[[str, str], str]


def _asker(context: Context, *, interactive: bool) -> Ask:
    def ask(question: str, default: str) -> str:
        if not interactive:
            return default
        context.stdout.write(f"{question} [{default}]: ")
        context.stdout.flush()
        answer = sys.stdin.readline().strip()
        return answer or default

    return ask


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

{table}"""


def run_init(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.config import env_prefix

    interactive = not args.no_input and sys.stdin.isatty() and context.stdout.isatty()
    ask = _asker(context, interactive=interactive)
    tracker = args.tracker or ask("Tracker type (jira or github)", "jira")
    if tracker not in ("jira", "github"):
        raise ConfigError(f"--tracker: {tracker!r} is not a tracker type (jira or github)")
    name = args.name or ask("Tracker name", "ops-jira" if tracker == "jira" else "gh")
    project = url = repository = ""
    if tracker == "jira":
        project = args.project or ask("Jira project key", "OPS")
        url = args.url or ask("Jira site URL", "https://your-site.atlassian.net")
        if not PROJECT.match(project):
            raise ConfigError(f"--project: {project!r} is not a Jira project key (like OPS)")
    else:
        repository = args.repository or ask("GitHub repository (owner/name)", "acme/postmortems")
        url = args.url or ""
        if not REPOSITORY.match(repository):
            raise ConfigError(f"--repository: {repository!r} must look like owner/name")
    sources = args.sources or [ask("Post-mortem folder", "postmortems")]
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
    for command in ("validate", "plan", "sync"):
        context.out(f"  {program} {command} --config {target}")
    return ExitCode.OK
