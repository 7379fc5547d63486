"""How long ``syncer`` takes to start, and which imports that time goes to.

    python bench/startup_bench.py [--runs 7] [--top 12]

For ``syncer --version``, ``syncer --help`` and ``syncer parse --help`` (run as
``python -m syncer``, a fresh interpreter each time) it prints the best wall time of ``--runs``
runs, next to a bare ``python -c pass`` (the interpreter's own start, the floor), and the best
CPU time (user + system) of those runs: on a loaded machine the wall time includes waiting for a
core, the CPU time much less so, and it is close to what an idle machine's wall time would be.
Then, from one
``python -X importtime`` run of each, the top-level packages whose imports took longest (their
modules' own times summed), and which of the heavy libraries (jira, PyGithub, pygal, Jinja2,
psycopg) were imported at all. Best of N, because the machine is shared: the minimum is the run
least disturbed by others.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: tuple[tuple[str, ...], ...] = (("--version",), ("--help",), ("parse", "--help"))
HEAVY = ("jira", "github", "pygal", "jinja2", "psycopg")


def _environment() -> dict[str, str]:
    # The checkout's syncer, whatever the caller's environment says.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCER_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def best_times(argv: list[str], runs: int) -> tuple[float, float]:
    """The best wall time and the best CPU time of ``runs`` runs, in seconds."""
    wall = cpu = float("inf")
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), _children_cpu()
        subprocess.run(argv, env=_environment(), capture_output=True, check=True, cwd=ROOT)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, _children_cpu() - cpu_start)
    return wall, cpu


def import_times(args: tuple[str, ...]) -> dict[str, int]:
    """Microseconds of each imported module's own import (``-X importtime``'s self column)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "syncer", *args],
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    own: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if not fields[0].strip().isdigit():
            continue  # the header line
        own[fields[2].strip()] = int(fields[0])
    return own


def by_package(own: dict[str, int]) -> list[tuple[str, int]]:
    totals: dict[str, int] = defaultdict(int)
    for module, micros in own.items():
        totals[module.split(".")[0]] += micros
    return sorted(totals.items(), key=lambda pair: pair[1], reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (the best counts)")
    parser.add_argument("--top", type=int, default=12, help="packages listed per command")
    options = parser.parse_args()

    print(f"best of {options.runs} runs       wall     cpu")
    floor = best_times([sys.executable, "-c", "pass"], options.runs)
    print(f"  python -c pass       {floor[0]:.3f} s  {floor[1]:.3f} s")
    for args in COMMANDS:
        wall, cpu = best_times([sys.executable, "-m", "syncer", *args], options.runs)
        print(f"  syncer {' '.join(args):<14}{wall:.3f} s  {cpu:.3f} s")

    for args in COMMANDS:
        own = import_times(args)
        total = sum(own.values()) / 1e6
        heavy = [name for name in HEAVY if name in own]
        print(f"\nsyncer {' '.join(args)}: {len(own)} modules, {total:.3f} s of imports")
        print(f"  heavy libraries imported: {', '.join(heavy) or 'none'}")
        for package, micros in by_package(own)[: options.top]:
            print(f"  {micros / 1e6:7.3f} s  {package}")


if __name__ == "__main__":
    main()
