"""Structural checks statemachine.io skips for loaded documents: reachability, traps, finals."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from flows.definition import Definition
from flows.reasons import N_


def _closure(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), set()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# Each structural check, by kind, as an analyst reads it.
CHECKS = {
    "unreachable": N_("Every state can be reached from the first one"),
    "no_final": N_("A final state can be reached"),
    "trap": N_("No state is a trap: from each one, a final state can be reached"),
    "final_exit": N_("Final states have no way out"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of CHECKS
    state: str | None = None


def findings(definition: Definition) -> list[Finding]:
    """What is wrong with the definition's structure; empty when sound."""
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for t in definition.transitions:
        forward.setdefault(t.source, set()).add(t.target)
        backward.setdefault(t.target, set()).add(t.source)
    states = definition.states
    finals = {s for s, info in states.items() if info.final}
    reachable = _closure([definition.initial], forward)
    found = [Finding("unreachable", s) for s in states if s not in reachable]
    if not finals & reachable:
        found.append(Finding("no_final"))
    can_finish = _closure(finals, backward)
    found += [Finding("trap", s) for s in states if s not in finals and s not in can_finish]
    found += [Finding("final_exit", s) for s in finals if forward.get(s)]
    return found


def problems(definition: Definition) -> list[str]:
    """What is wrong with the definition's structure, in words; empty when sound."""
    initial = definition.initial
    words = {
        "unreachable": "state {state!r} cannot be reached from {initial!r}",
        "no_final": "no final state can be reached",
        "trap": "state {state!r} is a trap: no final state can be reached from it",
        "final_exit": "final state {state!r} has outgoing transitions",
    }
    return [words[f.kind].format(state=f.state, initial=initial) for f in findings(definition)]
