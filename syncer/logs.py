"""How syncer's log lines look and what they must never show: formats, run ids, redaction.

The CLI configures logging once per invocation (``configure_logging``); nothing else does.

* ``text`` (the default): ``2026-11-27 08:15:00 INFO syncer.shell.apply: ops.db-1: created OPS-12``;
* ``json``: one object a line for log shippers, with ``time``, ``level``, ``logger``, ``event``
  (the message), and when known ``run_id``, ``item_key``, ``ticket``, ``tracker`` and
  ``duration`` (seconds); a line logged with ``extra={"fields": {...}}`` (the cycle's summary:
  its counts, exit code, unavailable trackers) carries those as fields of its own. Errors the
  CLI reports are log lines too in this format (``syncer.cli``), so every line is JSON.

A line names its item key and ticket in the message already (``"%s: created %s"``); the JSON
formatter lifts them out of the record's arguments, so the modules that log need no change.

Redaction (``redact``) works on values, not on blind substrings: configured secrets of at least
``MIN_SECRET_LENGTH`` characters are replaced wherever they occur; whatever stands where a secret
stands (an ``Authorization`` header, a URL's password, a ``token=`` parameter) is replaced
whatever its length. A shorter secret is therefore never hunted through ordinary words
(a token ``s`` must not turn "syncer" into "***yncer"); ``validate`` refuses such secrets anyway.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["text", "json"]

MIN_SECRET_LENGTH = 8
"""Shorter secrets are refused by ``validate`` and only redacted where they stand as values."""

MASK = "***"

_VALUE_PATTERNS = (
    # Authorization: Bearer xyz / Basic xyz / token xyz (headers as printed by a debug log)
    re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic|token)?\s*)[^\s'\",}]+"),
    # a bare credential after the scheme's name, as a header prints it; one with a digit or a
    # symbol in it, so that prose ("Basic configuration") is left alone
    re.compile(r"(\b(?:Bearer|Basic)\s+)(?=[A-Za-z._~-]*[0-9+/=_-])[A-Za-z0-9._~+/=-]{8,}"),
    # scheme://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(?=@)"),
    # ?token=... &access_token=... password=... api_key=...
    re.compile(
        r"(?i)(\b(?:access_token|token|password|passwd|api_key|apikey|secret|private_token)"
        r"=)[^&\s'\"]+"
    ),
)

_run_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("syncer_run_id", default=None)

_fields: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "syncer_log_fields", default=None
)

_ITEM_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*\.[a-z0-9][a-z0-9_-]*$")


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with secret values replaced by ``***`` (see the module docstring)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def short_secret(value: str) -> bool:
    """Whether a secret is too short to be told apart from ordinary text."""
    return len(value) < MIN_SECRET_LENGTH


@contextmanager
def run_id(value: str | None = None) -> Iterator[str]:
    """Tag every log line inside the block with one run id (a new one unless given)."""
    current = value or uuid.uuid4().hex[:12]
    token = _run_id.set(current)
    try:
        yield current
    finally:
        _run_id.reset(token)


def current_run_id() -> str | None:
    return _run_id.get()


@contextmanager
def log_fields() -> Iterator[None]:
    """A block inside which ``bind`` attaches fields (tracker, item key) to every log line."""
    token = _fields.set({})
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**fields: object) -> None:
    """Attach ``fields`` to the log lines that follow, inside the enclosing ``log_fields``."""
    current = _fields.get()
    if current is not None:
        current.clear()
        current.update(fields)


def _context(record: logging.LogRecord) -> dict[str, object]:
    """The structured fields of a record: given as ``extra`` or lifted from its arguments."""
    fields: dict[str, object] = dict(_fields.get() or {})
    args = record.args if isinstance(record.args, tuple) else ()
    message = record.msg if isinstance(record.msg, str) else ""
    first = args[0] if args else None
    if message.startswith("%s: ") and isinstance(first, str) and _ITEM_KEY.match(first):
        fields["item_key"] = first
    for arg in args:
        key, system = getattr(arg, "key", None), getattr(arg, "system", None)
        if isinstance(key, str) and isinstance(system, str):  # a TicketRef
            fields["ticket"] = key
            break
    for name in ("item_key", "ticket", "tracker", "duration", "host", "attempt", "wait"):
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = value
    extra = getattr(record, "fields", None)
    if isinstance(extra, dict):  # a summary's counts, as fields a log shipper can query
        fields.update(extra)
    return fields


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, local to the reader of a terminal or a journal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")


class JsonFormatter(logging.Formatter):
    """One JSON object a line; keys absent when unknown."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        if (run := getattr(record, "run_id", None) or current_run_id()) is not None:
            data["run_id"] = run
        data.update(_context(record))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]  # TextIO stream
    """A stream handler whose every formatted line (tracebacks included) is redacted."""

    def __init__(self, stream: TextIO, *, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__(stream)
        self._secrets = secrets
        self.through: Callable[[str], None] | None = None
        """Where lines go instead of the stream while a progress bar is drawn on it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets())

    def emit(self, record: logging.LogRecord) -> None:
        if self.through is None:
            super().emit(record)
            return
        try:
            self.through(self.format(record))
        except Exception:  # logging's own contract: a failing handler reports, never raises
            self.handleError(record)


def configure_logging(
    verbosity: int,
    *,
    stream: TextIO,
    secrets: Callable[[], Iterable[str]],
    log_format: LogFormat = "text",
    least: int = logging.WARNING,
) -> RedactingHandler:
    """Send every log line to ``stream`` in ``log_format``, redacted; returns the handler.

    ``least`` is the level shown without ``-v`` (the worker shows INFO: its lines are its
    account of what it did).
    """
    handler = RedactingHandler(stream, secrets=secrets)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    levels = [least, min(least, logging.INFO), logging.DEBUG]
    root.setLevel(levels[min(verbosity, 2)])
    # Client libraries log request details at DEBUG; keep them quiet unless asked for twice.
    for noisy in ("urllib3", "github", "jira"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 2 else logging.WARNING)
    return handler


def set_level(least: int) -> None:
    """Lower the root level to ``least`` if it is higher (a command that always logs INFO)."""
    root = logging.getLogger()
    if root.level > least:
        root.setLevel(least)
