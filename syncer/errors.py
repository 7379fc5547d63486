"""The one error tree syncer raises on purpose, and the exit codes the CLI maps it to.

Anything that is not a ``SyncerError`` is a bug and is allowed to be loud.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of the ``syncer`` command, documented in the README."""

    OK = 0
    PARTIAL = 1
    """Some documents failed to parse or some changes failed; the rest went through."""
    USAGE = 2
    """Bad command line or configuration: nothing was done."""
    TRACKER = 3
    """A tracker was unreachable or refused the credentials."""
    GATE = 4
    """``syncer report --fail-on``: the report holds items of a kind the caller gates on."""
    CHANGES = 5
    """``syncer plan --detailed-exitcode``: the plan holds changes (a CI gate; as Terraform's
    ``plan -detailed-exitcode``, whose 2 is our usage error)."""
    LOCKED = 75
    """Another syncer run holds the state: nothing was done; try again later (EX_TEMPFAIL)."""
    INTERRUPTED = 130
    """Stopped by SIGINT (Ctrl-C): the write in flight finished, state recorded."""
    TERMINATED = 143
    """Stopped by SIGTERM (a container stop): the write in flight finished, state recorded."""

    @property
    def completes_cycle(self) -> bool:
        """Whether a worker's cycle that ends with this code ran to its end: it did its work, or
        as much as a tracker that is down allowed (the worker is alive; the tracker is not).
        Anything else (a configuration the worker cannot run with, a stop, a crash) did not."""
        return self in (ExitCode.OK, ExitCode.PARTIAL, ExitCode.TRACKER, ExitCode.GATE)


class SyncerError(Exception):
    """Base of every expected failure; ``str()`` is the one line a user sees."""

    exit_code: ExitCode = ExitCode.PARTIAL


class ConfigError(SyncerError):
    """The configuration is invalid; ``problems`` lists each bad field path."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class StateError(SyncerError):
    """The state store is unreadable or from a newer syncer."""

    exit_code = ExitCode.USAGE


class StateLockedError(StateError):
    """Another run is using the state; this one did nothing."""

    exit_code = ExitCode.LOCKED


class StateLostError(StateError):
    """The state failed in the middle of a run (a database restart, a full disk): changes were
    made, so this is a partial failure, not a configuration error. The next run finds the
    tickets already made by their markers, so nothing is created twice."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, message: str, *, done: object = None) -> None:
        super().__init__(message)
        self.done = done
        """What the run did before the state failed (a ``SyncOutcome``), for its summary."""


class TrackerError(SyncerError):
    """A tracker refused or failed one request.

    ``ambiguous`` is true when the request may have taken effect on the server even though no
    answer arrived (timeout, dropped connection, 5xx): a create must then be looked up before it
    is tried again.
    """

    def __init__(self, tracker: str, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(f"{tracker}: {message}")
        self.tracker = tracker
        self.ambiguous = ambiguous


class TrackerUnavailableError(TrackerError):
    """The tracker cannot be used at all this run: unreachable, bad credentials, no project."""

    exit_code = ExitCode.TRACKER


class TicketGoneError(TrackerError):
    """The ticket a request was about is not there (HTTP 404 or 410): deleted, moved, or no
    longer visible to syncer's credentials. Nothing was written."""


class TrackerAssigneeError(TrackerError):
    """The tracker refused a write because it will not accept the assignee; nothing was written.

    ``account`` is the account the owner map gave.
    """

    def __init__(self, tracker: str, message: str, *, account: str | None) -> None:
        super().__init__(tracker, message)
        self.account = account


class TrackerRateLimitedError(TrackerError):
    """The tracker asked syncer to slow down; the request was not carried out."""
