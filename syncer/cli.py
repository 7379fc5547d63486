"""The ``syncer`` command: the only place that prints, configures logging, or picks an exit code.

Exit codes (``syncer.errors.ExitCode``): 0 ok; 1 partial failure (some documents or changes
failed, the rest went through); 2 usage or configuration error, nothing done; 3 a tracker was
unreachable or refused the credentials; 75 another run holds the state (nothing done);
130 interrupted.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from syncer import __version__, demo
from syncer.config import Config, load_config, load_env_file
from syncer.errors import ConfigError, ExitCode, SyncerError, TrackerError
from syncer.model import Document
from syncer.render import (
    documents_json,
    documents_text,
    outcome_json,
    outcome_markdown,
    outcome_text,
)
from syncer.sandbox import Sandbox, SandboxError
from syncer.sandbox.store import jira_account_id
from syncer.sources import discover, read_documents
from syncer.state import StateStore
from syncer.sync import SyncOutcome, run_sync
from syncer.trackers import open_trackers

log = logging.getLogger("syncer")


class _Redact(logging.Filter):
    """Replaces every known secret value in log lines with ``***``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


_REDACT = _Redact()


def _redact(config: Config) -> None:
    """Keep every form of the configured secrets out of what syncer prints and logs."""
    for secrets in config.secrets.values():
        token = secrets.token.get_secret_value()
        _REDACT.secrets.add(token)
        if secrets.email:  # Basic auth sends base64(email:token); a debug log could show it
            _REDACT.secrets.add(base64.b64encode(f"{secrets.email}:{token}".encode()).decode())


def _configure_logging(verbosity: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_REDACT)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel([logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)])
    # Client libraries log request details at DEBUG; keep them quiet unless asked for twice.
    for noisy in ("urllib3", "github", "jira"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 2 else logging.WARNING)


def _err(message: str) -> None:
    for secret in _REDACT.secrets:
        message = message.replace(secret, "***")
    print(f"syncer: {message}", file=sys.stderr)


def _now() -> datetime:
    return datetime.now(UTC)


# parse ---------------------------------------------------------------------------------------


def _cmd_parse(args: argparse.Namespace) -> ExitCode:
    documents: list[Document] = []
    for spec in args.paths:
        path = Path(spec)
        if not path.exists():
            raise ConfigError(f"{spec}: no such file or folder")
        root = path if path.is_dir() else path.parent
        files = discover(["."], base=path) if path.is_dir() else [path]
        documents += [doc for doc, _ in read_documents(files, root=root)]
    print(documents_json(documents) if args.format == "json" else documents_text(documents))
    for document in documents:
        for problem in document.errors:
            _err(f"error: {problem}")
        for problem in document.warnings:
            _err(f"warning: {problem}")
    return ExitCode.PARTIAL if any(d.errors for d in documents) else ExitCode.OK


# configuration -------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> Config:
    if args.env_file:
        load_env_file(Path(args.env_file), os.environ)
    config = load_config(Path(args.config))
    _redact(config)
    return config


def _cmd_validate(args: argparse.Namespace) -> ExitCode:
    config = _load(args)
    names = ", ".join(config.settings.trackers) or "none"
    print(f"{args.config}: valid (trackers: {names}; state: {config.state_path})")
    if not args.check_trackers:
        return ExitCode.OK
    code = ExitCode.OK
    for name, tracker in open_trackers(config).items():
        try:
            tracker.check()
        except TrackerError as exc:
            print(f"  {name}: {exc}")
            code = ExitCode.TRACKER
        else:
            print(f"  {name}: reachable, credentials accepted")
    return code


# plan and sync -------------------------------------------------------------------------------


def _exit_for(outcome: SyncOutcome) -> ExitCode:
    if outcome.unavailable:
        return ExitCode.TRACKER
    failed = outcome.result.failed if outcome.result else 0
    return ExitCode.PARTIAL if failed or outcome.errors else ExitCode.OK


def run_configured(config: Config, *, dry_run: bool) -> SyncOutcome:
    """Open trackers and state for ``config`` and run one plan or sync."""
    trackers = open_trackers(config)
    with StateStore(config.state_path, scratch_copy=dry_run) as store:
        return run_sync(
            config,
            trackers,
            store,
            dry_run=dry_run,
            now=_now,
            sleep=time.sleep,
            clock=time.monotonic,
        )


def _cmd_plan_or_sync(args: argparse.Namespace) -> ExitCode:
    config = _load(args)
    outcome = run_configured(config, dry_run=args.command == "plan")
    if args.format == "json":
        print(outcome_json(outcome))
    else:
        print(outcome_text(outcome, show_plan=args.command == "plan" or args.verbose > 0))
    return _exit_for(outcome)


# sandbox and demo ----------------------------------------------------------------------------


def _start_sandbox(
    args: argparse.Namespace,
    *,
    data: Path | None,
    projects: tuple[str, ...],
    repos: tuple[str, ...],
) -> Sandbox:
    sandbox = Sandbox(args.jira_flavor, jira_projects=projects, github_repos=repos, data_path=data)
    try:
        sandbox.start(args.host, args.port, allow_remote=args.allow_remote)
    except SandboxError as exc:
        # The library speaks of its keyword argument; here the user typed an option.
        raise ConfigError(str(exc).replace("allow_remote=True", "--allow-remote")) from None
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return sandbox


def _sandbox_files(
    sandbox: Sandbox, *, project: str, repository: str
) -> tuple[str, dict[str, str]]:
    accounts = {
        person: jira_account_id(person) if sandbox.flavor == "cloud" else person
        for person in demo.PEOPLE
    }
    config = demo.sandbox_config(
        sandbox.url,
        flavor=sandbox.flavor,
        project=project,
        repository=repository,
        jira_accounts=accounts,
        jira_email=sandbox.jira_email,
    )
    env = demo.sandbox_env(
        jira_token=sandbox.jira_token,
        jira_email=sandbox.jira_email,
        github_token=sandbox.github_token,
        flavor=sandbox.flavor,
    )
    return config, env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM (a container stopping)."""
    signal.signal(signal.SIGTERM, _interrupt)
    threading.Event().wait()


def _cmd_sandbox(args: argparse.Namespace) -> ExitCode:
    projects = tuple(args.jira_project or ["OPS"])
    repos = tuple(args.github_repo or ["acme/platform"])
    data = Path(args.data) if args.data else None
    sandbox = _start_sandbox(args, data=data, projects=projects, repos=repos)
    config, env = _sandbox_files(sandbox, project=projects[0], repository=repos[0])
    print(f"sandbox ({sandbox.flavor} Jira) listening on {sandbox.url}")
    print(f"  issues page:  {sandbox.url}/")
    print(f"  Jira:         {sandbox.url}/rest/api/2/  (projects {', '.join(projects)})")
    print(f"  GitHub:       {sandbox.url}/  (repositories {', '.join(repos)})")
    print(f"  data:         {data or 'in memory'}")
    print("\nEnvironment for syncer (or save as syncer.env and pass --env-file):")
    print("".join(f"  export {k}={v}\n" for k, v in env.items()))
    print("syncer.toml for this sandbox:\n")
    print(config)
    print("Ctrl-C stops the sandbox.", flush=True)
    try:
        _wait_for_interrupt()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return ExitCode.OK


def _cmd_demo(args: argparse.Namespace) -> ExitCode:
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        return _run_demo(args, workdir)
    with tempfile.TemporaryDirectory(prefix="syncer-demo-") as folder:
        return _run_demo(args, Path(folder))


def _run_demo(args: argparse.Namespace, workdir: Path) -> ExitCode:
    sandbox = _start_sandbox(
        args, data=workdir / "sandbox.json", projects=("OPS",), repos=("acme/platform",)
    )
    port = sandbox.url.rsplit(":", 1)[1]
    try:
        copied = demo.copy_examples(workdir / "postmortems")
        config_text, env = _sandbox_files(sandbox, project="OPS", repository="acme/platform")
        (workdir / "syncer.toml").write_text(config_text, encoding="utf-8")
        (workdir / "syncer.env").write_text(demo.env_file_text(env), encoding="utf-8")
        os.environ.update(env)
        config = load_config(workdir / "syncer.toml")
        _redact(config)
        print(f"syncer demo: sandbox on {sandbox.url}, {len(copied)} post-mortems in {workdir}")
        print("\n== plan (the dry run) ==")
        print(outcome_text(run_configured(config, dry_run=True), show_plan=True))
        print("\n== sync ==")
        outcome = run_configured(config, dry_run=False)
        print(outcome_text(outcome, show_plan=False))
        (workdir / "report.md").write_text(outcome_markdown(outcome), encoding="utf-8")
        jira = sandbox.jira_issues("OPS")
        github = sandbox.github_issues("acme/platform")
    finally:
        sandbox.stop()
    print("\n== where to look ==")
    print(f"  {len(jira)} Jira issues in OPS, {len(github)} GitHub issues in acme/platform")
    if args.workdir:
        print(f"  everything is in {workdir}: syncer.toml, syncer.env, postmortems/, state.db,")
        print("  sandbox.json and report.md. To look at the issues and check that a second")
        print("  sync creates nothing:")
        print(f"    syncer sandbox --port {port} --data {workdir / 'sandbox.json'}")
        config_file, env_file = workdir / "syncer.toml", workdir / "syncer.env"
        print(f"    syncer sync --config {config_file} --env-file {env_file}")
    else:
        print("  (a temporary folder, removed now; run `syncer demo --workdir DIR` to keep it)")
    return _exit_for(outcome)


def _add_sandbox_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def listen_options(command: argparse.ArgumentParser, *, port: int) -> None:
        command.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
        command.add_argument("--port", type=int, default=port, help="0 picks a free port")
        command.add_argument("--jira-flavor", choices=("cloud", "server"), default="cloud")
        command.add_argument(
            "--allow-remote", action="store_true", help="bind a non-loopback address anyway"
        )

    sandbox = commands.add_parser("sandbox", help="serve local Jira and GitHub stand-ins")
    listen_options(sandbox, port=0)
    sandbox.add_argument("--data", metavar="FILE", help="keep issues in this JSON file")
    sandbox.add_argument("--jira-project", action="append", metavar="KEY", help="(repeatable)")
    sandbox.add_argument(
        "--github-repo", action="append", metavar="OWNER/NAME", help="(repeatable)"
    )
    sandbox.set_defaults(run=_cmd_sandbox)

    demo_command = commands.add_parser(
        "demo", help="sync the example post-mortems into a sandbox, end to end"
    )
    listen_options(demo_command, port=0)
    demo_command.add_argument("--workdir", metavar="DIR", help="keep every file here")
    demo_command.set_defaults(run=_cmd_demo)


# entry point ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncer",
        description="Keep post-mortem action items and their Jira or GitHub issues in step.",
    )
    parser.add_argument("--version", action="version", version=f"syncer {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log lines (-vv for debug)"
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback of an error"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    parse = commands.add_parser("parse", help="print the action items found in post-mortems")
    parse.add_argument("paths", nargs="+", metavar="PATH", help="a file, or a folder of *.md")
    parse.add_argument("--format", choices=("text", "json"), default="text")
    parse.set_defaults(run=_cmd_parse)

    def configured(
        name: str, help_text: str, run: Callable[[argparse.Namespace], ExitCode]
    ) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--config", required=True, metavar="FILE", help="syncer.toml")
        command.add_argument(
            "--env-file", metavar="FILE", help="KEY=value lines added to the environment"
        )
        command.set_defaults(run=run)
        return command

    validate = configured("validate", "check a configuration file and its secrets", _cmd_validate)
    validate.add_argument(
        "--check-trackers",
        action="store_true",
        help="also connect to each tracker: credentials, project or repository",
    )
    for name, text in (
        ("plan", "show what a sync would change (a dry run: nothing is written)"),
        ("sync", "plan, then apply: create, update, link and close tickets"),
    ):
        command = configured(name, text, _cmd_plan_or_sync)
        command.add_argument("--format", choices=("text", "json"), default="text")

    _add_sandbox_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        _err(str(exc))
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return int(exc.exit_code)
    except SyncerError as exc:
        if args.traceback:
            traceback.print_exc()
        _err(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`syncer parse ... | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
