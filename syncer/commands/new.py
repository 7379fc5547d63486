"""``syncer new``: start a post-mortem from the team's template, where syncer will read it.

The built-in template is the incident process's own (``syncer/templates/postmortem.md``, what
its ``incident-report.sh`` writes); ``[sources] template`` replaces it. The file is named as
that script names it, ``incident-<ID>-post-mortem.md``, and never overwrites an existing one.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from syncer.commands.base import CONFIG_ENV, Context, Subcommands, add_command, invocation
from syncer.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncer.config import Config

INCIDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""An incident id that is safe in a file name."""


def register(commands: Subcommands) -> None:
    new = add_command(
        commands,
        "new",
        summary="start a post-mortem from the team's template",
        description=(
            "Write a new post-mortem, incident-<ID>-post-mortem.md, from the team's template "
            "(the incident process's own, or the file [sources] template names) with the "
            "incident id, today's date and the severity filled in. It goes to --dir, else the "
            "first source folder of --config, else the current folder. An existing file is "
            "never overwritten. Documents started this way have the layout syncer reads best."
        ),
        examples=[
            ("syncer new INC-2041 --config syncer.toml", "into the configured source folder"),
            (
                "syncer new INC-2041 --severity SEV2 --title 'Checkout proxy pool exhausted'",
                "in the current folder, severity and title filled in",
            ),
            ("syncer new INC-2042 --dir postmortems/2026", "into a given folder"),
        ],
        exit_codes=(ExitCode.OK, ExitCode.USAGE),
        run=run_new,
    )
    new.add_argument("incident_id", metavar="INCIDENT-ID", help="the incident's id, e.g. INC-2041")
    new.add_argument("--dir", metavar="DIR", help="the folder to write to (created if missing)")
    new.add_argument("--severity", metavar="SEV", help="the incident's severity, e.g. SEV2")
    new.add_argument("--title", help="a short title, added to the document's first heading")
    new.add_argument(
        "--config",
        metavar="FILE",
        help="take the folder and the template from this syncer.toml (default: "
        f"${CONFIG_ENV}, else ./syncer.toml when there is one)",
    )
    new.add_argument(
        "--env-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="KEY=value lines added to the environment (never overriding what is set)",
    )


def builtin_template() -> str:
    """The incident process's template, as packaged."""
    return (resources.files("syncer") / "templates" / "postmortem.md").read_text(encoding="utf-8")


def fill_template(
    text: str, *, incident_id: str, today: date, severity: str | None, title: str | None
) -> str:
    """The template with the incident's facts in: the script's sample values and ``{names}``."""
    heading_id = f"{incident_id}: {title}" if title else incident_id
    filled = text.replace("Incident INC-0000", f"Incident {heading_id}")
    filled = filled.replace("INC-0000", incident_id).replace("2026-11-20", today.isoformat())
    if severity:
        filled = filled.replace("[SEV1/SEV2]", severity)
    for name, value in (
        ("incident_id", incident_id),
        ("date", today.isoformat()),
        ("severity", severity or "[SEV1/SEV2]"),
        ("title", title or ""),
    ):
        filled = filled.replace("{" + name + "}", value)
    return filled


def file_name(incident_id: str) -> str:
    """What ``incident-report.sh`` calls the document."""
    return f"incident-{incident_id}-post-mortem.md"


def _target(args: argparse.Namespace, config: Config | None) -> Path:
    if args.dir:
        return Path(args.dir)
    if config is not None:
        for spec in config.settings.sources.paths:
            if not any(c in spec for c in "*?["):
                folder = config.resolve(spec)
                if folder.suffix != ".md":
                    return folder
        raise ConfigError("sources.paths names no folder to write to: give --dir")
    return Path()


def run_new(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.config import load_config, load_env_file

    if not INCIDENT_ID.match(args.incident_id):
        raise ConfigError(
            f"{args.incident_id!r} is not an incident id: letters, digits, '.', '_' and '-' only "
            "(e.g. INC-2041)"
        )
    config = None
    # Like every command, the configuration defaults to $SYNCER_CONFIG, else ./syncer.toml; but
    # a post-mortem can be written without one (into --dir or here, from the built-in template).
    named = args.config or context.env.get(CONFIG_ENV)
    if not named and Path("syncer.toml").is_file():
        named = "syncer.toml"
    if named:
        if getattr(args, "env_file", None):
            load_env_file(Path(args.env_file), context.env)
        config = load_config(Path(named), environ=context.env, require_secrets=False)
    template = builtin_template()
    if config is not None and config.settings.sources.template:
        path = config.resolve(config.settings.sources.template)
        try:
            template = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"sources.template: cannot read {path}: {exc.strerror}") from None
    folder = _target(args, config)
    target = folder / file_name(args.incident_id)
    if target.exists():
        raise ConfigError(f"{target} exists already: not overwritten")
    text = fill_template(
        template,
        incident_id=args.incident_id,
        today=date.today(),
        severity=args.severity,
        title=args.title,
    )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
            out.write(text)
    except FileExistsError:
        raise ConfigError(f"{target} exists already: not overwritten") from None
    context.out(f"wrote {target}")
    context.out("Fill in the summary, timeline and action items; then check how syncer reads it:")
    context.out(f"  {invocation()} parse {target}")
    return ExitCode.OK
