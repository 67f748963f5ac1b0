"""Each state and transition traced to the FAQ step it implements; what is missing fails."""

from __future__ import annotations

from flows.analysis import traceability
from flows.definition import compile_definition
from flows.registry import DEFINITIONS, Registry

REGISTRY = Registry()


def test_every_built_procedure_traces_to_its_faq_section() -> None:
    for definition in REGISTRY:
        assert traceability.problems(definition) == [], definition.name


def test_a_missing_step_and_a_state_claiming_nothing_fail() -> None:
    document = (DEFINITIONS / "registration.yaml").read_text()
    document = document.replace("      faq_steps: [2]\n", "")
    broken = compile_definition(document, REGISTRY.get("registration").model, REGISTRY.steps)
    assert [p.english() for p in traceability.problems(broken)] == [
        "State awaiting_activation claims no FAQ step and is not marked technical",
        "FAQ step 2 has no state",
    ]


def test_sections_show_each_step_with_its_states_and_what_is_not_built() -> None:
    sections = {s.question.section: s for s in traceability.sections(list(REGISTRY))}
    registration = sections[1]
    assert registration.built and registration.procedure == "registration"
    assert [(t.step.step, t.states) for t in registration.steps] == [
        ("0", ("details",)),
        ("1", ("details",)),
        ("2", ("awaiting_activation",)),
        ("3", ("activated",)),
    ]
    association = sections[3]
    assert association.built and association.procedure == "account_association"
    assert [(t.step.step, t.states) for t in association.steps] == [
        ("1", ("identifying", "locked")),
        ("1a", ("identifying",)),
        ("2", ("choosing_channel",)),
        ("3", ("choosing_channel",)),
        ("4", ("code_sent", "linked")),
    ]


def test_secure_messaging_is_built_by_the_form_and_the_conversation_it_starts() -> None:
    messages = {s.question.section: s for s in traceability.sections(list(REGISTRY))}[4]
    assert messages.built and messages.procedure == "secure_message"
    assert [(t.step.step, t.procedure, t.states) for t in messages.steps] == [
        ("1", "secure_message", ("composing",)),
        ("2", "secure_message", ("composing",)),
        ("3", "secure_message", ("composing",)),
        ("4", "secure_message", ("composing", "sent")),
        ("later", "conversation", ("waiting", "answered")),
    ]
    conversation = REGISTRY.get("conversation")
    assert traceability.problems(conversation) == []
    document = conversation.document.replace("faq_steps: [later]", "faq_steps: [2]")
    broken = compile_definition(document, conversation.model)
    assert [p.english() for p in traceability.problems(broken)] == [
        "FAQ step later has no state",
        "State answered claims step 2, which the FAQ section does not have",
    ]


def test_a_transition_carries_out_its_source_states_steps() -> None:
    registration = REGISTRY.get("registration")
    steps = {
        (t.source, t.event): traceability.transition_steps(registration, t)
        for t in registration.transitions
    }
    assert steps[("details", "submit")] == ("0", "1")
    assert steps[("awaiting_activation", "activate")] == ("2",)
    assert steps[("details", "expire")] == ()  # the system's, not the FAQ's
