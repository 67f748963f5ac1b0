"""Which FAQ question and step each state and transition implements, and what is missing.

The FAQ (flows/faq.yaml) numbers each procedure's steps as PROCEDURES.md does; a
definition names its section (``faq_section``) and each state the steps it implements
(``faq_steps``), or marks the state ``technical``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from flows.analysis import faq
from flows.definition import Definition, TransitionInfo
from flows.reasons import N_


@dataclass(frozen=True)
class StepTrace:
    step: faq.Step
    states: tuple[str, ...]  # ids of the states that implement it
    procedure: str | None = None  # the procedure whose states they are


@dataclass(frozen=True)
class SectionTrace:
    question: faq.Question
    procedure: str | None
    built: bool
    steps: tuple[StepTrace, ...]


@dataclass(frozen=True)
class Problem:
    """A traceability failure: an English msgid and its values."""

    message: str
    values: dict[str, str] = field(default_factory=dict)

    def english(self) -> str:
        return self.message % self.values


def transition_steps(definition: Definition, t: TransitionInfo) -> tuple[str, ...]:
    """The FAQ steps a transition carries out: its source state's; none for system events."""
    if definition.events[t.event].system:
        return ()
    return definition.states[t.source].faq_steps


def states_for_step(definition: Definition, step: str) -> tuple[str, ...]:
    return tuple(s.id for s in definition.states.values() if step in s.faq_steps)


def sections(definitions: Collection[Definition]) -> list[SectionTrace]:
    """Every procedure section of the FAQ, with the states implementing each step."""
    by_name = {d.name: d for d in definitions}
    traces = []
    for question in faq.questions():
        if question.section is None:
            continue
        steps = []
        for s in question.steps:
            name = faq.procedure_of(question, s)
            definition = by_name.get(name or "")
            states = states_for_step(definition, s.step) if definition else ()
            steps.append(StepTrace(s, states, name))
        built = question.procedure in by_name
        traces.append(SectionTrace(question, question.procedure, built, tuple(steps)))
    return traces


def problems(definition: Definition) -> list[Problem]:
    """Steps of its FAQ section no state implements, and states that claim nothing."""
    found = [
        Problem(
            N_("State %(state)s claims no FAQ step and is not marked technical"), {"state": s.id}
        )
        for s in definition.states.values()
        if not s.faq_steps and not s.technical
    ]
    claimed = {step: s.id for s in definition.states.values() for step in s.faq_steps}
    if definition.faq_section is None:
        return found + [
            Problem(
                N_("State %(state)s claims step %(step)s, but the procedure names no FAQ section"),
                {"state": state, "step": step},
            )
            for step, state in claimed.items()
        ]
    question = faq.section(definition.faq_section)
    steps = faq.steps_of(question, definition.name) if question else []
    if question is None or not steps:
        return [
            *found,
            Problem(
                N_("FAQ section %(section)s does not name this procedure"),
                {"section": str(definition.faq_section)},
            ),
        ]
    found += [
        Problem(N_("FAQ step %(step)s has no state"), {"step": step})
        for step in steps
        if step not in claimed
    ]
    found += [
        Problem(
            N_("State %(state)s claims step %(step)s, which the FAQ section does not have"),
            {"state": state, "step": step},
        )
        for step, state in claimed.items()
        if step not in steps
    ]
    return found
