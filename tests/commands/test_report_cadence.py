"""``syncer run --once`` as cron runs it, against the sandbox: however many cycles, the digest
and the published issue are delivered once per period; ``--no-deliver`` delivers nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.config import load_config
from syncer.core.report.cadence import cadence_from_config, next_slot
from syncer.sandbox import Sandbox
from tests.support.receiver import Receiver


@pytest.fixture
def kind() -> str:
    return "jira-cloud"


@pytest.fixture
def memory() -> str:
    return "state-kept"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def configure(workspace: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = workspace / "syncer.toml"
    config.write_text(
        config.read_text()
        + '\n[report]\ndeliver = "weekly"\n\n[report.teams."*"]\npublish_to = "ops-jira"\n'
        "webhook = true\n"
    )
    monkeypatch.setenv("SYNCER___WEBHOOK", receiver.url)
    return config


def report_issues(sandbox: Sandbox) -> list[str]:
    return [i.key for i in sandbox.jira_issues("OPS") if "syncer-report" in i.labels]


def test_cron_every_fifteen_minutes_delivers_once_per_week(
    workspace: Path,
    sandbox: Sandbox,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = configure(workspace, receiver, monkeypatch)
    # Seen before: every cycle posted the digest and edited the issue again (96 a day).
    for _ in range(4):
        assert main(["run", "--once", "--config", str(config)]) == 0
    assert len(receiver.bodies) == 1
    issues = report_issues(sandbox)
    assert len(issues) == 1
    out = capsys.readouterr().out
    assert "delivered 2 of 2" in out  # the first cycle: the issue and the digest
    # The next delivery is the next Monday at 09:00 in the report's time zone.
    loaded = load_config(config, environ={}, require_secrets=False)
    upcoming = next_slot(cadence_from_config(loaded.settings.report), dt.datetime.now(dt.UTC))
    assert upcoming is not None
    assert (upcoming.weekday(), upcoming.hour, upcoming.minute) == (0, 9, 0)


def test_no_deliver_builds_and_records_the_report_but_delivers_nothing(
    workspace: Path, sandbox: Sandbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = configure(workspace, receiver, monkeypatch)
    output = workspace / "report.md"
    code = main(
        ["run", "--once", "--no-deliver", "--report-output", str(output), "--config", str(config)]
    )
    assert code == 0
    assert output.read_text().startswith("# Follow-up report")
    assert receiver.bodies == []
    assert report_issues(sandbox) == []
    # Nothing was delivered, so the next cycle still delivers.
    assert main(["run", "--once", "--config", str(config)]) == 0
    assert len(receiver.bodies) == 1
