"""Whom a new version of a procedure affects: recorded journeys replayed, instances in flight.

**Replay.** A journey is an instance started on the old version in the last N days: its
audit records on that version, in order. It is replayed structurally against the new
definition, event by event, the recorded outcome kept — guards are not run again, a taken
event is taken again and a refused one is refused again:

- a refused record (rejected, not allowed, too late) moves nothing and is never held
  against the new version;
- the start: the new version's first state must be the recorded one, or lead to it;
- a taken record, from state S by event E to state T, is
  *the same* when the new version keeps a transition from S to T for E (renamed or not);
  a *detour* when the new version's transitions for E from S lead to a state X from which
  T can be reached: the journey now passes through the states on the shortest way from X
  to T (the customer has more to do, then is where they were);
  a *possible detour* when the new version keeps the transition to T but also adds one
  for E from S that leads through other states to T: which way a customer goes now
  depends on guards;
  *refused* otherwise: no transition for E from S (``not_allowed``), or none from which
  T can be reached (``elsewhere``: T was removed, or lies elsewhere now).

The new version *accepts* a journey none of whose events is refused; the first refused
event and its state name the group a refused journey is counted in.

**In flight.** The old version's instances not ended, by state: which of those states
the new version removes or changes (the state, or its ways out), what each group can do
next under each version, and where a declared migration would move it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows.analysis.change import Detail, Diff, Item, Key, key, missing_methods
from flows.definition import Definition, Migration, TransitionInfo
from storage import journeys
from storage.db import Database
from storage.journeys import Step

DEFAULT_DAYS = 30
EXAMPLES = 20  # instance ids kept per group, for the analyst to open in the trail
KEPT, CHANGED, REMOVED = "kept", "changed", "removed"


@dataclass(frozen=True)
class Refusal:
    state: str
    event: str
    kind: str  # start | not_allowed | elsewhere
    target: str | None  # where the journey went under the old version


@dataclass(frozen=True)
class Detour:
    source: str
    event: str
    target: str
    via: tuple[str, ...]  # the new version's states on the way from source to target
    certain: bool  # False: only when guards send the customer this way


@dataclass
class Group:
    count: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, instance_id: str) -> None:
        self.count += 1
        if len(self.ids) < EXAMPLES:
            self.ids.append(instance_id)


@dataclass
class Replay:
    journeys: int = 0
    unchanged: int = 0
    detoured: int = 0  # through new steps for certain
    maybe: int = 0  # perhaps through new steps (guards decide), and no certain detour
    refused: dict[Refusal, Group] = field(default_factory=dict)
    detours: dict[Detour, Group] = field(default_factory=dict)
    # Accepted journeys that took a transition whose guards or actions change (new key).
    changed: dict[Key, Group] = field(default_factory=dict)

    @property
    def refused_count(self) -> int:
        return sum(g.count for g in self.refused.values())

    @property
    def accepted(self) -> int:
        return self.journeys - self.refused_count


@dataclass(frozen=True)
class Waiting:
    """The old version's instances not ended in one state."""

    state: str
    count: int
    overdue: int  # their time is up: the sweeper will expire them on their version
    status: str  # kept | changed | removed
    next_old: tuple[Key, ...]
    next_new: tuple[Key, ...]
    moves_to: str | None  # where the new version's declared migration would move them


@dataclass(frozen=True)
class Impact:
    diff: Diff
    days: int
    since: datetime
    replay: Replay
    waiting: tuple[Waiting, ...]
    missing: tuple[str, ...]  # guards and actions the model does not have yet
    migration: Migration | None

    @property
    def in_flight(self) -> int:
        return sum(w.count for w in self.waiting)


def impact(db: Database, diff: Diff, now: datetime, days: int = DEFAULT_DAYS) -> Impact:
    old, new = diff.old, diff.new
    since = now - timedelta(days=days)
    replayer = Replayer(diff)
    with db.scan() as session:
        for instance_id, steps in journeys.journeys(session, old.name, old.version, since):
            replayer.add(instance_id, steps)
        rows = journeys.in_flight(session, old.name, old.version, now)
    migration = next((m for m in new.migrations if m.from_version == old.version), None)
    return Impact(
        diff=diff,
        days=days,
        since=since,
        replay=replayer.replay,
        waiting=tuple(waiting(diff, rows, migration)),
        missing=tuple(missing_methods(new)),
        migration=migration,
    )


# -- replay ------------------------------------------------------------------------------


@dataclass
class _Journey:
    refusal: Refusal | None = None
    detours: list[Detour] = field(default_factory=list)
    changed: list[Key] = field(default_factory=list)


class Replayer:
    def __init__(self, diff: Diff) -> None:
        self.diff = diff
        self.replay = Replay()
        new = diff.new
        self.edges: dict[str, list[str]] = {}
        self.leaving: dict[tuple[str, str], list[TransitionInfo]] = {}
        for t in new.transitions:
            self.edges.setdefault(t.source, []).append(t.target)
            self.leaving.setdefault((t.source, t.event), []).append(t)
        # Most journeys repeat a few paths: each distinct one is judged once.
        self.judged: dict[tuple[Step, ...], _Journey] = {}
        self.added = {key(t) for t in new.transitions} - set(diff.matches.values())
        self.changed = {i.new for i in diff.of("transition", "changed") if _guarded(i.details)}

    def add(self, instance_id: str, steps: Iterable[Step]) -> None:
        path = tuple(steps)
        if path not in self.judged:
            self.judged[path] = self.journey(path)
        journey = self.judged[path]
        replay = self.replay
        replay.journeys += 1
        if journey.refusal is not None:
            replay.refused.setdefault(journey.refusal, Group()).add(instance_id)
            return
        for detour in dict.fromkeys(journey.detours):
            replay.detours.setdefault(detour, Group()).add(instance_id)
        for k in dict.fromkeys(journey.changed):
            replay.changed.setdefault(k, Group()).add(instance_id)
        if any(d.certain for d in journey.detours):
            replay.detoured += 1
        elif journey.detours:
            replay.maybe += 1
        else:
            replay.unchanged += 1

    def journey(self, steps: Iterable[Step]) -> _Journey:
        journey = _Journey()
        for step in steps:
            if step.outcome != "taken" or step.target is None:
                continue
            if step.event == "start":
                journey.refusal = self.start(step.target, journey)
            else:
                journey.refusal = self.step(step.source, step.event, step.target, journey)
            if journey.refusal is not None:
                break
        return journey

    def start(self, first: str, journey: _Journey) -> Refusal | None:
        initial = self.diff.new.initial
        if initial == first:
            return None
        via = self.way(initial, first)
        if via is None:
            return Refusal(initial, "start", "start", first)
        journey.detours.append(Detour(initial, "start", first, via, True))
        return None

    def step(self, source: str, event: str, target: str, journey: _Journey) -> Refusal | None:
        recorded = (source, event, target)
        kept = self.diff.matches.get(recorded)
        events = {event, kept[1]} if kept else {event}
        others = [t for e in sorted(events) for t in self.leaving.get((source, e), [])]
        if kept is not None and kept[2] == target:
            if kept in self.changed:
                journey.changed.append(kept)
            for t in others:
                via = self.way(t.target, target) if key(t) in self.added else None
                if via:
                    journey.detours.append(Detour(source, t.event, target, via, False))
            return None
        ways = [(via, t.event) for t in others if (via := self.way(t.target, target))]
        if not ways:
            return Refusal(source, event, "elsewhere" if others else "not_allowed", target)
        via, taken = min(ways, key=lambda w: len(w[0]))
        journey.detours.append(Detour(source, taken, target, via, True))
        return None

    def way(self, start: str, goal: str) -> tuple[str, ...] | None:
        """The states on the shortest way from START to GOAL (START included, GOAL not);
        None when GOAL cannot be reached, or START is GOAL."""
        if start == goal or goal not in self.diff.new.states:
            return None
        came: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            for nxt in self.edges.get(state, []):
                if nxt in came:
                    continue
                came[nxt] = state
                if nxt == goal:
                    return _path(came, state)
                queue.append(nxt)
        return None


def _path(came: Mapping[str, str | None], last: str) -> tuple[str, ...]:
    path = [last]
    while (before := came[path[-1]]) is not None:
        path.append(before)
    return tuple(reversed(path))


def _guarded(details: Iterable[Detail]) -> bool:
    return any(d.what in {"guards_added", "guards_removed", "actions"} for d in details)


# -- in flight ---------------------------------------------------------------------------


def waiting(
    diff: Diff, rows: Iterable[tuple[str, bool, int]], migration: Migration | None
) -> list[Waiting]:
    counts: dict[str, list[int]] = {}
    for state, overdue, n in rows:
        found = counts.setdefault(state, [0, 0])
        found[0] += n
        found[1] += n if overdue else 0
    old, new = diff.old, diff.new
    order = [s for s in old.states if s in counts] + [s for s in counts if s not in old.states]
    return [
        Waiting(
            state=state,
            count=counts[state][0],
            overdue=counts[state][1],
            status=_status(diff, state),
            next_old=_ways_out(old, state),
            next_new=_ways_out(new, state),
            moves_to=migration.states.get(state) if migration else None,
        )
        for state in order
    ]


def _status(diff: Diff, state: str) -> str:
    if state not in diff.new.states:
        return REMOVED
    ways = [i for i in diff.of("transition") if _leaves(i, state)]
    return CHANGED if ways or diff.state_status(state) else KEPT


def _leaves(item: Item, state: str) -> bool:
    """Whether a transition's item is a way out of STATE in either version."""
    return any(k is not None and k[0] == state for k in (item.old, item.new))


def _ways_out(definition: Definition, state: str) -> tuple[Key, ...]:
    return tuple(key(t) for t in definition.transitions if t.source == state)
