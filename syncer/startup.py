"""What runs before anything slow: SIGTERM and SIGINT are recorded from the first instant.

Importing syncer's commands and their libraries takes seconds in a cold container; a SIGTERM
then (a CronJob's deadline, a deploy) killed the process before its handlers were installed,
and with it the summary of what the run did. ``python -m syncer`` and the ``syncer`` script
call ``install`` before importing anything else; ``syncer.shell.worker.handle_signals`` (the
worker and ``sync``) takes a recorded signal over as its stop request (``take``), and every
other command gets the default behaviour back, a recorded signal delivered again (``release``).
"""

from __future__ import annotations

import os
import signal
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_state: dict[str, list[int]] = {"pending": [], "installed": []}


def _record(signum: int, frame: FrameType | None) -> None:
    _state["pending"].append(signum)


def install() -> None:
    """Record SIGTERM and SIGINT instead of dying; call first, from the main thread."""
    for sig in _SIGNALS:
        signal.signal(sig, _record)
    _state["installed"] = [int(sig) for sig in _SIGNALS]


def take() -> int | None:
    """The first signal recorded since ``install`` (forgotten once taken), if any."""
    pending = _state["pending"]
    first = pending[0] if pending else None
    pending.clear()
    return first


def release() -> None:
    """The default behaviour back (SIGTERM ends the process, SIGINT raises
    ``KeyboardInterrupt``), and a signal recorded meanwhile delivered again."""
    if not _state["installed"]:
        return
    _state["installed"] = []
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if (first := take()) is not None:
        os.kill(os.getpid(), first)
