"""What real instances of a procedure did in a period: the heatmap's counts and the funnel.

Counts come from the hourly counts the engine keeps with each audit record
(storage.flow_counts), so a period is counted by the hour, in UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flows import fields
from flows.definition import Definition, GuardInfo
from storage.flow_counts import CountRow

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT_PERIOD = "7d"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Period:
    kind: str  # a key of PERIODS, or "custom"
    since: datetime  # UTC, on the hour
    until: datetime  # UTC, on the hour, excluded


def on_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def period(
    kind: str, now: datetime, zone: tzinfo, start: date | None = None, end: date | None = None
) -> Period:
    """The last 24 h, 7 or 30 days up to this hour, or whole days START..END in ZONE."""
    if kind == "custom" and start and end:
        since, until = days(min(start, end), max(start, end), zone)
        assert since is not None and until is not None
        return Period("custom", on_the_hour(since), on_the_hour(until))
    kind = kind if kind in PERIODS else DEFAULT_PERIOD
    until = on_the_hour(now) + HOUR
    return Period(kind, on_the_hour(now - PERIODS[kind]), until)


def days(
    start: date | None, end: date | None, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """From the start of day START to the end of day END in ZONE, in UTC; None is open."""
    since = datetime.combine(start, time(), zone).astimezone(UTC) if start else None
    after = end + timedelta(days=1) if end else None
    until = datetime.combine(after, time(), zone).astimezone(UTC) if after else None
    return since, until


@dataclass(frozen=True)
class Heat:
    """A period's counts, by state and transition (state ids, event names)."""

    entered: Mapping[str, int] = field(default_factory=dict)
    here: Mapping[str, int] = field(default_factory=dict)  # instances started in the period
    taken: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    rejected: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # (source, event, reason code) -> rejected records that gave it
    reasons: Mapping[tuple[str, str, str], int] = field(default_factory=dict)
    not_allowed: Mapping[tuple[str, str], int] = field(default_factory=dict)
    expired: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def started(self) -> int:
        return sum(self.here.values())


def heat(rows: Iterable[CountRow], now_rows: Iterable[tuple[str, bool, int]]) -> Heat:
    """The heat of a period: its summed counts, and rows (state, overdue, instances)
    saying where the instances it started are now."""
    here: dict[str, int] = defaultdict(int)
    for state, _overdue, count in now_rows:
        here[state] += count
    entered: dict[str, int] = defaultdict(int)
    taken: dict[tuple[str, str, str], int] = defaultdict(int)
    by_outcome: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows:
        if row.reason:
            reasons[(row.source, row.event, row.reason)] += row.count
        elif row.outcome == "taken":
            taken[(row.source, row.event, row.target)] += row.count
            # A loop (send the e-mail again) stays in its state: it enters nothing.
            if row.source != row.target or row.event == "start":
                entered[row.target] += row.count
        else:
            by_outcome[row.outcome][(row.source, row.event)] += row.count
    return Heat(
        entered=dict(entered),
        here=dict(here),
        taken={k: v for k, v in taken.items() if k[1] != "start"},
        rejected=dict(by_outcome["rejected"]),
        reasons=dict(reasons),
        not_allowed=dict(by_outcome["not_allowed"]),
        expired=dict(by_outcome["expired"]),
    )


@dataclass(frozen=True)
class Rejection:
    source: str
    event: str
    guard: GuardInfo | None  # None: the declared fields' check, or no guard claims it
    reason: str
    count: int

    @property
    def by_fields(self) -> bool:
        """Refused by the check of the declared fields, before any guard ran."""
        return self.reason in fields.FIELD_REASONS


def rejections(definition: Definition, found: Heat) -> list[Rejection]:
    """Each rejection reason, attributed to the guard that gives it, most frequent first."""
    listed = []
    for (source, event, reason), count in found.reasons.items():
        listed.append(
            Rejection(source, event, _guard(definition, source, event, reason), reason, count)
        )
    return sorted(listed, key=lambda r: (-r.count, r.source, r.event, r.reason))


def _guard(definition: Definition, source: str, event: str, reason: str) -> GuardInfo | None:
    if reason in fields.FIELD_REASONS:
        return None
    for t in definition.transitions:
        if t.source == source and t.event == event:
            for name in t.guards:
                if reason in definition.guards[name].reasons:
                    return definition.guards[name]
    return None


@dataclass(frozen=True)
class Stop:
    state: str
    count: int
    final: bool
    overdue: int = 0  # not final, time up, not yet expired by the sweeper: abandoned


@dataclass(frozen=True)
class Funnel:
    """Of the instances started in the period: where each one is now."""

    started: int
    finals: list[Stop]
    unfinished: list[Stop]
    # final state -> the states its instances came from (transitions taken in the period)
    came_from: Mapping[str, list[tuple[str, int]]]

    def share(self, count: int) -> float:
        return count / self.started if self.started else 0.0


def funnel(
    definition: Definition, now_by_state: Iterable[tuple[str, bool, int]], found: Heat
) -> Funnel:
    """From rows (state, overdue, count) of the period's instances, and the period's heat."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for state, overdue, count in now_by_state:
        counts[state][1 if overdue else 0] += count
    finals = [
        Stop(s.id, sum(counts.get(s.id, [0, 0])), True)
        for s in definition.states.values()
        if s.final
    ]
    unfinished = [
        Stop(state, live + overdue, False, overdue)
        for state, (live, overdue) in counts.items()
        if not (state in definition.states and definition.states[state].final)
    ]
    came_from: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (source, _event, target), count in sorted(found.taken.items()):
        if target in definition.states and definition.states[target].final:
            came_from[target].append((source, count))
    started = sum(live + overdue for live, overdue in counts.values())
    return Funnel(started, finals, sorted(unfinished, key=lambda s: -s.count), dict(came_from))
