"""The drawing of a change: both versions in one diagram, what changed in colour.

Added states and transitions are green, removed ones red and dashed, changed ones amber
(a state whose facts changed; a transition renamed, led elsewhere, or with other guards
or actions — led elsewhere, its old arrow is also drawn, removed). Labels are in the
analyst's language. SVG (Graphviz, through diagrams.py) for the console and the command
line, Mermaid with classDefs for a pull request (a Mermaid state diagram cannot colour its
arrows: theirs say what happened to them in words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from statemachine.contrib.diagram.model import DiagramState
from statemachine.contrib.diagram.renderers.mermaid import MermaidRenderer

from flows.analysis import diagrams
from flows.analysis.change import ADDED, CHANGED, REMOVED, Diff, key
from flows.definition import Definition, TransitionInfo
from flows.reasons import N_

Translate = Callable[[str], str]
FORMATS = ("svg", "dot", "mermaid")
# (line, fill): GitHub's "success", "danger" and "attention" colours, readable on white.
COLOURS = {
    ADDED: ("#1a7f37", "#dafbe1"),
    REMOVED: ("#cf222e", "#ffebe9"),
    CHANGED: ("#9a6700", "#fff8c5"),
}


SAID = {ADDED: N_("new"), REMOVED: N_("removed"), CHANGED: N_("changed")}


def _same(text: str) -> str:
    return text


def render(diff: Diff, fmt: str, *, translate: Translate = _same) -> str:
    """The change from DIFF.old to DIFF.new drawn in FMT (one of FORMATS)."""
    both = union(diff)
    drawn = diagrams.graph(both, translate)
    if fmt == "mermaid":
        return _mermaid(diff, drawn, translate)
    dot = diagrams.dot_source(both, drawn, _ChangePaint(diff, both, translate))
    if fmt == "dot":
        return dot
    if fmt == "svg":
        return diagrams.svg_of(dot, translate(diff.new.label))
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def union(diff: Diff) -> Definition:
    """The new version with what the old one had and the new one dropped, to draw both."""
    old, new = diff.old, diff.new
    states = dict(new.states)
    for state, info in old.states.items():
        # Only one first state is drawn: the new one.
        states.setdefault(state, replace(info, initial=False))
    gone = set(diff.matches) - {k for k, v in diff.matches.items() if v[2] == k[2]}
    dropped = [t for t in old.transitions if key(t) not in diff.matches or key(t) in gone]
    return replace(
        new,
        states=states,
        transitions=(*new.transitions, *dropped),
        events={**old.events, **new.events},
        guards={**old.guards, **new.guards},
    )


def transition_status(diff: Diff, t: TransitionInfo) -> str | None:
    """What the drawing says of an arrow: an arrow led elsewhere keeps its old one, removed."""
    k = key(t)
    if k in set(diff.matches.values()):
        return diff.transition_status(k)
    if k in diff.matches or t not in diff.new.transitions:
        return REMOVED
    return ADDED


class _ChangePaint(diagrams.Paint):
    def __init__(self, diff: Diff, both: Definition, translate: Translate) -> None:
        super().__init__(both, translate, None)
        self.diff = diff

    def state(self, state: DiagramState) -> dict[str, Any]:
        attrs = super().state(state)
        status = self.diff.state_status(state.id)
        if status:
            line, fill = COLOURS[status]
            dashed = ", dashed" if status == REMOVED else ""
            attrs.update(
                color=line, fillcolor=fill, penwidth="2.5", style=f"rounded, filled{dashed}"
            )
            attrs["tooltip"] = f"{state.name} — {self.translate(SAID[status])}"
        return attrs

    def transition(self, t: TransitionInfo, label: str) -> dict[str, Any]:
        attrs = super().transition(t, label)
        status = transition_status(self.diff, t)
        if status:
            line, _fill = COLOURS[status]
            attrs.update(color=line, fontcolor=line, penwidth="2.5")
            if status == REMOVED:
                attrs["style"] = "dashed"
            attrs["tooltip"] = f"{label} — {self.translate(SAID[status])}"
        return attrs


def _mermaid(diff: Diff, drawn: Any, translate: Translate) -> str:
    for transition in drawn.transitions:
        status = transition_status(diff, transition.info)
        if status:
            transition.event = f"{transition.event} ({translate(SAID[status])})"
    lines = [MermaidRenderer().render(drawn).rstrip("\n")]
    for status, (line, fill) in COLOURS.items():
        dashed = ",stroke-dasharray:5 5" if status == REMOVED else ""
        lines.append(f"    classDef {status} fill:{fill},stroke:{line},stroke-width:2px{dashed}")
    drawn_states = [s.id for s in drawn.states]
    for status in COLOURS:
        states = [s for s in drawn_states if diff.state_status(s) == status]
        if states:
            lines.append(f"    class {','.join(states)} {status}")
    return "\n".join(lines) + "\n"
