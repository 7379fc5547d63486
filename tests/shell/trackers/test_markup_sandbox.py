"""Hostile text through the real Jira adapter and the sandbox: what ``render`` writes reads back.

The planner compares a rendered body with the body read back from the tracker; if the two ever
differed, every run would rewrite the ticket. The sandbox stores a v2 description as sent, as
Jira does, so the escaped wiki markup must come back byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from pydantic import SecretStr

from syncer.config import JiraConfig, PacingConfig, Secrets
from syncer.model import TicketFields
from syncer.sandbox import Sandbox
from syncer.shell.trackers.jira import JiraTracker

HOSTILE = "\n".join(
    [
        "{jira:OPS-1} !http://evil.example/x.png! h1. not a heading",
        "",
        "h1. a line start, bq. too, [~alice] and [x](javascript:alert(1))",
        "-strike- +u+ ^sup^ ~sub~ ??cite?? {{mono}} {color:red}x{color} C:\\temp\\\\x &amp;",
        "",
        "- **kept** _emphasis_ and [a link](https://wiki.test/rb?a=1|b) and `{code}`",
        "",
        "```",
        "{code}",
        "```",
        "| a | b |",
        "|---|---|",
        "| || | ![i](https://e.test/i.png) |",
    ]
)


@pytest.fixture(params=["cloud", "server"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    flavor: Literal["cloud", "server"] = request.param
    with Sandbox(flavor, jira_projects=("OPS",)) as running:
        yield running


def test_a_hostile_body_reads_back_as_rendered(sandbox: Sandbox) -> None:
    cloud = sandbox.flavor == "cloud"
    config = JiraConfig.model_validate(
        {
            "type": "jira",
            "url": sandbox.url,
            "flavor": sandbox.flavor,
            "project": "OPS",
            "search_lag_seconds": 0,
            "pacing": PacingConfig(seconds_between_writes=0),
            **({"email": sandbox.jira_email} if cloud else {}),
        }
    )
    secrets = Secrets(
        token=SecretStr(sandbox.jira_token), email=sandbox.jira_email if cloud else None
    )
    jira = JiraTracker("ops-jira", config, secrets)
    rendered = jira.render(TicketFields(title="{jira:OPS-1} title", body=HOSTILE))

    created = jira.create("inc-1.ai-1", rendered)
    [read_back] = jira.list_managed()

    assert created.body == rendered.body
    assert read_back.body == rendered.body
    assert read_back.title == rendered.title
    # And what was stored is escaped, not active markup.
    assert "\\!http://evil.example/x.png!" in read_back.body
    assert "\\{jira:OPS-1}" in read_back.body
    assert "[a link|https://wiki.test/rb?a=1%7Cb]" in read_back.body
