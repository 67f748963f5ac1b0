"""A procedure's diagram, drawn by python-statemachine's renderers (SVG through Graphviz)."""

from __future__ import annotations

from statemachine.contrib.diagram import formatter

from flows.definition import Definition

# Format name -> media type, for whoever serves the diagram.
FORMATS: dict[str, str] = {
    "svg": "image/svg+xml",
    "dot": "text/vnd.graphviz",
    "mermaid": "text/plain",
    "md": "text/markdown",
}


def render(definition: Definition, fmt: str) -> str:
    """The diagram of DEFINITION in FMT; raises ValueError for a format not in FORMATS.

    SVG needs Graphviz's ``dot`` (statemachine's GraphvizError when it is missing).
    DOT output carries ``id()``-based node names: compare Mermaid or Markdown instead.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return formatter.render(definition.machine, fmt)
