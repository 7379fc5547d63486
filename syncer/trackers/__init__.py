"""Tracker adapters: opening them from configuration, and the transport policy they share.

This package owns every conversation with Jira and GitHub. ``base`` holds the ``Tracker``
Protocol the core programs against; ``jira`` and ``github`` fill it on the ``jira`` and
``PyGithub`` client libraries; ``markup`` turns Markdown bodies into Jira wiki markup.

What both adapters share lives here, because it is one policy, not two:

* reads are retried (``retry_read``) with ``stamina`` on transient failures only (connection
  errors, timeouts, HTTP 429 and 5xx), bounded by attempts and total time; writes never are,
  because a write whose answer was lost may have taken effect (the engine looks the marker up
  instead);
* a ``requests`` failure is classified once (``describe_transport_failure``): whether the
  request may have reached the server (``ambiguous``) and whether the tracker is unreachable;
* secrets never reach a message (``scrub``).

The adapters are imported when a tracker is opened, so ``import syncer.trackers`` stays cheap
and the adapters can import the shared policy from here without a cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import requests
import stamina
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from syncer.config import GitHubConfig, JiraConfig, Secrets
from syncer.errors import ConfigError
from syncer.trackers.base import Tracker

if TYPE_CHECKING:
    from syncer.config import Config

__all__ = [
    "READ_ATTEMPTS",
    "READ_TOTAL_SECONDS",
    "Backoff",
    "TransportFailure",
    "describe_transport_failure",
    "open_tracker",
    "open_trackers",
    "retry_after_backoff",
    "retry_read",
    "scrub",
    "transport_is_transient",
]

T = TypeVar("T")

READ_ATTEMPTS = 4
"""A read is tried at most this often (the first try included)."""

READ_TOTAL_SECONDS = 90.0
"""...and retried for at most this long, waits included."""

MAX_RETRY_AFTER_SECONDS = 30.0
"""A 429 asking for a longer pause is not waited out: the run reports it instead."""

Backoff = bool | float | dt.timedelta


def retry_read(
    call: Callable[[], T], *, transient: Callable[[Exception], Backoff], no_wait: bool = False
) -> T:
    """``call()``, retried while ``transient`` says the failure is worth another try.

    ``transient`` returns ``False`` (give up), ``True`` (back off exponentially) or a number of
    seconds to wait (a server's ``Retry-After``). ``no_wait`` (adapters opened ``for_tests``)
    keeps the attempts but drops every pause; ``stamina.set_testing`` also switches pauses off.
    """
    if no_wait:
        caller = stamina.RetryingCaller(
            attempts=READ_ATTEMPTS, timeout=None, wait_initial=0, wait_max=0, wait_jitter=0
        )

        def immediately(exc: Exception) -> Backoff:
            return bool(transient(exc) is not False)

        return caller(immediately, call)
    caller = stamina.RetryingCaller(
        attempts=READ_ATTEMPTS, timeout=READ_TOTAL_SECONDS, wait_initial=0.5, wait_max=10.0
    )
    return caller(transient, call)


def transport_is_transient(exc: Exception) -> bool:
    """Whether a ``requests`` failure of a read is worth retrying."""
    return isinstance(
        exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError
    )


def retry_after_backoff(header: str | None) -> Backoff:
    """The backoff a 429's ``Retry-After`` asks for: seconds, or ``False`` when too long."""
    if header is None:
        return True
    try:
        seconds = float(header)
    except ValueError:
        return True
    return max(seconds, 0.0) if seconds <= MAX_RETRY_AFTER_SECONDS else False


@dataclass(frozen=True)
class TransportFailure:
    """What a ``requests`` exception means for syncer."""

    message: str
    ambiguous: bool
    """The request may have reached the server and taken effect."""
    unreachable: bool
    """The server could not be reached at all; nothing was sent."""


def _never_sent(exc: requests.ConnectionError) -> bool:
    reason: object = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def describe_transport_failure(
    exc: requests.RequestException, *, url: str, timeout: float
) -> TransportFailure:
    """Classify a failure below HTTP: never sent (unreachable) or possibly applied (ambiguous)."""
    if isinstance(exc, requests.ConnectTimeout):
        return TransportFailure(f"cannot reach {url} (connect timeout)", False, True)
    if isinstance(exc, requests.Timeout):
        return TransportFailure(f"no answer from {url} within {timeout:g}s", True, False)
    if isinstance(exc, requests.ConnectionError):
        if _never_sent(exc):
            return TransportFailure(f"cannot reach {url} (connection refused or unknown host)",
                                    False, True)  # fmt: skip
        return TransportFailure(f"the connection to {url} dropped before an answer", True, False)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TransportFailure(f"the answer from {url} was cut off", True, False)
    return TransportFailure(f"request to {url} failed ({type(exc).__name__})", False, False)


def scrub(text: str, secrets: Iterable[str], *, limit: int = 300) -> str:
    """``text`` as one line of at most ``limit`` characters, every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def open_tracker(
    name: str, config: JiraConfig | GitHubConfig, secrets: Secrets, *, for_tests: bool = False
) -> Tracker:
    """The adapter for one configured tracker; sends no request."""
    # Imported here: the adapters import the shared policy above from this package.
    if isinstance(config, JiraConfig):
        from syncer.trackers.jira import JiraTracker  # noqa: PLC0415  # see comment above

        return JiraTracker(name, config, secrets, for_tests=for_tests)
    from syncer.trackers.github import GitHubTracker  # noqa: PLC0415  # see comment above

    return GitHubTracker(name, config, secrets, for_tests=for_tests)


def open_trackers(config: Config, *, for_tests: bool = False) -> dict[str, Tracker]:
    """Every configured tracker by name; ``ConfigError`` if one lacks its secrets."""
    trackers: dict[str, Tracker] = {}
    secrets: Mapping[str, Secrets] = config.secrets
    for name, tracker_config in config.settings.trackers.items():
        if name not in secrets:
            raise ConfigError(f"trackers.{name}: no credentials in the environment")
        trackers[name] = open_tracker(name, tracker_config, secrets[name], for_tests=for_tests)
    return trackers
