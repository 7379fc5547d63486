"""The transport policy both adapters share, and the request wrapper each adapter builds on it.

One policy, not two:

* reads are retried (``retry_read``) with ``stamina`` on transient failures only (connection
  errors, timeouts, HTTP 429 and 5xx), bounded by attempts and total time; writes never are,
  because a write whose answer was lost may have taken effect (the engine looks the marker up
  instead). Tests switch the pauses off with ``stamina.set_testing``;
* a ``requests`` failure is classified once (``describe_transport_failure``): whether the
  request may have reached the server (``ambiguous``) and whether the tracker is unreachable;
* a server that cannot be reached at all (connection refused, unknown host) is not retried:
  another try in a second finds it just as absent, and the run reports it at once;
* each retry is logged as one line naming the tracker, the host, the attempt and the wait
  (``log_retry``, installed as stamina's retry hook by the CLI);
* secrets never reach a message (``scrub``).

``Requests`` is the wrapper: an adapter gives it its client library's exception type, a function
reading the HTTP answer out of that exception (``Answer``), and a function classifying it into a
``TrackerError``. Every request of the adapter then goes through ``read`` or ``write``, so an
error is classified in exactly one place per adapter, and which failures are worth retrying is
decided here, once, for both.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import requests
import stamina
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from syncer.errors import TicketGoneError, TrackerError, TrackerUnavailableError
from syncer.logs import redact

log = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E", bound=Exception)

READ_ATTEMPTS = 4
"""A read is tried at most this often (the first try included)."""

READ_TOTAL_SECONDS = 90.0
"""...and retried for at most this long, waits included."""

SILENCE_BUDGET = 2
"""Requests a tracker may leave unanswered (each for ``timeout_seconds``) in one run before the
rest of its requests fail without being sent: a tracker that accepts connections but never
answers costs about twice its timeout per run, not four tries of every read."""

MAX_RETRY_AFTER_SECONDS = 30.0
"""A 429 asking for a longer pause is not waited out: the run reports it instead."""

Backoff = bool | float | dt.timedelta

Hints = Mapping[str, str | None]
"""What a write sent that an error message may name (the assignee, the priority)."""


def retry_read(call: Callable[[], T], *, transient: Callable[[Exception], Backoff]) -> T:
    """``call()``, retried while ``transient`` says the failure is worth another try.

    ``transient`` returns ``False`` (give up), ``True`` (back off exponentially) or a number of
    seconds to wait (a server's ``Retry-After``). ``stamina.set_testing`` switches pauses off.
    """
    caller = stamina.RetryingCaller(
        attempts=READ_ATTEMPTS, timeout=READ_TOTAL_SECONDS, wait_initial=0.5, wait_max=10.0
    )
    return caller(transient, call)


def transport_is_transient(exc: Exception) -> bool:
    """Whether a ``requests`` failure of a read is worth retrying.

    Not when the connection was refused or the host name is unknown: that is a wrong URL or a
    server that is down, and retrying only makes the run slower to say so.
    """
    if isinstance(exc, requests.ConnectionError) and _refused_or_unknown(exc):
        return False
    return isinstance(
        exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError
    )


_requesting: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "syncer_requesting", default=None
)
"""(tracker, host) of the read being retried, for ``log_retry``."""


def log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """stamina's retry hook: one line saying which tracker and host, which attempt, how long."""
    tracker, host = _requesting.get() or ("(unknown tracker)", "(unknown host)")
    cause = details.caused_by
    why = type(cause).__name__
    status = getattr(getattr(cause, "response", None), "status_code", None)
    status = status if status is not None else getattr(cause, "status_code", None)
    if isinstance(status, int):
        why = f"HTTP {status}"
    log.warning(
        "%s: %s failed (%s); retry %d of %d in %.1f s",
        tracker,
        host,
        why,
        details.retry_num,
        READ_ATTEMPTS - 1,
        details.wait_for,
        extra={
            "tracker": tracker,
            "host": host,
            "attempt": details.retry_num + 1,
            "wait": round(details.wait_for, 3),
        },
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


def _reason(exc: requests.ConnectionError) -> object:
    reason: object = exc.args[0] if exc.args else None
    return reason.reason if isinstance(reason, MaxRetryError) else reason


def _never_sent(exc: requests.ConnectionError) -> bool:
    return isinstance(_reason(exc), NewConnectionError | ConnectTimeoutError)


def _refused_or_unknown(exc: requests.ConnectionError) -> bool:
    # urllib3's NameResolutionError (an unknown host) is a NewConnectionError too; a connect
    # timeout is a plain ConnectTimeoutError (a busy network may answer the next try).
    return isinstance(_reason(exc), NewConnectionError)


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
    """``text`` as one line of at most ``limit`` characters, secret values replaced by ``***``."""
    text = redact(text, secrets)
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Answer:
    """What a client library's exception says about the HTTP answer behind it."""

    status: int | None
    retry_after: str | None = None
    """The ``Retry-After`` header, if the server sent one."""
    rate_limited: bool = False
    """The server refused because of a rate limit (HTTP 429, or GitHub's 403 with a reset)."""


class Requests(Generic[E]):
    """One adapter's requests: retried reads, single writes, errors classified once.

    ``answer(exc)`` reads the status (and rate-limit headers) out of the library's exception
    ``E``; ``classify(exc, doing, hints)`` turns it into a ``TrackerError`` (it may use
    ``error``/``unavailable`` below).
    """

    def __init__(
        self,
        tracker: str,
        *,
        url: str,
        timeout: float,
        secrets: Iterable[str],
        library_error: type[E],
        answer: Callable[[E], Answer],
        classify: Callable[[E, str, Hints], TrackerError],
    ) -> None:
        self.tracker = tracker
        self.url = url
        self.timeout = timeout
        self.secrets = tuple(secrets)
        self._library_error = library_error
        self._answer = answer
        self._classify = classify
        self._unanswered = 0
        """Requests of this run that got no answer within ``timeout``."""

    @property
    def silent(self) -> bool:
        """Whether the tracker has used up this run's patience: ``SILENCE_BUDGET`` requests
        went unanswered (it accepts connections, then says nothing). Its further requests fail
        at once: one deadline per tracker per run, not ``timeout`` times every try of every
        read."""
        return self._unanswered >= SILENCE_BUDGET

    def _transient(self, exc: Exception) -> Backoff:
        if isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout):
            self._unanswered += 1
            if self.silent:
                return False
        if not isinstance(exc, self._library_error):
            return transport_is_transient(exc)
        answer = self._answer(exc)
        if answer.status == 429 or answer.rate_limited:
            if answer.retry_after is not None:
                return retry_after_backoff(answer.retry_after)
            # A primary limit (no Retry-After) resets within the hour: not worth waiting for.
            return answer.status == 429
        return answer.status is not None and answer.status >= 500

    def status(self, exc: TrackerError) -> int | None:
        """The HTTP status behind a classified error, when the tracker answered one."""
        cause = exc.__cause__
        return self._answer(cause).status if isinstance(cause, self._library_error) else None

    def read(self, call: Callable[[], T], doing: str) -> T:
        """``call()``, retried on transient failures; any failure as a ``TrackerError``."""
        token = _requesting.set((self.tracker, urlsplit(self.url).hostname or self.url))
        try:
            return self._classified(lambda: retry_read(call, transient=self._transient), doing, {})
        finally:
            _requesting.reset(token)

    def write(self, call: Callable[[], T], doing: str, *, hints: Hints | None = None) -> T:
        """``call()`` once, never retried; any failure as a ``TrackerError``."""
        try:
            return self._classified(call, doing, hints or {})
        except TrackerError as exc:
            cause = exc.__cause__
            if isinstance(cause, requests.Timeout) and not isinstance(
                cause, requests.ConnectTimeout
            ):
                self._unanswered += 1
            raise

    def _classified(self, call: Callable[[], T], doing: str, hints: Hints) -> T:
        if self.silent:
            raise self.unavailable(
                f"{doing}: not tried: {urlsplit(self.url).hostname or self.url} left "
                f"{self._unanswered} requests of this run unanswered for {self.timeout:g}s each"
            )
        try:
            return call()
        except TrackerError:
            raise
        except self._library_error as exc:
            raise self._classify(exc, doing, hints) from exc
        except requests.RequestException as exc:
            raise self.transport_failure(exc, doing) from exc

    def error(self, message: str, *, ambiguous: bool = False) -> TrackerError:
        return TrackerError(self.tracker, scrub(message, self.secrets), ambiguous=ambiguous)

    def gone(self, message: str) -> TicketGoneError:
        return TicketGoneError(self.tracker, scrub(message, self.secrets))

    def unavailable(self, message: str) -> TrackerUnavailableError:
        message = message.removeprefix(f"{self.tracker}: ")
        return TrackerUnavailableError(self.tracker, scrub(message, self.secrets))

    def transport_failure(self, exc: requests.RequestException, doing: str) -> TrackerError:
        failure = describe_transport_failure(exc, url=self.url, timeout=self.timeout)
        if failure.unreachable:
            return self.unavailable(f"{doing}: {failure.message}")
        return self.error(f"{doing}: {failure.message}", ambiguous=failure.ambiguous)
