"""``gate``: which of the ``--fail-on`` kinds the report holds (any means exit 4 in the CLI)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the CLI reads GATE_KINDS for its help without loading the model
    from syncer.core.report.model import GateKind, Report

GATE_KINDS: tuple[GateKind, ...] = ("untracked", "unowned", "overdue", "stale", "drift")


def parse_gate_kinds(text: str) -> tuple[GateKind, ...]:
    """``"untracked,overdue"`` -> the kinds; raises ``ValueError`` naming an unknown one."""
    kinds: list[GateKind] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part not in GATE_KINDS:
            raise ValueError(f"unknown --fail-on kind {part!r}; known: {', '.join(GATE_KINDS)}")
        kinds.append(part)
    return tuple(dict.fromkeys(kinds))


def gate(report: Report, kinds: Iterable[GateKind]) -> dict[GateKind, int]:
    """The asked-for kinds the report has entries of, with their counts; empty: the gate passes."""
    sections = {
        "untracked": report.untracked,
        "unowned": report.unowned,
        "overdue": report.overdue,
        "stale": report.stale,
        "drift": report.drift,
    }
    return {kind: len(sections[kind]) for kind in kinds if sections[kind]}
