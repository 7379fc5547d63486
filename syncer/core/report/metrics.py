"""The report's numbers: rates, percentiles, age buckets and the weekly trend. Pure.

Percentiles use the "inclusive" method of ``statistics.quantiles`` (linear interpolation between
closest ranks, the same as a spreadsheet's PERCENTILE.INC), so the 90th percentile of a few
values stays within them.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from syncer.core.report.model import Count, HistoryPoint, TrendPoint

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("90+", 91, None),
)
"""Open items by days since the incident: label, lowest, highest (inclusive)."""


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def percentile_90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return round(statistics.quantiles(values, n=10, method="inclusive")[8], 2)


def age_buckets(ages: Iterable[int | None]) -> tuple[Count, ...]:
    """Counts per bucket, all four always present; an ``unknown`` bucket only when needed."""
    counts = dict.fromkeys((label for label, _, _ in AGE_BUCKETS), 0)
    unknown = 0
    for age in ages:
        if age is None:
            unknown += 1
            continue
        for label, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                counts[label] += 1
                break
        else:  # a negative age: an incident dated after today; count it as fresh
            counts["0-7"] += 1
    buckets = [Count(label=label, count=count) for label, count in counts.items()]
    if unknown:
        buckets.append(Count(label="unknown", count=unknown))
    return tuple(buckets)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def weekly_trend(
    points: Iterable[HistoryPoint],
    *,
    today: dt.date,
    local_date: Callable[[dt.datetime], dt.date],
    weeks: int,
) -> tuple[TrendPoint, ...]:
    """The last point of each of the last ``weeks`` weeks (ending with today's week).

    A week without any point is a gap (``None`` counts), never a zero. ``local_date`` turns a
    point's UTC time into the local date its week is counted in.
    """
    latest: dict[dt.date, HistoryPoint] = {}
    for point in points:
        day = local_date(point.at)
        if day > today:
            continue
        week = week_start(day)
        kept = latest.get(week)
        if kept is None or point.at >= kept.at:
            latest[week] = point
    this_week = week_start(today)
    trend = []
    for back in range(weeks - 1, -1, -1):
        week = this_week - dt.timedelta(weeks=back)
        found = latest.get(week)
        trend.append(
            TrendPoint(week=week, open=found.open, overdue=found.overdue)
            if found
            else TrendPoint(week=week)
        )
    return tuple(trend)


class RunLike(Protocol):
    """What ``history_from_runs`` reads of a past run (``syncer.shell.state.RunRecord`` fits)."""

    @property
    def finished(self) -> dt.datetime: ...

    @property
    def summary(self) -> Mapping[str, int]: ...


def history_from_runs(runs: Iterable[RunLike]) -> list[HistoryPoint]:
    """The trend's points from state's run history: runs whose summary has ``open`` and
    ``overdue`` (what ``Report.counts()`` gives; record it after each report run). Runs
    without them (plain syncs) add nothing, so their weeks stay gaps unless a report ran."""
    points = []
    for run in runs:
        summary = run.summary
        if "open" in summary and "overdue" in summary:
            points.append(
                HistoryPoint(at=run.finished, open=summary["open"], overdue=summary["overdue"])
            )
    return points
