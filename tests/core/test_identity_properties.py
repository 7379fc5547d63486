"""The planner's identity rules over generated edit sequences (hypothesis): whatever people do
to their lists (reword, remove, append, move between documents, rename a document, tick), with
state kept or lost, no ticket is ever paired with an unrelated text.

Each item is written in words of its own topic (``alert3 queue3 depth3``): two topics share no
word, though their letters are nearly the same, and a rewording swaps or adds words of the same
topic. Every title a ticket ever carries must then be of one topic. ``SYNCER_PROPERTY_EXAMPLES``
raises the number of generated sequences (60 by default; 600 take about a minute).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core.desired import Desired
from syncer.core.plan import plan_changes, title_likeness
from syncer.model import Incident
from syncer.shell.apply import Pacer, apply_plan
from syncer.shell.state import SqliteTarget, StateStore, open_store
from tests.support.builders import desired, fixed_now, make_policy
from tests.support.fakes import FakeTracker

STEMS = ("alert", "queue", "depth", "retry", "runbook", "pool", "cache", "deploy", "quota")
OPS = ("reword", "remove", "append", "move", "rename", "tick", "append_last")


@dataclass
class Item:
    topic: int
    words: list[int]
    """Indexes into ``STEMS``."""
    done: bool = False

    @property
    def title(self) -> str:
        return " ".join(f"{STEMS[w]}{self.topic}" for w in self.words)


@dataclass
class World:
    """Two post-mortems, each a list of items; an incident id per document."""

    docs: list[list[Item]] = field(default_factory=lambda: [[], []])
    ids: list[str] = field(default_factory=lambda: ["INC-1", "INC-2"])
    topics: int = 0

    def new_item(self, seed: int) -> Item:
        self.topics += 1
        words = sorted({seed % len(STEMS), (seed // 3) % len(STEMS), (seed // 7) % len(STEMS)})
        return Item(topic=self.topics, words=words)

    def desired(self) -> list[Desired]:
        found = []
        for number, items in enumerate(self.docs):
            incident = Incident(id=self.ids[number], title=f"Outage {number}")
            source = f"{self.ids[number].lower()}.md"
            for line, item in enumerate(items, start=1):
                found.append(
                    desired(
                        item.title,
                        incident=incident,
                        source=source,
                        line=line * 10,
                        done=item.done,
                    )
                )
        return found

    def edit(self, op: str, a: int, b: int) -> None:
        docs = self.docs
        nonempty = [d for d in docs if d]
        if op in ("append", "append_last") or not nonempty:
            target = docs[a % 2]
            at = len(target) if op == "append_last" else b % (len(target) + 1)
            target.insert(at, self.new_item(a * 31 + b))
            return
        doc = nonempty[a % len(nonempty)]
        index = b % len(doc)
        item = doc[index]
        if op == "reword":
            unused = [w for w in range(len(STEMS)) if w not in item.words]
            if len(item.words) > 2 and b % 2:
                item.words = [w for w in item.words if w != item.words[a % len(item.words)]]
            elif unused:
                item.words = sorted([*item.words, unused[a % len(unused)]])
        elif op == "remove":
            doc.pop(index)
        elif op == "move":
            doc.pop(index)
            other = docs[1] if doc is docs[0] else docs[0]
            other.insert(a % (len(other) + 1), item)
        elif op == "rename":
            number = docs.index(doc)
            self.ids[number] = f"{self.ids[number]}-{a % 7}"
        elif op == "tick":
            item.done = not item.done


def topic_of(title: str) -> str:
    first = title.split(maxsplit=1)[0]
    return first.lstrip("abcdefghijklmnopqrstuvwxyz")


def sync(world: World, tracker: FakeTracker, store: StateStore, *, lost: bool) -> None:
    items = world.desired()
    made = plan_changes(
        items,
        tickets={"fake": tracker.list_managed()},
        links={} if lost else store.links(),
        policy=make_policy(),
    )
    pacer = Pacer({}, sleep=lambda _: None, clock=lambda: 0.0)
    result = apply_plan(made, {"fake": tracker}, store, pacer=pacer, now=fixed_now)
    assert result.failed == 0


STEP = st.tuples(st.sampled_from(OPS), st.integers(0, 1000), st.integers(0, 1000), st.booleans())


@settings(
    max_examples=int(os.environ.get("SYNCER_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(start=st.integers(1, 4), steps=st.lists(STEP, min_size=1, max_size=12))
def test_no_ticket_is_ever_paired_with_an_unrelated_text(
    start: int, steps: list[tuple[str, int, int, bool]]
) -> None:
    world = World()
    for n in range(start):
        world.edit("append_last", n, n * 5 + 1)
    tracker = FakeTracker()
    topics: dict[str, set[str]] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        open_store(SqliteTarget(path=Path(folder) / "state.db")) as store,
    ):
        sync(world, tracker, store, lost=False)
        for op, a, b, lost in steps:
            world.edit(op, a, b)
            sync(world, tracker, store, lost=lost)
            for key, ticket in tracker.tickets.items():
                topics.setdefault(key, set()).add(topic_of(ticket.title))
                assert len(topics[key]) == 1, (key, ticket.title, topics[key], op)


@given(
    one=st.lists(st.sampled_from(range(len(STEMS))), min_size=1, max_size=6),
    other=st.lists(st.sampled_from(range(len(STEMS))), min_size=1, max_size=6),
    filler=st.sampled_from(("", "the ", "for the ")),
)
def test_titles_sharing_no_word_are_never_alike(
    one: list[int], other: list[int], filler: str
) -> None:
    a = filler + " ".join(f"{STEMS[w]}1" for w in one)
    b = filler + " ".join(f"{STEMS[w]}2" for w in other)
    assert title_likeness(a, b) == 0.0
