"""Item keys: stable under reordering and rewording, distinct for identical titles."""

from __future__ import annotations

import pytest

from syncer.core.parse import parse_postmortem
from syncer.model import make_item_key


def keys(text: str) -> dict[str, str]:
    document = parse_postmortem(text, source="postmortems/2026/db.md")
    return {item.title: item.key for item in document.items}


DOC = "# DB failover INC-88\n\n## Action items\n\n{items}\n"


def test_reordering_items_keeps_keys() -> None:
    first = keys(DOC.format(items="- Add replica lag alert\n- Test failover monthly"))
    second = keys(DOC.format(items="- Test failover monthly\n- Add replica lag alert"))
    assert first == second
    assert first["Add replica lag alert"] == make_item_key("INC-88", "Add replica lag alert")


def test_identical_titles_get_distinct_keys() -> None:
    document = parse_postmortem(
        DOC.format(items="- Add replica lag alert\n- Test failover\n- add replica-lag alert!"),
        source="x.md",
    )
    found = [item.key for item in document.items]
    assert len(set(found)) == 3
    assert found[2] == found[0] + "-2"


def test_case_spacing_and_punctuation_do_not_change_keys() -> None:
    plain = keys(DOC.format(items="- Add replica lag alert"))
    reworded = keys(DOC.format(items="- [ ] **Add  Replica-lag   alert.** @bob due 2026-12-01"))
    assert list(plain.values()) == list(reworded.values())


def test_ticking_done_and_adding_a_ticket_keep_the_key() -> None:
    before = keys(DOC.format(items="- [ ] Add replica lag alert"))
    after = keys(DOC.format(items="- [x] Add replica lag alert (OPS-12)"))
    assert list(before.values()) == list(after.values())


def test_explicit_ids_survive_rewording() -> None:
    before = keys(DOC.format(items="- [AI-3] Add replica lag alert"))
    after = keys(DOC.format(items="- [AI-3] Alert on replica lag above 30s"))
    assert list(before.values()) == list(after.values()) == ["inc-88.ai-3"]


def test_a_repeated_explicit_id_falls_back_to_the_title() -> None:
    document = parse_postmortem(
        DOC.format(items="- AI-1: Add replica lag alert\n- AI-1: Test failover"), source="x.md"
    )
    assert [item.key for item in document.items] == [
        "inc-88.ai-1",
        make_item_key("INC-88", "Test failover"),
    ]
    assert [p.line for p in document.warnings] == [6]


def test_incident_id_falls_back_to_the_source_path() -> None:
    document = parse_postmortem("# Outage\n\n## Action items\n\n- Fix it\n", source="pm/2026/db.md")
    assert document.incident.id == "pm-2026-db"
    assert document.items[0].key.startswith("pm-2026-db.")


@pytest.mark.parametrize(
    ("title", "incident_id"),
    [
        ("Post-Mortem: Incident INC-0000", "INC-0000"),
        ("INC-1234 checkout outage", "INC-1234"),
        ("PM2021-001 - Logs not shipped", "PM2021-001"),
        ("Sonnet++ Postmortem (incident #465)", "incident-465"),
        ("HTTP-500 storm on 2026-01-02", "pm-2026-db"),
    ],
)
def test_incident_id_from_the_title(title: str, incident_id: str) -> None:
    document = parse_postmortem(f"# {title}\n\n## Action items\n\n- Fix\n", source="pm/2026/db.md")
    assert document.incident.id == incident_id
