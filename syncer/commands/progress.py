"""Progress bars on an interactive terminal: documents parsed, tickets read, changes applied.

The core only calls ``progress(stage, count, total)`` (``syncer.shell.sync.Progress``);
this draws it with tqdm on stderr, one bar per stage, with counts and rate. ``progress_for``
gives a bar only when stderr is a terminal and nothing machine-read shares it (``--format json``,
``--log-format json``): under cron, in a container log or a pipe there is nothing to see. While
a bar is shown, log lines are written above it (through ``tqdm.write``), never through it.
"""

from __future__ import annotations

import os
from typing import Never, TextIO

from tqdm import tqdm

from syncer.logs import RedactingHandler
from syncer.shell.world import Progress

_UNITS = {"documents parsed": "doc", "tickets read": "ticket", "changes applied": "change"}


class TerminalProgress:
    """One tqdm bar per stage; a new stage closes the previous bar."""

    def __init__(self, stream: TextIO, *, handler: RedactingHandler | None) -> None:
        self._stream = stream
        self._handler = handler
        self._stage: str | None = None
        self._bar: tqdm[Never] | None = None

    def __call__(self, stage: str, count: int, total: int | None) -> None:
        if stage != self._stage:
            self.close()
            self._stage = stage
            sized = self._sized()
            self._bar = tqdm(
                total=total,
                desc=stage,
                unit=_UNITS.get(stage, "it"),
                file=self._stream,
                leave=False,
                # A terminal that reports no size (a bare pseudo-terminal) gets 80x24: tqdm
                # would otherwise draw nothing at all.
                dynamic_ncols=sized,
                ncols=None if sized else 80,
                nrows=None if sized else 24,
            )
            if self._handler is not None:
                self._handler.through = lambda line: tqdm.write(line, file=self._stream)
        bar = self._bar
        assert bar is not None
        if total is not None and bar.total != total:
            bar.total = total
        if count > bar.n:
            bar.update(count - bar.n)

    def _sized(self) -> bool:
        try:
            size = os.get_terminal_size(self._stream.fileno())
        except (OSError, ValueError, AttributeError):
            return False
        return size.columns > 0 and size.lines > 0

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = None
        if self._handler is not None:
            self._handler.through = None


def shows_progress(stream: TextIO, *, machine_output: bool) -> bool:
    """Whether a bar belongs on ``stream``: a terminal, not dumb, nothing machine-read there."""
    if machine_output or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress_for(
    stream: TextIO, *, machine_output: bool, handler: RedactingHandler | None
) -> TerminalProgress | None:
    """A progress drawer for ``stream``, or None when no bar should be drawn."""
    if not shows_progress(stream, machine_output=machine_output):
        return None
    return TerminalProgress(stream, handler=handler)


def no_progress(stage: str, count: int, total: int | None) -> None:
    """The progress callback when nothing is drawn."""


def callback(drawer: TerminalProgress | None) -> Progress:
    return no_progress if drawer is None else drawer
