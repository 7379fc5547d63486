"""``syncer validate``: check a configuration, its secrets, and optionally the trackers."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from syncer.commands.base import Context, Subcommands, configured_command
from syncer.errors import ConfigError, ExitCode, TrackerError
from syncer.logs import MIN_SECRET_LENGTH, short_secret

if TYPE_CHECKING:
    from syncer.config import Config


def register(commands: Subcommands) -> None:
    validate = configured_command(
        commands,
        "validate",
        "check a configuration file, its secrets and its sources",
        run_validate,
        description=(
            "Check a configuration without changing anything: every bad or unknown key with "
            "its line in the file and what it should look like, every missing secret in one "
            "run, sources that do not exist or hold no post-mortem. With --check-trackers it "
            "also connects to each tracker to check the credentials and the project or "
            "repository. Run it after every edit of syncer.toml, and in CI."
        ),
        examples=[
            ("syncer validate --config syncer.toml", "the file, the secrets and the sources"),
            (
                "syncer validate --config syncer.toml --env-file syncer.env --check-trackers",
                "also log in to every tracker",
            ),
        ],
        exit_codes=(ExitCode.OK, ExitCode.USAGE, ExitCode.TRACKER),
    )
    validate.add_argument(
        "--check-trackers",
        action="store_true",
        help="also connect to each tracker: credentials, project or repository, and every "
        "account in its owner map",
    )


def short_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The environment variables holding a secret too short to be real (or to be masked)."""
    from syncer.config import env_prefix
    from syncer.shell.state import PASSWORD_ENV

    names = [
        f"{env_prefix(name)}TOKEN"
        for name, secrets in config.secrets.items()
        if short_secret(secrets.token.get_secret_value())
    ]
    if config.settings.state.url:  # the state database's password
        for name in (PASSWORD_ENV, "PGPASSWORD"):
            value = environ.get(name)
            if value and short_secret(value):
                names.append(name)
    return names


def with_source_problems(
    exc: ConfigError, args: argparse.Namespace, context: Context
) -> ConfigError:
    """``exc`` with the sources' problems added, when the file is valid but for its secrets.

    Every problem in one run: a missing token must not hide a source folder that is not
    there (the next run would only then say so).
    """
    from syncer.config_problems import plural
    from syncer.shell.sources import source_problems

    try:
        lenient = context.load(args, require_secrets=False)
    except ConfigError:
        return exc  # the file itself is wrong: its problems come first
    _, problems = source_problems(lenient)
    if not problems:
        return exc
    every = exc.problems + tuple(problems)
    message = re.sub(r"\(\d+ problems?\)", f"({plural(len(every), 'problem')})", str(exc))
    return ConfigError(message, every)


def run_validate(args: argparse.Namespace, context: Context) -> ExitCode:
    from syncer.config_problems import plural
    from syncer.shell.sources import source_problems
    from syncer.shell.state import SqliteTarget, state_target
    from syncer.shell.state.sqlite import unwritable_folder
    from syncer.shell.trackers import open_trackers

    try:
        config = context.load(args)
    except ConfigError as exc:
        raise with_source_problems(exc, args, context) from None
    short = short_secrets(config, context.env)
    for name in short:
        context.err(
            f"{name} is shorter than {MIN_SECRET_LENGTH} characters: not a real token (a "
            "placeholder?), and too short to keep out of logs"
        )
    if short:
        return ExitCode.USAGE
    count, problems = source_problems(config)
    if problems:
        raise ConfigError(
            f"{args.config}: {plural(len(problems), 'problem')} with the sources", tuple(problems)
        )
    names = ", ".join(config.settings.trackers) or "none"
    target = state_target(config, environ=context.env)
    if isinstance(target, SqliteTarget) and (problem := unwritable_folder(target.file)):
        raise ConfigError(problem)
    label = target.label
    context.out(
        f"{args.config}: valid (trackers: {names}; {plural(count, 'post-mortem')}; state: {label})"
    )
    if not args.check_trackers:
        return ExitCode.OK
    code = ExitCode.OK
    for name, tracker in open_trackers(config).items():
        try:
            tracker.check()
        except TrackerError as exc:
            # The error names its tracker already ("web-github: ..."): say it once.
            context.out(f"  {name}: {str(exc).removeprefix(f'{name}: ')}")
            code = ExitCode.TRACKER
            continue
        context.out(f"  {name}: reachable, credentials accepted")
        owners = config.settings.trackers[name].owners
        try:
            refused = set(tracker.unassignable(owners.values()))
        except TrackerError as exc:
            context.out(f"  {name}: could not check the owner map: {exc}")
            code = ExitCode.TRACKER
            continue
        for owner, account in sorted(owners.items()):
            if account in refused:
                context.out(
                    f"  {name}: owner {owner!r} maps to {account!r}, which {name} will not "
                    f"assign (fix trackers.{name}.owners)"
                )
                code = max(code, ExitCode.USAGE)
        if owners and not refused:
            context.out(f"  {name}: all {len(owners)} owner map accounts can be assigned")
    return code
