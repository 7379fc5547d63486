"""``python -m syncer``: the same command as the ``syncer`` script, for when it is not on PATH."""

from __future__ import annotations

import sys

from syncer.cli import main

if __name__ == "__main__":
    sys.exit(main())
