"""Requests one change costs: retitle an item, tick it, untick it, per tracker kind.

    python bench/change_requests.py

Runs ``syncer sync`` in process against the sandbox on loopback (Jira Cloud, Jira Server,
GitHub) on one post-mortem of three items, then edits the document three times and prints, for
each edit, the requests the sync after it sent, by method. The carried baseline (issue 8) costs
writes only: no read is added to the listing.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncer.cli import main
from syncer.commands import demo
from syncer.sandbox import Sandbox
from syncer.sandbox.store import jira_account_id

DOC = """\
# Post-Mortem: Incident INC-1

**Date**: 2026-10-02
**Severity**: SEV2

## Action Items
* [ ] Raise the connection pool limit @alice
* [ ] Add an alert on pool saturation @bob
* [ ] Write a runbook for connection exhaustion
"""

EDITS = [
    ("retitle", "Raise the connection pool limit", "Raise the orders-db connection pool limit"),
    ("tick", "[ ] Add an alert", "[x] Add an alert"),
    ("untick", "[x] Add an alert", "[ ] Add an alert"),
]


def measure(kind: str) -> None:
    flavor: Literal["cloud", "server"] = "server" if kind == "jira-server" else "cloud"
    with (
        tempfile.TemporaryDirectory() as folder,
        Sandbox(flavor, jira_projects=("OPS",), github_repos=("acme/platform",)) as sandbox,
    ):
        root = Path(folder)
        (root / "postmortems").mkdir()
        doc = root / "postmortems" / "inc-1.md"
        doc.write_text(DOC)
        accounts = {p: jira_account_id(p) if flavor == "cloud" else p for p in demo.PEOPLE}
        config = demo.sandbox_config(
            sandbox.url,
            flavor=flavor,
            project="OPS",
            repository="acme/platform",
            jira_accounts=accounts,
            jira_email=sandbox.jira_email,
        )
        if kind == "github":
            config = config.replace(
                f'default_tracker = "{demo.JIRA_TRACKER}"',
                f'default_tracker = "{demo.GITHUB_TRACKER}"',
            )
        (root / "syncer.toml").write_text(config)
        env = demo.sandbox_env(
            jira_token=sandbox.jira_token,
            jira_email=sandbox.jira_email,
            github_token=sandbox.github_token,
            flavor=flavor,
        )
        os.environ.update(env)
        argv = ["sync", "--config", str(root / "syncer.toml")]
        main(argv)
        for name, old, new in EDITS:
            doc.write_text(doc.read_text().replace(old, new))
            sandbox.clear_requests()
            main(argv)
            counts = collections.Counter(r.method for r in sandbox.requests)
            shown = "  ".join(f"{m} {counts[m]}" for m in ("GET", "POST", "PUT", "PATCH"))
            print(f"{kind:12} {name:8} {shown}")


if __name__ == "__main__":
    for kind in ("jira-cloud", "jira-server", "github"):
        measure(kind)
