"""The soak's short profile (``bench/soak.py``): about 60 s of syncer against the sandbox
behind the fault-injecting proxy, people editing documents and tickets, workers killed; every
invariant holds after every cycle. Marked ``soak``; plain ``pytest`` (and so ``.ci/run``) runs
it, ``-m "not soak"`` leaves it out."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("syncer_bench_soak", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.soak
def test_a_minute_of_faults_kills_and_edits_breaks_no_invariant() -> None:
    result = load_soak().run_soak(seconds=60, seed=17)
    print("\n".join(result.lines()))
    assert result.violations == []
    assert result.cycles >= 5
    assert sum(result.faults.values()) > 0
    assert sum(result.edits.values()) > 0
