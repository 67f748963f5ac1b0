"""A procedure's diagram with human labels, in the reader's language: SVG, DOT, Mermaid, Markdown.

The graph is python-statemachine's diagram model built from our Definition (labels in
place of ids, guards in plain words, internal transitions drawn as loops) and rendered
by the library's DOT and Mermaid renderers; SVG comes from Graphviz ``dot``. Node names
are the state ids; SVG elements carry ``state-ID`` and ``t--SOURCE--EVENT--TARGET`` ids
so the page and the heatmap address them. The output is the same on every run.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from xml.etree import ElementTree

import pydot
from statemachine.contrib.diagram.graphviz import run_graphviz
from statemachine.contrib.diagram.model import (
    DiagramGraph,
    DiagramState,
    DiagramTransition,
    StateType,
)
from statemachine.contrib.diagram.renderers.dot import DotRenderer, DotRendererConfig
from statemachine.contrib.diagram.renderers.mermaid import MermaidRenderer

from flows.access import CUSTOMER, ROLE_LABELS
from flows.analysis.heatmap import Heat
from flows.analysis.traceability import transition_steps
from flows.definition import Definition, TransitionInfo
from flows.reasons import N_

Translate = Callable[[str], str]
FORMATS = ("svg", "dot", "mermaid", "md")
# ColorBrewer "Oranges": light to dark, one colour per heat level 1..5.
PALETTE = ("#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
COLD = "#9a9a9a"  # an edge nothing took in the period
HERE = "#0b6e62"  # the state an instance stands in (the site's accent, white text)
LEVELS = len(PALETTE)
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", XLINK)
# The library names two helper elements after id() of a Python object: stable names instead.
_RUN_IDS = re.compile(r"\b(__initial|cluster___atomic)_\d+")


def _same(text: str) -> str:
    return text


def level(count: int, top: int) -> int:
    """Heat level 0 (nothing) to LEVELS (as many as the most), in proportion to TOP."""
    if count <= 0 or top <= 0:
        return 0
    return min(LEVELS, math.ceil(LEVELS * count / top))


def state_levels(heat: Heat) -> dict[str, int]:
    """Each state's heat level: by the larger of its entries and its instances there now."""
    counts = {
        s: max(heat.entered.get(s, 0), heat.here.get(s, 0)) for s in {*heat.entered, *heat.here}
    }
    top = max(counts.values(), default=0)
    return {s: level(n, top) for s, n in counts.items()}


def edge_id(t: TransitionInfo) -> str:
    return f"t--{t.source}--{t.event}--{t.target}"


def render(
    definition: Definition,
    fmt: str,
    *,
    translate: Translate = _same,
    heat: Heat | None = None,
    here: str | None = None,
) -> str:
    """The diagram of DEFINITION in FMT (one of FORMATS), labels through TRANSLATE; HERE,
    a state to show as where an instance stands."""
    if fmt == "md":
        return transition_table(definition, translate)
    drawn = graph(definition, translate)
    if fmt == "mermaid":
        return MermaidRenderer().render(drawn)
    dot = dot_source(definition, drawn, Paint(definition, translate, heat, here))
    if fmt == "dot":
        return dot
    if fmt == "svg":
        return svg_of(dot, translate(definition.label))
    raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")


@dataclass
class _Transition(DiagramTransition):
    """The library's transition, remembering which of ours it draws."""

    info: TransitionInfo | None = None


def event_label(definition: Definition, event: str, translate: Translate) -> str:
    """An event's label, and who sends it when that is staff ("Answer (agent)")."""
    info = definition.events[event]
    label = translate(info.label)
    if info.system or info.by == (CUSTOMER,):
        return label
    return f"{label} ({', '.join(translate(ROLE_LABELS[w]) for w in info.by)})"


def graph(definition: Definition, translate: Translate) -> DiagramGraph:
    """The library's diagram model of DEFINITION, its labels through TRANSLATE."""
    states = [
        DiagramState(
            id=s.id,
            name=translate(s.label),
            type=StateType.FINAL if s.final else StateType.REGULAR,
            is_initial=s.initial,
        )
        for s in definition.states.values()
    ]
    transitions: list[DiagramTransition] = [
        _Transition(
            source=t.source,
            targets=[t.target],
            event=event_label(definition, t.event, translate),
            # One condition for the library's renderers: a guard's words may hold commas.
            guards=["; ".join(translate(definition.guards[g].label) for g in t.guards)]
            if t.guards
            else [],
            info=t,
        )
        for t in definition.transitions
    ]
    return DiagramGraph(name=definition.name, states=states, transitions=transitions)


def dot_source(definition: Definition, drawn: DiagramGraph, paint: Paint) -> str:
    """DOT of DRAWN, each node and edge with what PAINT gives it (ids, tooltips, colours)."""
    config = DotRendererConfig(
        font_name="Helvetica", state_font_size="11", transition_font_size="9"
    )
    dot = _Renderer(config, paint).render(drawn)
    dot.set("label", paint.translate(definition.label))
    dot.set("labelloc", "t")
    return _RUN_IDS.sub(r"\1", dot.to_string())


class _Renderer(DotRenderer):
    """The library's renderer; each node and edge also gets its id, tooltip and heat."""

    def __init__(self, config: DotRendererConfig, paint: Paint) -> None:
        super().__init__(config)
        self.paint = paint

    def _create_atomic_node(self, state: DiagramState) -> pydot.Node:
        node = super()._create_atomic_node(state)
        for name, value in self.paint.state(state).items():
            node.set(name, value)
        return node

    def _create_edges(self, transition: DiagramTransition) -> list[pydot.Edge]:
        assert isinstance(transition, _Transition) and transition.info is not None
        # Guards in plain words are sentences: wrapped, not one line across the page.
        guards = self.paint.guards(transition.info)
        lines = [line for g in guards for line in textwrap.wrap(f"[{g}]", 38)]
        cond_html = "".join(f"<br/>{escape(line, quote=False)}" for line in lines)
        edge = self._create_single_edge(transition, transition.targets[0], 0, cond_html)
        for name, value in self.paint.transition(transition.info, transition.event).items():
            edge.set(name, value)
        return [edge]


class Paint:
    """Ids, tooltips and, with a heat, colour and thickness by count."""

    def __init__(
        self,
        definition: Definition,
        translate: Translate,
        heat: Heat | None,
        here: str | None = None,
    ) -> None:
        self.definition = definition
        self.translate = translate
        self.heat = heat
        self.here = here
        self.levels = state_levels(heat) if heat else {}
        # Rejections are counted per state and event: told once, on the first of its arrows.
        self.told: set[tuple[str, str]] = set()
        self.top_edge = max([*heat.taken.values(), 0]) if heat else 0

    def guards(self, t: TransitionInfo) -> list[str]:
        return [self.translate(self.definition.guards[g].label) for g in t.guards]

    def state(self, state: DiagramState) -> dict[str, Any]:
        attrs: dict[str, Any] = {"id": f"state-{state.id}", "tooltip": state.name}
        if state.id == self.here:
            attrs["tooltip"] = self.translate(N_("Here now: %(state)s")) % {"state": state.name}
            attrs.update(fillcolor=HERE, fontcolor="white", penwidth="3")
        if self.heat is None:
            return attrs
        entered = self.heat.entered.get(state.id, 0)
        here = self.heat.here.get(state.id, 0)
        attrs["tooltip"] = "\n".join(
            [
                state.name,
                self.translate(N_("Entered: %(count)s")) % {"count": entered},
                self.translate(N_("Here now: %(count)s")) % {"count": here},
            ]
        )
        heat = self.levels.get(state.id, 0)
        if heat:
            attrs["fillcolor"] = PALETTE[heat - 1]
            attrs["fontcolor"] = "white" if heat >= LEVELS - 1 else "black"
        return attrs

    def transition(self, t: TransitionInfo, label: str) -> dict[str, Any]:
        attrs: dict[str, Any] = {"id": edge_id(t), "tooltip": label}
        if self.heat is None:
            return attrs
        taken = self.heat.taken.get((t.source, t.event, t.target), 0)
        rejected = self.heat.rejected.get((t.source, t.event), 0)
        attrs["tooltip"] = "\n".join(
            [
                label,
                self.translate(N_("Taken: %(count)s")) % {"count": taken},
                self.translate(N_("Rejected: %(count)s")) % {"count": rejected},
            ]
        )
        heat = level(taken, self.top_edge)
        attrs["color"] = PALETTE[heat - 1] if heat else COLD
        attrs["penwidth"] = f"{1 + 1.5 * heat:.1f}"
        if rejected and (t.source, t.event) not in self.told:
            # Beside the source: refused on the way out of it.
            self.told.add((t.source, t.event))
            attrs["taillabel"] = f"✕ {rejected}"
            attrs.update(labelfontcolor="#b3261e", labelfontsize="10", labeldistance="2.5")
            attrs["labelangle"] = "-35"
        return attrs


def transition_table(definition: Definition, translate: Translate = _same) -> str:
    """Markdown: source, event, guards in plain words with their reasons, target, FAQ steps."""
    headers = [N_("From"), N_("Event"), N_("Guards"), N_("Rejection reasons"), N_("To")]
    rows = [[translate(h) for h in headers] + [translate(N_("FAQ steps"))]]
    for t in definition.transitions:
        guards = [definition.guards[g] for g in t.guards]
        rows.append(
            [
                translate(definition.states[t.source].label),
                event_label(definition, t.event, translate),
                "; ".join(translate(g.label) for g in guards) or "—",
                ", ".join(
                    f"`{r}` {translate(definition.reason_message(r))}"
                    for g in guards
                    for r in g.reasons
                )
                or "—",
                translate(definition.states[t.target].label),
                ", ".join(transition_steps(definition, t)) or "—",
            ]
        )
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return f"# {translate(definition.label)} ({definition.name} {definition.version})\n\n" + (
        "\n".join(lines) + "\n"
    )


def svg_of(dot: str, title: str) -> str:
    """The SVG Graphviz draws of DOT, its hover texts moved where every browser shows them.

    Graphviz puts a tooltip in ``<a xlink:title>``, which Chromium ignores, and titles
    each group with its DOT name: the group's ``<title>`` gets the tooltip instead. The
    result is a bare ``<svg>`` element, fit to download or to place in a page.
    """
    root = ElementTree.fromstring(run_graphviz(dot, "svg"))  # noqa: S314 - our own Graphviz output
    for group in root.iter(f"{{{SVG}}}g"):
        heading = group.find(f"{{{SVG}}}title")
        if heading is None:
            continue
        link = group.find(f".//{{{SVG}}}a")
        if group.get("class") == "graph":
            heading.text = title
        elif link is not None and link.get(f"{{{XLINK}}}title"):
            heading.text = link.attrib.pop(f"{{{XLINK}}}title")
        else:  # the start dot, its arrow, the layout's cluster: nothing to tell
            group.remove(heading)
    # Registered again here: another library imported later (WeasyPrint's metadata)
    # registers its own "" namespace, which takes SVG's away (ns0: prefixes).
    ElementTree.register_namespace("", SVG)
    return ElementTree.tostring(root, encoding="unicode") + "\n"
