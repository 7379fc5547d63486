"""``python -m syncer`` and the ``syncer`` script: signal handlers first, then the slow rest."""

from __future__ import annotations

from syncer import startup

startup.install()  # before the imports below, which take seconds in a cold container

import sys  # noqa: E402 - after the signal handlers, on purpose

from syncer.cli import main  # noqa: E402 - after the signal handlers, on purpose


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
