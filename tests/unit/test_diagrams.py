"""Diagrams of every definition: human labels, stable output, well-formed SVG, heat.

The Mermaid snapshots in tests/snapshots/ change only when a definition does; after such a
change, regenerate them with `moncompte flows diagram NAME --format mermaid --lang en`.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from flows.analysis import diagrams
from flows.analysis.heatmap import Heat
from flows.definition import Definition
from flows.registry import Registry

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
SVG = "{http://www.w3.org/2000/svg}"
REGISTRY = Registry()
DEFINITIONS = list(REGISTRY)


def texts(svg: str) -> str:
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_mermaid_is_stable(definition: Definition) -> None:
    expected = (SNAPSHOTS / f"{definition.name}.mmd").read_text(encoding="utf-8")
    assert diagrams.render(definition, "mermaid") == expected


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_svg_is_well_formed_and_names_every_state(definition: Definition) -> None:
    svg = diagrams.render(definition, "svg")
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    words = texts(svg)
    for state in definition.states.values():
        assert f"state-{state.id}" in ids
        assert state.label in words
    for t in definition.transitions:
        assert diagrams.edge_id(t) in ids
    assert "<script" not in svg and "style=" not in svg


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_dot_is_the_same_on_every_run_and_named_by_state_ids(definition: Definition) -> None:
    first = diagrams.render(definition, "dot")
    assert first == diagrams.render(definition, "dot")
    assert not re.search(r"_\d{6,}", first), "no id()-based names"
    for state in definition.states:
        assert re.search(rf"^{state} \[label=", first, re.MULTILINE)


def test_labels_are_human_and_guards_in_plain_words() -> None:
    registration = REGISTRY.get("registration")
    mermaid = diagrams.render(registration, "mermaid")
    assert 'state "Registration form" as details' in mermaid
    assert "details --> awaiting_activation : Register [The names are given" in mermaid
    # The loop of "send the e-mail again" is drawn, not hidden inside its state.
    assert "awaiting_activation --> awaiting_activation : Send the activation e-mail" in mermaid
    assert "details_valid" not in mermaid


def test_labels_in_the_readers_language() -> None:
    french = {"Registration form": "Formulaire d'inscription", "Register": "S'inscrire"}
    svg = diagrams.render(
        REGISTRY.get("registration"), "svg", translate=lambda text: french.get(text, text)
    )
    assert "Formulaire d'inscription" in texts(svg) and "S'inscrire" in texts(svg)


def test_the_markdown_table_gives_guards_reasons_and_faq_steps() -> None:
    table = diagrams.render(REGISTRY.get("password_reset"), "md")
    lines = table.splitlines()
    assert lines[2] == "| From | Event | Guards | Rejection reasons | To | FAQ steps |"
    save = next(line for line in lines if "| Save my password |" in line)
    assert "The reset link is the newest one sent" in save
    assert "`password_reused` Choose a password different from your current one." in save
    assert save.endswith("| Password reset | 3 |")


def test_heat_colours_and_thickens_by_count_and_tells_the_numbers() -> None:
    registration = REGISTRY.get("registration")
    heat = Heat(
        entered={"details": 100, "awaiting_activation": 40},
        here={"details": 10, "awaiting_activation": 30},
        taken={("details", "submit", "awaiting_activation"): 40},
        rejected={("details", "submit"): 7},
    )
    svg = diagrams.render(registration, "svg", heat=heat)
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}

    def fill(state: str) -> str | None:
        path = groups[f"state-{state}"].find(f".//{SVG}path")
        assert path is not None
        return path.get("fill")

    assert fill("details") == diagrams.PALETTE[-1]
    assert fill("awaiting_activation") == diagrams.PALETTE[1]
    assert fill("activated") == "white"
    hot = groups["t--details--submit--awaiting_activation"]
    cold = groups["t--details--expire--expired"]
    hot_path, cold_path = hot.find(f".//{SVG}path"), cold.find(f".//{SVG}path")
    assert hot_path is not None and cold_path is not None
    assert float(hot_path.get("stroke-width", 1)) > float(cold_path.get("stroke-width", 1))
    title = hot.find(f"{SVG}title")
    assert title is not None and title.text == "Register\nTaken: 40\nRejected: 7"
    assert "✕ 7" in texts(svg)
    state_title = groups["state-details"].find(f"{SVG}title")
    assert state_title is not None
    assert state_title.text == "Registration form\nEntered: 100\nHere now: 10"


def test_heat_levels() -> None:
    assert [diagrams.level(n, 100) for n in (0, 1, 20, 21, 99, 100)] == [0, 1, 1, 2, 5, 5]
    assert diagrams.level(3, 0) == 0
