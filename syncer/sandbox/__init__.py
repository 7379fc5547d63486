"""Jira and GitHub REST stand-ins on loopback, for trying, demonstrating and testing a sync.

``Sandbox`` is the entry point; see ``syncer.sandbox.sandbox``. Typical use::

    with Sandbox("cloud") as box:  # or "server"; serves on 127.0.0.1, a free port
        jira = JIRA(server=box.url, basic_auth=(box.jira_email, box.jira_token))
        # Server/DC: JIRA(server=box.url, token_auth=box.jira_token)
        github = Github(auth=Auth.Token(box.github_token), base_url=box.url)
        ...
        box.jira_issues("OPS"), box.github_issues("acme/platform"), box.requests
"""

from syncer.sandbox.context import Credentials
from syncer.sandbox.faults import Fault, FaultKind
from syncer.sandbox.sandbox import Sandbox, SandboxError
from syncer.sandbox.server import RequestRecord
from syncer.sandbox.store import GithubIssue, JiraIssue

__all__ = [
    "Credentials",
    "Fault",
    "FaultKind",
    "GithubIssue",
    "JiraIssue",
    "RequestRecord",
    "Sandbox",
    "SandboxError",
]
