"""The files a sandbox run needs: a configuration pointing at the sandbox, its credentials, and
the example post-mortems. Used by ``syncer demo`` and printed by ``syncer sandbox``; and the
demo's last step, the follow-up report written beside them.

The demo routes documents of team ``web`` to a GitHub repository and everything else to a Jira
project, so one run shows both trackers.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from syncer.config import Config, env_prefix
from syncer.shell.cycle import ReportStage, run_cycle

JIRA_TRACKER = "ops-jira"
GITHUB_TRACKER = "platform-github"
PEOPLE = ("alice", "bob", "carol")


def examples_dir() -> Path:
    """The example post-mortems: packaged in a wheel, or beside the package in a checkout."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "examples" / "postmortems"
    for candidate in (package / "_examples" / "postmortems", checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the example post-mortems are missing from this installation")


def copy_examples(target: Path) -> list[Path]:
    """Copy the example post-mortems into ``target`` (kept if already there: edits survive)."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(examples_dir().glob("*.md")):
        destination = target / source.name
        if not destination.exists():
            shutil.copyfile(source, destination)
        copied.append(destination)
    return copied


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def sandbox_config(
    url: str,
    *,
    flavor: str,
    project: str,
    repository: str,
    jira_accounts: dict[str, str],
    jira_email: str | None,
    sources: str = "postmortems",
    state: str = "state.db",
) -> str:
    """A complete ``syncer.toml`` for the sandbox at ``url``."""
    jira_owners = ", ".join(
        f"{_toml_string(k)} = {_toml_string(v)}" for k, v in jira_accounts.items()
    )
    github_owners = ", ".join(f"{_toml_string(p)} = {_toml_string(p)}" for p in PEOPLE)
    email = f"email = {_toml_string(jira_email)}\n" if jira_email and flavor == "cloud" else ""
    return f"""\
# syncer configuration for the local sandbox ({url}).
# Secrets are not here: they are in syncer.env (pass it with --env-file).

default_tracker = "{JIRA_TRACKER}"

[sources]
paths = [{_toml_string(sources)}]
root = {_toml_string(sources)}
# Where the post-mortems are read by people: ticket bodies and the report link to them.
base_url = "https://github.com/acme/postmortems/blob/main"

[state]
path = {_toml_string(state)}

[[routes]]
team = "web"
tracker = "{GITHUB_TRACKER}"

[trackers.{JIRA_TRACKER}]
type = "jira"
url = {_toml_string(url)}
flavor = {_toml_string(flavor)}
project = {_toml_string(project)}
{email}labels = ["postmortem"]
owners = {{ {jira_owners} }}
pacing = {{ seconds_between_writes = 0, max_creates_per_run = 200 }}
# The sandbox's search shows a new issue at once (Jira Cloud's may take minutes).
search_lag_seconds = 0

[trackers.{JIRA_TRACKER}.priorities]
# the item's own priority first, else the incident's severity
P0 = "Highest"
P1 = "High"
P2 = "Medium"
P3 = "Low"
High = "High"
Medium = "Medium"
Low = "Low"
SEV1 = "Highest"
SEV2 = "High"
SEV3 = "Medium"

[trackers.{GITHUB_TRACKER}]
type = "github"
url = {_toml_string(url)}
repository = {_toml_string(repository)}
labels = ["postmortem"]
owners = {{ {github_owners} }}
pacing = {{ seconds_between_writes = 0, max_creates_per_run = 200 }}
"""


def sandbox_env(
    *, jira_token: str, jira_email: str, github_token: str, flavor: str
) -> dict[str, str]:
    """The ``SYNCER_*`` variables holding the sandbox's credentials."""
    env = {
        env_prefix(JIRA_TRACKER) + "TOKEN": jira_token,
        env_prefix(GITHUB_TRACKER) + "TOKEN": github_token,
    }
    if flavor == "cloud":
        env[env_prefix(JIRA_TRACKER) + "EMAIL"] = jira_email
    return env


def env_file_text(env: dict[str, str]) -> str:
    return "".join(f"{name}={value}\n" for name, value in env.items())


REPORT_FILES = ("followup-report.html", "followup-report.md")


def write_followup_report(
    config: Config, workdir: Path, *, environ: Mapping[str, str]
) -> list[str]:
    """Write the follow-up report (HTML and Markdown) into ``workdir``; lines saying where,
    and its headline counts. The example post-mortems hold an overdue item, an unowned one
    and a recurrence, so every section has something in it on a first run."""
    run = run_cycle(config, environ=environ, report=ReportStage()).report
    assert run is not None
    html, markdown = (workdir / name for name in REPORT_FILES)
    html.write_text(run.render("html"), encoding="utf-8")
    markdown.write_text(run.render("md"), encoding="utf-8")
    counts = run.report.counts()
    return [
        f"  {html}",
        f"  {markdown}",
        "  "
        + ", ".join(
            f"{counts[k]} {k}"
            for k in ("untracked", "unowned", "overdue", "stale", "drift", "recurrence")
        )
        + f"; {counts['open']} of {counts['items']} follow-ups open",
    ]
