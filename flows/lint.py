"""Structural checks statemachine.io skips for loaded documents: reachability, traps, finals."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from flows.definition import Definition


def _closure(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), set()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def problems(definition: Definition) -> list[str]:
    """What is wrong with the definition's structure, in words; empty when sound."""
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for t in definition.transitions:
        forward.setdefault(t.source, set()).add(t.target)
        backward.setdefault(t.target, set()).add(t.source)
    states = definition.states
    finals = {s for s, info in states.items() if info.final}
    found = []
    reachable = _closure([definition.initial], forward)
    for state in states:
        if state not in reachable:
            found.append(f"state {state!r} cannot be reached from {definition.initial!r}")
    if not finals & reachable:
        found.append("no final state can be reached")
    can_finish = _closure(finals, backward)
    for state in states:
        if state not in finals and state not in can_finish:
            found.append(f"state {state!r} is a trap: no final state can be reached from it")
    for state in finals:
        if forward.get(state):
            found.append(f"final state {state!r} has outgoing transitions")
    return found
