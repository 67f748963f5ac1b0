"""Every definition in flows/definitions/: valid, sound, bound to its model and screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from statemachine.io import load

from flows import lint
from flows.analysis import faq
from flows.definition import Definition, compile_definition, parse
from flows.registry import DEFINITIONS, Registry, model_for

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
FILES = sorted(DEFINITIONS.glob("*.yaml"))
REGISTRY = Registry()


def test_there_are_definitions() -> None:
    assert FILES, "flows/definitions/ holds the procedures"


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_schema_valid_in_secure_mode(definition: Definition) -> None:
    import json

    document = parse(definition.document)  # with its shared steps written in
    # The same call the engine makes: JSON Schema validation, restricted evaluator.
    machine = load(json.dumps(document["statechart"]), format="json", validate=True)
    assert machine.name == definition.name


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_structure_is_sound(definition: Definition) -> None:
    assert lint.problems(definition) == []


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_every_guard_and_action_is_a_method_of_the_model(definition: Definition) -> None:
    model = model_for(definition.name)
    names = {n for t in definition.transitions for n in t.guards + t.actions}
    assert names, "a procedure has guards or actions"
    for name in names:
        assert callable(getattr(model, name, None)), f"{model.__name__}.{name} is missing"


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_every_state_is_bound_to_an_existing_screen(definition: Definition) -> None:
    for state in definition.states.values():
        for screen in filter(None, [state.screen, state.link_screen]):
            assert (TEMPLATES / screen).is_file(), f"{state.id}: {screen} does not exist"
    for state in definition.states.values():
        if state.link_screen:
            assert definition.link_event(state.id), f"{state.id} has a link screen, no link event"


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_every_state_claims_an_faq_step_or_is_technical(definition: Definition) -> None:
    for state in definition.states.values():
        assert state.faq_steps or state.technical, f"{state.id} claims no FAQ step"


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_every_step_of_its_faq_section_has_a_state(definition: Definition) -> None:
    claimed = {s for state in definition.states.values() for s in state.faq_steps}
    if definition.faq_section is None:
        assert not claimed, "a procedure outside the FAQ claims no step"
        return
    question = faq.section(definition.faq_section)
    assert question is not None
    # The section's own procedure, or one carrying out some of its steps (a conversation).
    steps = set(faq.steps_of(question, definition.name))
    assert steps, f"FAQ section {definition.faq_section} gives {definition.name} no step"
    assert claimed - steps == set(), "states claim steps the FAQ does not have"
    assert steps - claimed == set(), "FAQ steps no state implements"


def test_every_faq_question_is_in_both_languages() -> None:
    assert len(faq.questions()) == 5
    for question in faq.questions():
        for text in (question.question, question.answer):
            assert set(text) == {"fr", "en"} and all(text.values())


def test_lint_finds_unreachable_trap_and_missing_final_states() -> None:
    document = """
statechart:
  name: broken
  states:
    a: {initial: true, transitions: [{event: go, target: b}]}
    b: {transitions: [{event: back, target: a}]}
    c: {final: true}
procedure:
  label: Broken
  route: broken
  states:
    a: {label: A, screen: a.html}
    b: {label: B, screen: b.html}
    c: {label: C, screen: c.html}
  events:
    go: {label: Go}
    back: {label: Back}
"""
    from flows.model import FlowModel

    found = lint.problems(compile_definition(document, FlowModel))
    assert "state 'c' cannot be reached from 'a'" in found
    assert "no final state can be reached" in found
    assert "state 'a' is a trap: no final state can be reached from it" in found


def test_a_guard_the_model_lacks_fails_at_compile_time() -> None:
    from flows.model import FlowModel

    document = (DEFINITIONS / "registration.yaml").read_text()
    with pytest.raises(ValueError, match="has no method 'details_valid'"):
        compile_definition(document, FlowModel, REGISTRY.steps)


def test_the_customers_screens_are_screens_of_its_states() -> None:
    document = (DEFINITIONS / "registration.yaml").read_text()
    model = model_for("registration")
    registration = compile_definition(document, model, REGISTRY.steps)
    assert registration.screen_number("registration/details.html") == (1, 4)
    assert registration.screen_number("steps/activation/activate.html") == (3, 4)
    assert registration.screen_number("flow_expired.html") is None
    unknown = document.replace("- registration/details.html", "- registration/typo.html")
    with pytest.raises(ValueError, match=r"procedure.progress: .*registration/typo.html"):
        compile_definition(unknown, model, REGISTRY.steps)
