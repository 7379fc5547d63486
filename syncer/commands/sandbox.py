"""``syncer sandbox`` and ``syncer demo``: the local Jira and GitHub stand-ins, and the whole loop.

The sandbox is a test stand-in, not part of the product: it is imported only when one of these
commands runs, so ``syncer parse``, ``plan`` and ``sync`` never load it.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from syncer.commands.base import Context, Subcommands, add_command, invocation
from syncer.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from syncer.sandbox import Sandbox


def register(commands: Subcommands) -> None:
    def listen_options(command: argparse.ArgumentParser, *, port: int) -> None:
        command.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
        command.add_argument(
            "--port", type=int, default=port, help="port to listen on; 0 picks a free one"
        )
        command.add_argument(
            "--jira-flavor",
            choices=("cloud", "server"),
            default="cloud",
            help="which Jira to imitate: Cloud (email + API token) or Server/Data Center (PAT)",
        )
        command.add_argument(
            "--allow-remote", action="store_true", help="bind a non-loopback address anyway"
        )

    sandbox = add_command(
        commands,
        "sandbox",
        summary="serve local Jira and GitHub stand-ins",
        description=(
            "Serve local stand-ins for the Jira and GitHub REST APIs on loopback, with a page "
            "listing their issues, and print a configuration and credentials that point syncer "
            "at them. For trying syncer, and for checking a sync by hand; it never talks to a "
            "real tracker. Runs until Ctrl-C."
        ),
        examples=[
            ("syncer sandbox", "a fresh sandbox on a free port, issues kept in memory"),
            (
                "syncer sandbox --port 8080 --data demo/sandbox.json",
                "reopen the issues a `syncer demo --workdir demo` left",
            ),
            ("syncer sandbox --jira-flavor server --jira-project OPS", "imitate Jira Data Center"),
        ],
        exit_codes=(ExitCode.OK, ExitCode.USAGE),
        run=run_sandbox,
    )
    listen_options(sandbox, port=0)
    sandbox.add_argument("--data", metavar="FILE", help="keep the issues in this JSON file")
    sandbox.add_argument(
        "--jira-project",
        action="append",
        metavar="KEY",
        help="a Jira project to serve (repeatable; default OPS)",
    )
    sandbox.add_argument(
        "--github-repo",
        action="append",
        metavar="OWNER/NAME",
        help="a GitHub repository to serve (repeatable; default acme/platform)",
    )

    demo_command = add_command(
        commands,
        "demo",
        summary="sync the example post-mortems into a sandbox, end to end",
        description=(
            "The whole loop with no credentials and no network: start the sandbox on a free "
            "loopback port, copy the example post-mortems to a folder, print the plan, sync, "
            "and print what was done and the commands to look further. --serve keeps the "
            "sandbox up afterwards, until Ctrl-C, so its page can be opened."
        ),
        examples=[
            ("syncer demo", "in a new temporary folder, kept (it prints how to remove it)"),
            ("syncer demo --workdir demo", "in the folder demo, to rerun by hand"),
            ("syncer demo --serve", "then open the printed page in a browser"),
        ],
        exit_codes=(ExitCode.OK, ExitCode.PARTIAL, ExitCode.USAGE, ExitCode.INTERRUPTED),
        run=run_demo,
    )
    listen_options(demo_command, port=0)
    demo_command.add_argument(
        "--workdir", metavar="DIR", help="keep every file here (default: a new temporary folder)"
    )
    demo_command.add_argument(
        "--serve",
        action="store_true",
        help="keep the sandbox and its page up after the demo, until Ctrl-C",
    )


def _start_sandbox(
    args: argparse.Namespace,
    *,
    data: Path | None,
    projects: tuple[str, ...],
    repos: tuple[str, ...],
) -> Sandbox:
    try:
        from syncer.sandbox import Sandbox, SandboxError  # only when asked for
    except ModuleNotFoundError:  # the production image leaves the test stand-in out
        raise ConfigError(
            "the sandbox is not installed here (the production image leaves it out); "
            "install syncer from its source to use it"
        ) from None

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
    from syncer.commands import demo
    from syncer.sandbox.store import jira_account_id  # only when asked for

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


def run_sandbox(args: argparse.Namespace, context: Context) -> ExitCode:
    projects = tuple(args.jira_project or ["OPS"])
    repos = tuple(args.github_repo or ["acme/platform"])
    data = Path(args.data) if args.data else None
    sandbox = _start_sandbox(args, data=data, projects=projects, repos=repos)
    config, env = _sandbox_files(sandbox, project=projects[0], repository=repos[0])
    out = context.out
    out(f"sandbox ({sandbox.flavor} Jira) listening on {sandbox.url}")
    out(f"  issues page:  {sandbox.url}/")
    out(f"  Jira:         {sandbox.url}/rest/api/2/  (projects {', '.join(projects)})")
    out(f"  GitHub:       {sandbox.url}/  (repositories {', '.join(repos)})")
    out(f"  data:         {data or 'in memory'}")
    out("\nEnvironment for syncer (or save as syncer.env and pass --env-file):")
    out("".join(f"  export {k}={v}\n" for k, v in env.items()))
    out("syncer.toml for this sandbox:\n")
    out(config)
    out("Ctrl-C stops the sandbox.", flush=True)
    try:
        _wait_for_interrupt()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return ExitCode.OK


def run_demo(args: argparse.Namespace, context: Context) -> ExitCode:
    # The folder is kept either way: the report the demo points to must still be there to open.
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="syncer-demo-")).resolve()
    return _run_demo(args, context, workdir)


def _run_demo(args: argparse.Namespace, context: Context, workdir: Path) -> ExitCode:
    from syncer.commands import demo
    from syncer.config import load_config
    from syncer.core.render import outcome_markdown, outcome_text
    from syncer.shell.cycle import SyncStage, exit_code, run_cycle

    out = context.out
    sandbox = _start_sandbox(
        args, data=workdir / "sandbox.json", projects=("OPS",), repos=("acme/platform",)
    )
    port = sandbox.url.rsplit(":", 1)[1]
    program = invocation()
    config_file, env_file = workdir / "syncer.toml", workdir / "syncer.env"
    try:
        copied = demo.copy_examples(workdir / "postmortems")
        config_text, env = _sandbox_files(sandbox, project="OPS", repository="acme/platform")
        config_file.write_text(config_text, encoding="utf-8")
        env_file.write_text(demo.env_file_text(env), encoding="utf-8")
        context.env.update(env)
        config = load_config(config_file, environ=context.env)
        context.redactor.add_config(config)
        out(f"syncer demo: sandbox on {sandbox.url}, {len(copied)} post-mortems in {workdir}")
        out("\n== plan (the dry run) ==")
        planned = run_cycle(config, environ=context.env, sync=SyncStage(dry_run=True)).sync
        assert planned is not None
        out(outcome_text(planned, show_plan=True))
        out("\n== sync ==")
        synced = run_cycle(config, environ=context.env, sync=SyncStage())
        outcome = synced.sync
        assert outcome is not None
        out(outcome_text(outcome, show_plan=False))
        (workdir / "report.md").write_text(outcome_markdown(outcome), encoding="utf-8")
        out("\n== follow-up report ==")
        for line in demo.write_followup_report(config, workdir, environ=context.env):
            out(line)
        jira = sandbox.jira_issues("OPS")
        github = sandbox.github_issues("acme/platform")
        out("\n== where to look ==")
        out(f"  {len(jira)} Jira issues in OPS, {len(github)} GitHub issues in acme/platform")
        sync_again = (
            f"{program} sync --config {_quoted(config_file)} --env-file {_quoted(env_file)}"
        )
        if args.serve:
            out(f"  the issues page: {sandbox.url}/")
            out("  check that a second sync creates nothing (in another terminal):")
            out(f"    {sync_again}")
            out("Ctrl-C stops the sandbox.", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                _wait_for_interrupt()
            return exit_code(synced)
    finally:
        sandbox.stop()
    out(f"  everything is in {workdir}: syncer.toml, syncer.env, postmortems/, state.db,")
    out("  sandbox.json, report.md and the follow-up report. To look at the issues and check")
    out("  that a second sync creates nothing:")
    out(f"    {program} sandbox --port {port} --data {_quoted(workdir / 'sandbox.json')}")
    out(f"    {sync_again}")
    out(f"  then open http://127.0.0.1:{port}/ (or run `{program} demo --serve`)")
    out("  When done, remove the folder:")
    out(f"    rm -r {_quoted(workdir)}")
    return exit_code(synced)


def _quoted(path: Path) -> str:
    return shlex.quote(str(path))
