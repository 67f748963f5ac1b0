"""Machines kept from one event to the next: building one costs more than the event it takes.

python-statemachine resolves every guard and action of a machine against its model once,
when the machine is built, and keeps them bound to that object: a machine cannot change
models. So a definition keeps each machine it built with its own model, and lends one
pair per event: the model is given the step's context, memory and state, the machine reads
its state from the model, the event is sent, and the model forgets the step before the
pair goes back. A pair whose event raised is not given back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from statemachine import StateChart

from flows.model import FlowModel, StepContext

KEPT = 16  # pairs kept per definition: more than a worker's threads ever send at once


@dataclass(frozen=True)
class Ran:
    """What a step left on its model once the machine took (or refused) the event."""

    state: str
    memory: dict[str, Any]
    errors: dict[str, str]
    details: dict[str, dict[str, dict[str, str]]]
    customer_id: int | None
    client: dict[str, str]
    told: dict[str, str]
    taken: bool


class Machines:
    """One definition's machines, each with its model, lent one event at a time."""

    def __init__(self, machine: type[StateChart[Any]], model: type[FlowModel]) -> None:
        self._machine = machine
        self._model = model
        # list.pop and list.append are atomic: two threads never get the same pair.
        self._free: list[tuple[StateChart[Any], FlowModel]] = []

    def send(
        self,
        ctx: StepContext,
        memory: dict[str, Any],
        state: str,
        event: str,
        fields: dict[str, Any],
    ) -> Ran:
        """Send EVENT with its FIELDS to an instance in STATE with MEMORY, in CTX's step."""
        with self._lend(ctx, memory, state) as (machine, model):
            machine.send(event, fields=fields)  # guards and actions take them as `fields`
            return Ran(
                model.state,
                model.memory,
                model.errors,
                model.details,
                model.customer_id,
                model.client,
                model.told,
                model.taken,
            )

    @contextmanager
    def _lend(
        self, ctx: StepContext, memory: dict[str, Any], state: str
    ) -> Iterator[tuple[StateChart[Any], FlowModel]]:
        try:
            machine, model = self._free.pop()
        except IndexError:
            model = self._model(ctx, memory, state)
            machine = self._machine(model=model)
        else:
            model.take(ctx, memory, state)
            machine.history_values.clear()
            if machine.is_terminated:
                # A top-level final state stops the machine's engine for good; a new one,
                # as the library itself gives a machine it restores from a pickle.
                machine._engine = machine._get_engine()  # type: ignore[no-untyped-call]
        yield machine, model
        model.forget()
        if len(self._free) < KEPT:
            self._free.append((machine, model))
