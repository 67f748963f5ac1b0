"""A change review as the analysts read it: JSON (API, CLI) and the impact in words.

The console and the command line say the same things: each group of journeys and of
instances in flight is one Phrase, shown in emphasis in a page, with stars in a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from flows.analysis.change import Diff, Item, Key
from flows.analysis.change_words import Phrase, sentences
from flows.analysis.impact import Detour, Group, Impact, Refusal, Waiting
from flows.reasons import N_

Translate = Callable[[str], str]

REFUSALS = {
    "start": N_("The procedure no longer starts in %(target)s or leads there"),
    "not_allowed": N_("%(event)s is no longer possible in %(state)s"),
    "elsewhere": N_("%(event)s from %(state)s no longer leads to %(target)s"),
}
DETOURS = {
    True: N_("%(event)s from %(source)s to %(target)s now passes through %(via)s"),
    False: N_(
        "%(event)s from %(source)s to %(target)s may now pass through %(via)s (guards decide)"
    ),
}
CHANGED = N_("%(event)s from %(source)s to %(target)s has other guards or actions now")
STATUS = {
    "kept": N_("kept as it is"),
    "changed": N_("its ways out change"),
    "removed": N_("removed by the new version"),
}


class Words:
    """Labels of either version, in the analyst's language."""

    def __init__(self, diff: Diff, translate: Translate) -> None:
        self.diff = diff
        self.t = translate

    def state(self, state: str) -> str:
        for d in (self.diff.new, self.diff.old):
            if state in d.states:
                return self.t(d.states[state].label)
        return state

    def event(self, event: str) -> str:
        if event == "start":
            return self.t(N_("Start"))
        for d in (self.diff.new, self.diff.old):
            if event in d.events:
                return self.t(d.events[event].label)
        return event

    def refusal(self, r: Refusal) -> Phrase:
        values = {"event": self.event(r.event), "state": self.state(r.state)}
        if r.target is not None:
            values["target"] = self.state(r.target)
        return Phrase(self.t(REFUSALS[r.kind]), values)

    def detour(self, d: Detour) -> Phrase:
        return Phrase(
            self.t(DETOURS[d.certain]),
            {
                **self.move(d.source, d.event, d.target),
                "via": " → ".join(self.state(s) for s in d.via),
            },
        )

    def changed(self, k: Key) -> Phrase:
        return Phrase(self.t(CHANGED), self.move(*k))

    def move(self, source: str, event: str, target: str) -> dict[str, str]:
        return {
            "event": self.event(event),
            "source": self.state(source),
            "target": self.state(target),
        }

    def ways(self, keys: Iterable[Key]) -> str:
        """What can be done next: «Send → Code, Expire → Expired»."""
        return ", ".join(f"{self.event(e)} → {self.state(t)}" for _s, e, t in keys) or "—"

    def waiting(self, w: Waiting) -> Phrase:
        values = {
            "count": str(w.count),
            "overdue": str(w.overdue),
            "status": self.t(STATUS[w.status]),
        }
        return Phrase(
            self.t(N_("%(state)s: %(count)s (overdue: %(overdue)s) — %(status)s")),
            {"state": self.state(w.state), **values},
            frozenset(values),
        )


# -- JSON --------------------------------------------------------------------------------


def diff_json(diff: Diff, translate: Translate) -> dict[str, Any]:
    return {
        "flow": diff.new.name,
        "from": diff.old.version,
        "to": diff.new.version,
        "changes": [_item(i) for i in diff.items],
        "words": [s.plain() for s in sentences(diff, translate)],
    }


def _item(item: Item) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "status": item.status,
        "before": _name(item.kind, item.old),
        "after": _name(item.kind, item.new),
        "details": [
            {"what": d.what, "before": _value(d.before), "after": _value(d.after)}
            for d in item.details
        ],
    }


def _name(kind: str, name: tuple[str, ...] | None) -> dict[str, str] | None:
    if name is None:
        return None
    if kind == "transition":
        return _key((name[0], name[1], name[2]))
    return {"id": name[0]}


def _key(k: Key) -> dict[str, str]:
    return {"source": k[0], "event": k[1], "target": k[2]}


def _value(value: Any) -> Any:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, tuple):
        return list(value)
    return value


def impact_json(found: Impact, translate: Translate) -> dict[str, Any]:
    words = Words(found.diff, translate)
    replay = found.replay
    return {
        "flow": found.diff.new.name,
        "from": found.diff.old.version,
        "to": found.diff.new.version,
        "days": found.days,
        "since": found.since.isoformat(),
        "journeys": {
            "total": replay.journeys,
            "accepted": replay.accepted,
            "unchanged": replay.unchanged,
            "detoured": replay.detoured,
            "maybe_detoured": replay.maybe,
            "refused": replay.refused_count,
        },
        "refused": [
            {**vars(r), "count": g.count, "instances": g.ids, "words": words.refusal(r).plain()}
            for r, g in _biggest(replay.refused)
        ],
        "detours": [
            {
                **vars(d),
                "via": list(d.via),
                "count": g.count,
                "instances": g.ids,
                "words": words.detour(d).plain(),
            }
            for d, g in _biggest(replay.detours)
        ],
        "changed_transitions": [
            {**_key(k), "count": g.count, "instances": g.ids} for k, g in _biggest(replay.changed)
        ],
        "in_flight": [_waiting(w, words) for w in found.waiting],
        "missing_methods": list(found.missing),
        "migration": {"from": found.migration.from_version, "states": dict(found.migration.states)}
        if found.migration
        else None,
    }


def _waiting(w: Waiting, words: Words) -> dict[str, Any]:
    return {
        "state": w.state,
        "label": words.state(w.state),
        "count": w.count,
        "overdue": w.overdue,
        "status": w.status,
        "next_old": [{"event": e, "target": t} for _s, e, t in w.next_old],
        "next_new": [{"event": e, "target": t} for _s, e, t in w.next_new],
        "moves_to": w.moves_to,
    }


def _biggest(groups: dict[Any, Group]) -> list[tuple[Any, Group]]:
    return sorted(groups.items(), key=lambda item: -item[1].count)


# -- text --------------------------------------------------------------------------------


def impact_text(found: Impact, translate: Translate) -> list[str]:
    """The impact report for a terminal, one line each."""
    t, words, replay = translate, Words(found.diff, translate), found.replay
    old, new = found.diff.old, found.diff.new
    lines = [
        t(N_("Impact of %(flow)s %(new)s on %(old)s, journeys of the last %(days)s days"))
        % {"flow": new.name, "new": new.version, "old": old.version, "days": found.days},
        t(
            N_(
                "Journeys replayed: %(total)s; accepted: %(accepted)s (unchanged: %(unchanged)s, "
                "through new steps: %(detoured)s, perhaps through new steps: %(maybe)s); "
                "refused: %(refused)s"
            )
        )
        % {
            "total": replay.journeys,
            "accepted": replay.accepted,
            "unchanged": replay.unchanged,
            "detoured": replay.detoured,
            "maybe": replay.maybe,
            "refused": replay.refused_count,
        },
    ]
    groups = [
        *((words.refusal(r), g, N_("refused")) for r, g in _biggest(replay.refused)),
        *((words.detour(d), g, N_("accepted")) for d, g in _biggest(replay.detours)),
        *((words.changed(k), g, N_("accepted")) for k, g in _biggest(replay.changed)),
    ]
    for phrase, group, said in groups:
        lines.append(f"  [{t(said)}] {phrase.plain()}: {group.count} — {' '.join(group.ids)}")
    lines.append(
        t(N_("In flight on %(old)s: %(count)s")) % {"old": old.version, "count": found.in_flight}
    )
    for w in found.waiting:
        lines += _waiting_lines(w, words)
    if found.missing:
        lines.append(
            t(
                N_(
                    "The model has no method %(names)s yet: "
                    "this version cannot run with the code as it is."
                )
            )
            % {"names": ", ".join(found.missing)}
        )
    return lines


def _waiting_lines(w: Waiting, words: Words) -> list[str]:
    t = words.t
    lines = [
        "  " + words.waiting(w).plain(),
        "    " + t(N_("next, on their version: %(ways)s")) % {"ways": words.ways(w.next_old)},
        "    " + t(N_("next, on the new version: %(ways)s")) % {"ways": words.ways(w.next_new)},
    ]
    if w.moves_to:
        lines.append(
            "    "
            + t(N_("the declared migration moves them to %(state)s"))
            % {"state": words.state(w.moves_to)}
        )
    return lines
