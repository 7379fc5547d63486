"""Log formats and redaction (``syncer.logs``), and ``validate``'s refusal of short secrets."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from syncer.cli import main
from syncer.logs import JsonFormatter, bind, configure_logging, log_fields, redact, run_id
from syncer.model import TicketRef

TOKEN = "ghp_0123456789abcdefghij"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /issues?access_token={TOKEN}&page=2", "GET /issues?access_token=***&page=2"),
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer ***"),
        ("{'Authorization': 'Basic ZGFuYTpzM2NyZXQ='}", "{'Authorization': 'Basic ***'}"),
        ("postgresql://syncer:hunter2@db:5432/syncer", "postgresql://syncer:***@db:5432/syncer"),
        (f"token {TOKEN} refused", "token *** refused"),
        # a short secret is left alone in words, masked where it stands as a value
        ("syncer tried s again", "syncer tried s again"),
        ("token=s", "token=***"),
        ("Basic configuration, bearer of news", "Basic configuration, bearer of news"),
        ("sent Bearer eyJhbGciOiJIUzI1NiJ9.e30", "sent Bearer ***"),
    ],
)
def test_redact_masks_values_not_substrings(text: str, expected: str) -> None:
    assert redact(text, [TOKEN, "s", "hunter2"]) == expected


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("syncer.shell.apply", logging.INFO, __file__, 1, msg, args, None)


def test_json_lines_lift_item_key_ticket_tracker_and_run_id() -> None:
    ref = TicketRef(system="jira", key="OPS-12", url=None)
    with run_id("abc123"), log_fields():
        bind(tracker="ops-jira", item_key="inc-7.ai-3")
        line = json.loads(JsonFormatter().format(_record("%s: created %s", "inc-7.ai-3", ref)))
    assert line["event"] == "inc-7.ai-3: created OPS-12"
    assert line["level"] == "info"
    assert line["run_id"] == "abc123"
    assert line["item_key"] == "inc-7.ai-3"
    assert line["ticket"] == "OPS-12"
    assert line["tracker"] == "ops-jira"
    outside = json.loads(JsonFormatter().format(_record("%s: created %s", "inc-7.ai-4", ref)))
    assert "run_id" not in outside
    assert "tracker" not in outside
    assert outside["item_key"] == "inc-7.ai-4"


def test_every_line_is_redacted_tracebacks_included() -> None:
    stream = io.StringIO()
    configure_logging(0, stream=stream, secrets=lambda: [TOKEN], log_format="json")
    try:
        raise RuntimeError(f"refused {TOKEN}")
    except RuntimeError:
        logging.getLogger("syncer.test").exception("failed with %s", TOKEN)
    text = stream.getvalue()
    assert TOKEN not in text
    assert json.loads(text)["event"] == "failed with ***"
    assert "RuntimeError: refused ***" in json.loads(text)["exception"]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "syncer.toml"
    config.write_text('[trackers.ops]\ntype = "github"\nrepository = "acme/web"\n')
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "a.md").write_text("# A\n\n## Action Items\n- [ ] Fix it\n")
    return config


def test_validate_refuses_a_short_secret_naming_the_variable(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["validate", "--config", str(_config(tmp_path))],
        env={"SYNCER_OPS_TOKEN": "s"},
        stdout=out,
        stderr=err,
    )
    assert code == 2
    assert err.getvalue().splitlines() == [
        "syncer: SYNCER_OPS_TOKEN is shorter than 8 characters: not a real token (a "
        "placeholder?), and too short to keep out of logs"
    ]
    assert out.getvalue() == ""


def test_validate_prints_where_state_lives(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {
        "SYNCER_OPS_TOKEN": TOKEN,
        "SYNCER_STATE__URL": "postgresql://syncer@db.internal:5432/syncer",
        "SYNCER_STATE__SHARD": "web",
    }
    assert main(["validate", "--config", str(_config(tmp_path))], env=env, stdout=out) == 0
    assert (
        out.getvalue()
        .strip()
        .endswith("state: postgresql://syncer@db.internal:5432/syncer (schema syncer_web))")
    )
