"""Every transition of every definition, taken along the shortest path that reaches it."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from flows.definition import Definition, TransitionInfo
from flows.registry import Registry
from tests import paths
from tests.factories import TESTER
from tests.support import flows_folder
from tests.unit.test_engine import TOY, Toy
from web.services import Services

REGISTRY = Registry()
CASES = [(d, t) for d in REGISTRY for t in d.transitions]


def label(value: object) -> str:
    if isinstance(value, Definition):
        return value.name
    assert isinstance(value, TransitionInfo)
    return f"{value.source}-{value.event}-{value.target}"


@pytest.mark.parametrize(("definition", "transition"), CASES, ids=label)
def test_every_transition_can_be_taken(
    services: Services, definition: Definition, transition: TransitionInfo
) -> None:
    steps = paths.steps_for(definition)
    [path] = [p for p in paths.plan(definition) if p[-1] == transition]
    walk = paths.Walk(services, definition)
    for step in path:
        walk.take(step, steps)
    history = services.engine.history(walk.id, by=TESTER)
    assert history[-1]["outcome"] == "taken" and history[-1]["target"] == transition.target


def test_the_plan_reaches_every_transition_by_a_shortest_path() -> None:
    for definition in REGISTRY:
        plan = paths.plan(definition)
        assert [p[-1] for p in plan] == list(definition.transitions)
        for path in plan:
            assert path[0].source == definition.initial
            assert all(a.target == b.source for a, b in pairwise(path))
    registration = paths.plan(REGISTRY.get("registration"))
    assert [[t.event for t in p] for p in registration] == [
        ["submit"],
        ["expire"],
        ["submit", "activate"],
        ["submit", "resend"],
        ["submit", "expire"],
    ]


def test_a_procedure_without_test_data_fails_saying_what_to_add(tmp_path: Path) -> None:
    folder = flows_folder(tmp_path, toy=TOY)
    toy = Registry([folder], models={"toy": Toy}).get("toy")
    with pytest.raises(pytest.fail.Exception, match=r"add tests/paths/toy\.py with STEPS"):
        paths.steps_for(toy)
