"""A tracker that accepts connections and never answers costs one deadline per run (issue 17,
defect 8): about ``SILENCE_BUDGET`` requests of ``timeout_seconds`` each, then every further
request of the run fails at once, unsent. Counted in connections, never timed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import stamina

from syncer.errors import TrackerError, TrackerUnavailableError
from syncer.shell.trackers.github import GitHubTracker
from syncer.shell.trackers.jira import JiraTracker
from syncer.shell.trackers.transport import SILENCE_BUDGET
from tests.support.tracker_payloads import SECRETS, github_config, jira_config


class Silent:
    """A loopback listener that accepts every connection, reads, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    stamina.set_testing(True, attempts=4)  # as in production: four tries per read, no pauses
    try:
        yield server
    finally:
        server.close()


def trackers(url: str) -> list[Any]:
    return [
        JiraTracker("ops-jira", jira_config(url=url, timeout_seconds=0.2), SECRETS),
        GitHubTracker("web-github", github_config(url=url, timeout_seconds=0.2), SECRETS),
    ]


@pytest.mark.parametrize("which", [0, 1])
def test_a_tracker_that_never_answers_is_given_up_on_after_its_budget(
    silent: Silent, which: int
) -> None:
    tracker = trackers(silent.url)[which]
    with pytest.raises(TrackerError):
        tracker.list_managed()
    with pytest.raises(TrackerUnavailableError, match=r"not tried: 127\.0\.0\.1 left 2 requests"):
        tracker.check()  # the credential check sends nothing more
    with pytest.raises(TrackerUnavailableError):
        tracker.find("inc-7.abc")
    assert len(silent.accepted) == SILENCE_BUDGET
