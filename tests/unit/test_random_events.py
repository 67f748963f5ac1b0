"""Random events with random data, on every procedure: nothing breaks an instance.

Whatever is sent (declared events, unknown or junk names, data from the field specs, wrong
types, control characters, huge strings), by whoever, at whatever time, the engine answers
without raising, the instance stays in a state of its definition, and replaying the
audit trail's taken transitions from the initial state reaches the stored state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.access import SYSTEM, Principal
from flows.definition import Definition
from flows.fields import FIELD_TYPES, Upload
from flows.registry import Registry
from tests import paths
from tests.factories import TESTER
from tests.paths.document_upload import PDF
from web.services import Services

REGISTRY = Registry()
JUNK_EVENTS = ["", "nonsense", "submit\x00", "é" * 3, "x" * 200, "start", "expire "]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),  # control characters
    st.just("x" * 100_000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
WAITS = st.sampled_from([timedelta(seconds=1), timedelta(seconds=61), timedelta(hours=3)])


def value(spec_type: str, choices: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """A value of the declared type (sometimes), or junk."""
    max_length = FIELD_TYPES[spec_type][0]
    typed: st.SearchStrategy[Any] = st.text(max_size=max_length + 2)
    if choices:
        typed = st.sampled_from(choices)
    elif spec_type == "email":
        typed = st.emails()
    elif spec_type == "boolean":
        typed = st.booleans()
    elif spec_type == "code":
        typed = st.from_regex(r"[0-9]{6}", fullmatch=True)
    elif spec_type == "id":
        typed = st.integers(min_value=-1, max_value=2**64).map(str)
    elif spec_type == "file":
        content = st.one_of(st.binary(max_size=40), st.just(PDF))
        typed = st.lists(st.builds(Upload, st.text(max_size=20), content), max_size=4)
    return st.one_of(typed, JUNK)


def data(definition: Definition) -> st.SearchStrategy[dict[str, Any]]:
    specs = {n: s for e in definition.events.values() for n, s in e.fields.items()}
    return st.fixed_dictionaries(
        {},
        optional={name: value(spec.type, spec.choices) for name, spec in specs.items()},
    )


PROPERTY = Principal.tester("property")


def steps(definition: Definition) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    events = st.sampled_from([*definition.events, *JUNK_EVENTS])
    actors = st.sampled_from([PROPERTY, PROPERTY, SYSTEM])
    one = st.one_of(
        st.tuples(st.just("send"), events, data(definition), actors),
        st.tuples(st.just("good"), st.integers(0, 9)),  # the test plan's data, to get further
        st.tuples(st.just("wait"), WAITS),
        st.tuples(st.just("sweep")),
    )
    return st.lists(one, max_size=8)


def apply(walk: paths.Walk, step: tuple[Any, ...]) -> None:
    engine = walk.services.engine
    kind = step[0]
    if kind == "send":
        engine.send(walk.id, step[1], step[2], by=step[3])
    elif kind == "good":
        state = engine.snapshot(walk.id, by=TESTER).state
        here = [
            (key[1], make)
            for key, make in paths.steps_for(walk.definition).items()
            if key[0] == state
        ]
        if here:
            event, make = here[step[1] % len(here)]
            engine.send(walk.id, event, make(walk), by=walk.actor(event))
    elif kind == "wait":
        walk.advance(step[1])
    else:
        engine.sweep()


def check(walk: paths.Walk) -> None:
    definition = walk.definition
    stored = walk.services.engine.snapshot(walk.id, by=TESTER)
    assert stored.state in definition.states
    replayed = definition.initial
    for record in walk.services.engine.history(walk.id, by=TESTER):
        assert record["source"] in definition.states
        if record["outcome"] == "taken" and record["event"] != "start":
            assert record["source"] == replayed, record
            assert record["target"] in definition.states
            replayed = record["target"]
    assert replayed == stored.state


@pytest.mark.parametrize("definition", list(REGISTRY), ids=lambda d: d.name)
def test_random_events_never_break_an_instance(services: Services, definition: Definition) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps(definition))
    def run(plan: list[tuple[Any, ...]]) -> None:
        walk = paths.Walk(services, services.registry.get(definition.name))
        for step in plan:
            apply(walk, step)
            assert walk.services.engine.snapshot(walk.id, by=TESTER).state in definition.states
        check(walk)

    run()
