"""``syncer run --once`` and ``syncer health`` through the command, against the sandbox.

One cycle syncs, records the heartbeat and ends with a summary line; logs come as text or as
one JSON object a line, with secrets masked; a retry is one line naming tracker, host, attempt
and wait; an unreachable tracker fails at once; two runs at the same moment never both run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import stamina

from syncer.cli import main
from syncer.config import load_config
from syncer.sandbox import Sandbox
from syncer.shell.state import read_heartbeat, state_target, write_heartbeat
from tests.support.e2e import ITEMS, issues
from tests.support.postgres_server import PASSWORD, PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kind() -> str:
    return "jira-cloud"


@pytest.fixture
def memory() -> str:
    return "state-kept"  # a worker keeps its state (test_e2e also runs without it)


def run_once(workspace: Path, *extra: str, before: tuple[str, ...] = ()) -> int:
    return main([*before, "run", "--once", "--config", str(workspace / "syncer.toml"), *extra])


def test_one_cycle_syncs_records_the_heartbeat_and_ends_with_a_summary_line(
    workspace: Path, sandbox: Sandbox, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_once(workspace) == 0
    out, err = capsys.readouterr()
    assert "created 7" in out
    assert len(issues(sandbox, kind)) == ITEMS
    [summary] = [line for line in err.splitlines() if "cycle finished" in line]
    assert "(exit 0); sync documents 2, items 7: created 7" in summary
    beat = read_heartbeat(
        state_target(
            load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
        )
    )
    assert beat is not None
    assert beat.last_success is not None
    assert beat.last_error is None

    assert run_once(workspace) == 0
    assert "unchanged 7" in capsys.readouterr().out
    assert len(issues(sandbox, kind)) == ITEMS


def test_health_reads_the_heartbeat(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(workspace / "syncer.toml")]
    assert main(["health", *config]) == 1
    assert "no cycle recorded yet" in capsys.readouterr().out
    assert run_once(workspace) == 0
    capsys.readouterr()
    assert main(["health", *config]) == 0
    assert ": ok: last successful cycle" in capsys.readouterr().out
    # The same heartbeat judged against a tighter limit, an hour later: stale.
    target = state_target(
        load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
    )
    write_heartbeat(
        target,
        now=datetime.now(UTC) - timedelta(hours=1),
        ok=True,
        next_due=None,
    )
    write_heartbeat(
        target, now=datetime.now(UTC) - timedelta(minutes=59), ok=False, next_due=None,
        error="cycle: ops-jira: cannot reach the server",
    )  # fmt: skip
    assert main(["health", *config, "--max-age", "30m"]) == 1
    reason = capsys.readouterr().out
    assert "stale: last successful cycle" in reason
    assert "limit 30 min" in reason
    assert "cannot reach the server" in reason
    assert main(["health", *config, "--max-age", "2h"]) == 0
    assert main(["health", *config, "--max-age", "soon"]) == 2
    assert "--max-age: 'soon' is not a duration" in capsys.readouterr().err


def test_health_says_unhealthy_when_the_state_database_is_down(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 17, defect 6: it exited 2, "configuration error".
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        "SYNCER_STATE__URL": f"postgresql://syncer@127.0.0.1:{port}/syncer",
        "SYNCER_STATE_PASSWORD": "not-a-real-password",
    }
    assert main(["health", "--config", str(workspace / "syncer.toml")], env=env) == 1
    out = capsys.readouterr().out
    assert "unhealthy: cannot read the heartbeat" in out
    assert "not-a-real-password" not in out


def test_health_needs_no_tracker_credentials(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_once(workspace) == 0
    capsys.readouterr()
    code = main(["health", "--config", str(workspace / "syncer.toml")], env={})
    assert code == 0, capsys.readouterr()


def test_json_logs_are_one_object_a_line_with_run_item_ticket_and_tracker(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # --log-format is a global option: after the command as well as before it.
    assert run_once(workspace, "--format", "json", "--log-format", "json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["sync"]["summary"]["created"] == ITEMS
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines
    assert all({"time", "level", "event", "logger"} <= line.keys() for line in lines)
    runs = {line.get("run_id") for line in lines}
    assert len(runs) == 1
    assert None not in runs
    created = [
        line
        for line in lines
        if line["logger"] == "syncer.shell.apply" and "created" in line["event"]
    ]
    assert len(created) == ITEMS
    assert all(line["item_key"] and line["ticket"].startswith("OPS-") for line in created)
    assert all(line["tracker"] == "ops-jira" for line in created)
    [summary] = [line for line in lines if line["event"].startswith("cycle finished")]
    assert summary["duration"] > 0
    # The summary's counts are fields a log shipper can query, not only words in the event.
    assert summary["exit_code"] == 0
    assert summary["sync"]["created"] == ITEMS
    assert summary["report"]["items"] == ITEMS


def test_json_logs_carry_errors_as_objects_too(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = workspace / "syncer.toml"
    config.write_text(config.read_text() + "\n[worker]\nsync_every_minutes = 0\n")
    assert run_once(workspace, "--log-format", "json") == 2
    err = capsys.readouterr().err
    [line] = [json.loads(line) for line in err.splitlines()]
    assert line["level"] == "error"
    assert line["event"].startswith("invalid configuration")
    assert any("worker.sync_every_minutes" in problem for problem in line["problems"])


def test_secrets_appear_nowhere_even_in_debug_logs(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_once(workspace, before=("-vv",)) == 0
    out, err = capsys.readouterr()
    assert "cycle finished" in err
    for secret in (sandbox.jira_token, sandbox.github_token):
        assert secret not in out + err


def test_a_retry_is_one_line_naming_tracker_host_attempt_and_wait(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.inject_error(503, method="GET", path="/rest/api/2/search/jql", times=1)
    with stamina.set_testing(True, attempts=4):
        assert run_once(workspace) == 0
    err = capsys.readouterr().err
    retries = [line for line in err.splitlines() if "retry" in line]
    assert len(retries) == 1, err
    assert "WARNING syncer.shell.trackers.transport: ops-jira: 127.0.0.1 failed (" in retries[0]
    assert "retry 1 of 3 in 0.0 s" in retries[0]
    assert "stamina" not in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_tracker_fails_at_once_without_retries(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = workspace / "syncer.toml"
    config.write_text(config.read_text().replace(sandbox.url, f"http://127.0.0.1:{_closed_port()}"))
    with stamina.set_testing(True, attempts=4):
        assert run_once(workspace) == 3
    out, err = capsys.readouterr()
    assert "retry" not in err
    assert "connection refused or unknown host" in out
    beat = read_heartbeat(
        state_target(load_config(config, environ={}, require_secrets=False), environ={})
    )
    # The worker ran its cycle: a tracker that is down makes it degraded, not dead (a liveness
    # probe must not restart it), and the heartbeat names the outage.
    assert beat is not None
    assert beat.last_success is not None
    assert beat.last_error == "cycle: a tracker could not be used"


def _cli(workspace: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncer.cli", *args, "--config", str(workspace / "syncer.toml")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_runs_at_the_same_moment_one_runs_the_other_exits_75(
    workspace: Path, sandbox: Sandbox, kind: str, backend: str, request: pytest.FixtureRequest
) -> None:
    env = dict(os.environ)
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        env |= {
            "SYNCER_STATE__URL": server.url,
            "SYNCER_STATE__SHARD": f"twice{os.getpid()}",
            "SYNCER_STATE_PASSWORD": PASSWORD,
        }
    sandbox.inject_latency(150, times=None)  # each run takes a few seconds: they overlap
    children = [_cli(workspace, "run", "--once", env=env) for _ in range(2)]
    results = [(c.wait(timeout=120), *c.communicate()) for c in children]
    assert sorted(code for code, _, _ in results) == [0, 75], results
    [(_, _, refused)] = [(c, o, e) for c, o, e in results if c == 75]
    [line] = refused.splitlines()
    assert line.startswith("syncer: ")
    assert "another syncer run is using this state; nothing done" in line
    sandbox.clear_faults()
    made = issues(sandbox, kind)
    assert len(made) == ITEMS
    assert len({title for title, _ in made}) == ITEMS
    again = _cli(workspace, "run", "--once", env=env)
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0
    assert "unchanged 7" in out


@pytest.mark.parametrize("command", [("run", "--once"), ("sync",)])
def test_a_state_database_lost_mid_run_is_a_partial_failure_not_nothing_done(
    workspace: Path,
    sandbox: Sandbox,
    kind: str,
    request: pytest.FixtureRequest,
    command: tuple[str, ...],
) -> None:
    # A PostgreSQL restart or failover in the middle of a sync: tickets were already created,
    # so "2: usage or configuration error, nothing was done" was untrue and sent the CronJob's
    # operator looking for a configuration problem. The next run finds what was made.
    server: PostgresServer = request.getfixturevalue("postgres_server")
    env = dict(os.environ) | {
        "SYNCER_STATE__URL": server.url,
        "SYNCER_STATE__SHARD": f"lost{os.getpid()}{command[0]}",
        "SYNCER_STATE_PASSWORD": PASSWORD,
    }
    # The seven creates go out in one bulk request; the done item's close after it (a POST,
    # 300 ms) is where the state goes away, while the batch's answers are being recorded: the
    # items made are reported made, and the next run finds them instead of making more.
    sandbox.inject_latency(300, method="POST", times=None)

    def cut_the_connection() -> None:
        deadline = time.monotonic() + 60
        while len(issues(sandbox, kind)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        with psycopg.connect(server.url, password=PASSWORD, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )

    cutter = threading.Thread(target=cut_the_connection)
    cutter.start()
    child = _cli(workspace, *command, env=env)
    out, err = child.communicate(timeout=120)
    cutter.join()
    assert child.returncode == 1, out + err
    if command == ("sync",):  # issue 17, defect 6: it said 2, and showed nothing of what it did
        # Every item got its ticket in the one bulk request, recorded or not: all are said.
        assert "items 7: created 7\n" in out, out + err
    [line] = [x for x in err.splitlines() if x.startswith("syncer: ")]
    assert "cannot write state" in line
    assert "changes made before are found again by the next run" in line
    assert "nothing was done" not in line
    sandbox.clear_faults()
    again = _cli(workspace, "run", "--once", env=env)
    again.communicate(timeout=120)
    assert again.returncode == 0
    made = issues(sandbox, kind)
    assert len(made) == ITEMS
    assert len({title for title, _ in made}) == ITEMS


def test_every_command_takes_the_state_password_from_the_env_file(
    workspace: Path, sandbox: Sandbox, kind: str, request: pytest.FixtureRequest
) -> None:
    # The password lives in --env-file, not in the process environment: validate and run
    # found it, while plan, sync and report fell back to os.environ and exited 2.
    server: PostgresServer = request.getfixturevalue("postgres_server")
    env_file = workspace / "syncer.env"
    env_file.write_text(env_file.read_text() + f"SYNCER_STATE_PASSWORD={PASSWORD}\n")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SYNCER_STATE__URL": server.url,
        "SYNCER_STATE__SHARD": f"envfile{os.getpid()}",
    }
    for command in (["plan"], ["sync"], ["report", "--no-deliver"], ["run", "--once"]):
        child = _cli(workspace, *command, "--env-file", str(env_file), env=env)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, (command, err)
        assert PASSWORD not in out + err


@pytest.mark.parametrize("mount", ["missing", "empty"])
def test_an_unmounted_source_refuses_run_and_report_and_is_not_healthy(
    workspace: Path, sandbox: Sandbox, mount: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_once(workspace) == 0  # tickets exist: a refused cycle must not call them orphans
    config = ["--config", str(workspace / "syncer.toml")]
    assert main(["health", *config]) == 0
    docs = workspace / "postmortems"
    for document in docs.iterdir():
        document.unlink()
    if mount == "missing":
        docs.rmdir()
    capsys.readouterr()
    sandbox.clear_requests()
    assert run_once(workspace) == 2
    assert main(["report", *config, "--no-deliver"]) == 2
    _, err = capsys.readouterr()
    assert err.count("nothing to read: refusing to run on empty sources") == 2
    assert sandbox.requests == []  # refused before any tracker was asked
    assert main(["health", *config]) == 1
    verdict = capsys.readouterr().out
    assert "the last cycle was refused" in verdict
    assert "nothing to read" in verdict


def test_a_run_turned_away_by_the_lock_records_no_heartbeat(
    workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_once(workspace) == 0
    target = state_target(
        load_config(workspace / "syncer.toml", environ={}, require_secrets=False), environ={}
    )
    before = read_heartbeat(target)
    from syncer.shell.state import open_store

    with open_store(target):  # another run holds the state
        assert run_once(workspace) == 75
    assert read_heartbeat(target) == before  # the run that holds it records its own cycle


def test_a_sigterm_while_sync_starts_defers_every_change_and_still_prints_the_summary(
    workspace: Path, sandbox: Sandbox, kind: str
) -> None:
    # Issue 17, defect 8: the signal arrives before syncer has imported its commands.
    code = (
        "import os, signal, sys\n"
        "from syncer import startup\n"
        "startup.install()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "from syncer.cli import main\n"
        f"sys.exit(main(['sync', '--config', {str(workspace / 'syncer.toml')!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 143, done.stdout + done.stderr
    assert "SIGTERM received" in done.stderr
    assert "items 7" in done.stdout  # the summary
    assert issues(sandbox, kind) == []
