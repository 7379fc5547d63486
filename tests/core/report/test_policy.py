"""Deadlines, business days, holidays and time zones at their edges."""

from __future__ import annotations

import datetime as dt

import pytest

from syncer.config import parse_config
from syncer.core.report import ReportPolicy, build_report
from syncer.core.report.gate import gate, parse_gate_kinds
from syncer.core.report.model import HistoryPoint, TrackerRead
from syncer.core.report.policy import deadline_for
from syncer.errors import ConfigError
from syncer.model import Document, Incident
from syncer.policy import DeadlinePolicy
from tests.support import report_world as w

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("severity", "days", "origin"),
    [
        ("SEV1", 28, "default for the highest severities"),
        ("sev2", 28, "default for the highest severities"),
        ("P0", 28, "default for the highest severities"),
        ("Critical", 28, "default for the highest severities"),
        ("SEV3", 56, "default"),
        ("P2", 56, "default"),
        ("Major", 56, "default"),
        (None, 56, "default"),
    ],
)
def test_built_in_deadlines(severity: str | None, days: int, origin: str) -> None:
    assert DeadlinePolicy().days_for(severity) == (days, origin)


def _deadlines(table: dict[str, object]) -> DeadlinePolicy:
    return parse_config({"deadlines": table}, base_dir=w.FIXTURES, environ={}).policy.deadlines


def test_configured_deadlines_win_case_insensitively_and_the_rest_keep_the_default() -> None:
    policy = _deadlines({"days": {"Sev1": 7, "SEV4": 90}})
    assert policy.days_for("SEV1") == (7, "configured")
    assert policy.days_for("sev4") == (90, "configured")
    assert policy.days_for("SEV2") == (28, "default for the highest severities")
    assert _deadlines({"default_days": 45}).days_for("SEV2") == (45, "configured default")


def test_business_day_default_is_four_and_eight_weeks_of_working_days() -> None:
    policy = ReportPolicy(deadlines=DeadlinePolicy(day_kind="business"))
    assert policy.deadlines.days_for("SEV1")[0] == 20
    assert policy.deadlines.days_for("SEV3")[0] == 40
    # Monday 2026-11-02 + 20 business days = Monday 2026-11-30 (four full weeks).
    assert deadline_for(policy, dt.date(2026, 11, 2), "SEV1") == (
        dt.date(2026, 11, 30),
        "the SEV1 policy: 20 business days (default for the highest severities)",
    )


def test_business_days_skip_weekends_and_holidays() -> None:
    friday = dt.date(2026, 12, 18)
    calendar = DeadlinePolicy()
    business = DeadlinePolicy(day_kind="business", holidays=frozenset({dt.date(2026, 12, 25)}))
    assert calendar.add(friday, 5) == dt.date(2026, 12, 23)
    # Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 holiday, weekend), Mon 28.
    assert business.add(friday, 5) == dt.date(2026, 12, 28)
    assert business.add(friday, 0) == friday
    # An incident on a Saturday: the first business day counted is the Monday.
    assert business.add(dt.date(2026, 11, 28), 1) == dt.date(2026, 11, 30)


def test_country_holidays_join_the_explicit_list() -> None:
    policy = _deadlines(
        {"day_kind": "business", "holidays": ["2026-12-24"], "holiday_country": "DE"}
    )
    assert all(policy.is_holiday(d) for d in (dt.date(2026, 12, 24), dt.date(2026, 10, 3)))
    # Wed 2026-12-23 + 2 business days: not 24 (listed), not 25/26 (holidays), not the
    # weekend: Mon 28, Tue 29.
    assert policy.add(dt.date(2026, 12, 23), 2) == dt.date(2026, 12, 29)


def test_unknown_holiday_country_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        _deadlines({"holiday_country": "ZZ"})
    assert any("deadlines.holiday_country" in p for p in caught.value.problems)


def test_report_section_in_the_configuration() -> None:
    config = parse_config(
        {
            "report": {
                "deadline_days": {"SEV1": 14},
                "day_kind": "business",
                "holidays": ["2026-12-25"],
                "timezone": BERLIN,
                "stale_after_days": 10,
            }
        },
        base_dir=w.FIXTURES,
        environ={},
    )
    report = config.settings.report
    assert report.holidays == (dt.date(2026, 12, 25),)
    assert (report.timezone, report.stale_after_days) == (BERLIN, 10)
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {"report": {"timezone": "Mars/Olympus", "day_kind": "lunar", "color": 1}},
            base_dir=w.FIXTURES,
            environ={},
        )
    assert {p.split(":")[0] for p in caught.value.problems} == {
        "report.timezone",
        "report.day_kind",
        "report.color",
    }


def _one_item(*, due: dt.date, now: dt.datetime, zone: str) -> int:
    """Days late of one open item due on ``due``, seen at ``now``, in ``zone``."""
    document = Document(
        source="a.md",
        content_hash="a",
        incident=Incident(id="INC-1", date=dt.date(2026, 11, 1)),
        items=(w.item("INC-1", "x", "Thing", source="a.md", line=3, owner="a", due=due),),
    )
    report = build_report(
        documents=[document],
        tickets={},
        links={},
        history=[],
        policy=ReportPolicy(timezone=zone),
        now=now,
    )
    return report.overdue[0].days_late if report.overdue else 0


def test_a_due_date_is_a_local_date() -> None:
    due = dt.date(2026, 11, 26)
    # 22:30 UTC is 23:30 in Berlin: still the 26th everywhere, so not late.
    assert _one_item(due=due, now=w.utc(2026, 11, 26, 22, 30), zone=BERLIN) == 0
    # 23:30 UTC is 00:30 on the 27th in Berlin: one day late there, not yet in UTC.
    assert _one_item(due=due, now=w.utc(2026, 11, 26, 23, 30), zone=BERLIN) == 1
    assert _one_item(due=due, now=w.utc(2026, 11, 26, 23, 30), zone="UTC") == 0
    # West of UTC the day ends later: 03:00 UTC on the 27th is still the 26th in New York.
    assert _one_item(due=due, now=w.utc(2026, 11, 27, 3), zone="America/New_York") == 0


def test_a_close_time_in_utc_counts_on_its_local_date() -> None:
    # Closed at 23:30 UTC on the deadline day: on time in UTC, a day late in Berlin.
    document = Document(
        source="a.md",
        content_hash="a",
        incident=Incident(id="INC-1", date=dt.date(2026, 9, 1), severity="SEV1"),
        items=(w.item("INC-1", "x", "Thing", source="a.md", line=3, owner="a"),),
    )
    closed = w.ticket(
        "OPS-1",
        item_key="inc-1.x",
        category="done",
        resolution="done",
        resolved=w.utc(2026, 9, 29, 23, 30),
    )

    def on_time(zone: str) -> float | None:
        report = build_report(
            documents=[document],
            tickets={"ops": TrackerRead(tracker="ops", tickets=(closed,))},
            links={},
            history=[],
            policy=ReportPolicy(timezone=zone),
            now=w.NOW,
        )
        return report.metrics.on_time_rate

    assert on_time("UTC") == 1.0
    assert on_time(BERLIN) == 0.0


def test_a_run_late_on_sunday_utc_is_monday_in_berlin() -> None:
    sunday_night = HistoryPoint(at=w.utc(2026, 11, 22, 23, 30), open=3, overdue=1)

    def weeks(zone: str) -> dict[dt.date, int | None]:
        report = build_report(
            documents=(),
            tickets={},
            links={},
            history=[sunday_night],
            policy=ReportPolicy(timezone=zone, trend_weeks=2),
            now=w.utc(2026, 11, 27, 12),
        )
        return {p.week: p.open for p in report.metrics.trend}

    # In UTC the run belongs to the week of the 16th; the current week is this report's own.
    assert weeks("UTC") == {dt.date(2026, 11, 16): 3, dt.date(2026, 11, 23): 0}
    # In Berlin it is Monday the 23rd already, and this report (later that week) replaces it.
    assert weeks(BERLIN) == {dt.date(2026, 11, 16): None, dt.date(2026, 11, 23): 0}


def test_stale_edge() -> None:
    document = Document(
        source="a.md",
        content_hash="a",
        incident=Incident(id="INC-1", date=dt.date(2026, 11, 1)),
        items=(w.item("INC-1", "x", "Thing", source="a.md", line=3, owner="a"),),
    )

    def stale(updated: dt.datetime) -> int:
        ticket = w.ticket("OPS-1", item_key="inc-1.x", updated=updated)
        report = build_report(
            documents=[document],
            tickets={"ops": TrackerRead(tracker="ops", tickets=(ticket,))},
            links={},
            history=[],
            policy=ReportPolicy(stale_after_days=14),
            now=w.NOW,
        )
        return len(report.stale)

    assert stale(w.NOW - dt.timedelta(days=14)) == 1
    assert stale(w.NOW - dt.timedelta(days=14) + dt.timedelta(minutes=1)) == 0


def test_gate() -> None:
    from tests.support.report_world import report

    full = report()
    assert gate(full, parse_gate_kinds("untracked, overdue")) == {"untracked": 2, "overdue": 4}
    assert gate(full, ("stale", "drift")) == {"stale": 1, "drift": 6}
    empty = build_report(
        documents=(), tickets={}, links={}, history=[], policy=ReportPolicy(), now=w.NOW
    )
    assert gate(empty, ("untracked", "overdue", "stale", "drift")) == {}
    with pytest.raises(ValueError, match="unknown --fail-on kind 'late'"):
        parse_gate_kinds("overdue,late")


def test_routes_and_owners_from_the_settings() -> None:
    from syncer.core.report import owners_for, routes_for
    from tests.support.builders import make_policy

    policy = make_policy()
    policy = policy.model_copy(
        update={
            "trackers": {
                "fake": policy.trackers["fake"].model_copy(update={"owners": {"@Alice": "acc-a"}})
            }
        }
    )
    assert routes_for(policy, [w.D1]) == {w.D1_SOURCE: "fake"}
    assert owners_for(policy) == {"fake": {"alice": "acc-a"}}
