"""Test plans generated from the definitions: a shortest path to every transition.

Each procedure has a module here, named after it (``tests/paths/registration.py``), whose
``STEPS`` map a (state, event) to a function giving the data that satisfies the guards
there — or a (state, event, target) where one event leads to several targets, the
function then also making the records that send it there. System events are not in it:
``expire`` is reached by moving the clock past the instance's expiry and sweeping, any
other system event is sent as the system. A procedure that another's step starts
(``started_by``) has ``start(walk) -> Snapshot`` there. The test plan sends in the
customer's place, and a staff member of the role an event names (``by:``) sends it.
"""

from __future__ import annotations

import importlib
import secrets
from collections import deque
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from flows.access import CUSTOMER, SYSTEM, Principal
from flows.definition import Definition, TransitionInfo
from flows.engine import Snapshot
from storage import contracts
from storage.models import OutboxMessage
from tests.factories import TESTER, staff_member
from tests.support import token_of
from web.services import Services

ACTOR = Principal.tester("test-plan")
Step = Callable[["Walk"], dict[str, Any]]
Steps = Mapping[tuple[str, ...], Step]


def shortest_paths(definition: Definition) -> dict[str, list[TransitionInfo]]:
    """For each reachable state, the fewest transitions that lead there from the initial one."""
    paths: dict[str, list[TransitionInfo]] = {definition.initial: []}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for t in definition.transitions:
            if t.source == state and t.target not in paths:
                paths[t.target] = [*paths[state], t]
                queue.append(t.target)
    return paths


def plan(definition: Definition) -> list[list[TransitionInfo]]:
    """One path per transition: the shortest way to its source, then the transition."""
    paths = shortest_paths(definition)
    return [[*paths[t.source], t] for t in definition.transitions if t.source in paths]


def module_for(definition: Definition) -> Any:
    """tests/paths/NAME.py; a procedure without its module fails the test, saying so."""
    try:
        return importlib.import_module(f"{__name__}.{definition.name}")
    except ModuleNotFoundError:
        pytest.fail(
            f"procedure {definition.name!r} has no test data: add tests/paths/"
            f"{definition.name}.py with STEPS = {{(state, event): data function}} "
            "(see tests/paths/registration.py)",
            pytrace=False,
        )


def steps_for(definition: Definition) -> Steps:
    """The procedure's STEPS: for each (state, event), the data that passes its guards."""
    steps: Steps = module_for(definition).STEPS
    return steps


class Walk:
    """One instance driven along a path, with what a step's data may need."""

    def __init__(self, services: Services, definition: Definition) -> None:
        self.services = services
        self.definition = definition
        # A signed-in customer's own procedure, or staff's for a customer, starts with one:
        # tests/paths/NAME.customer.
        module = module_for(definition)
        has_customer = definition.audience in ("customer", "staff")
        self.customer_id = module.customer(services) if has_customer else None
        self.snapshot: Snapshot = (
            module.start(self)
            if definition.started_by
            else services.engine.start(
                definition.name, by=ACTOR, language="fr", customer_id=self.customer_id
            )
        )
        self._staff: dict[str, Principal] = {}

    def actor(self, event: str) -> Principal:
        """Who sends EVENT along the plan: the test plan in the customer's place, or a staff
        member of the role the event names (by:)."""
        by = self.definition.events[event].by
        if CUSTOMER in by:
            return ACTOR
        role = by[0]
        if role not in self._staff:
            email = f"{role}.{secrets.token_hex(4)}@servicesfinanciersmini.ca"
            self._staff[role] = Principal.staff(staff_member(self.services, email, role=role), role)
        return self._staff[role]

    @property
    def id(self) -> str:
        return self.snapshot.id

    def advance(self, delta: timedelta) -> None:
        self.services.clock.advance(delta)

    def extras(self) -> dict[str, Any]:
        """What the newest message sent for this instance carries (link, code), if any."""
        with self.services.db.read() as session:
            message = session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.instance_id == self.id)
                .order_by(OutboxMessage.id.desc())
            )
        return dict(message.extras) if message else {}

    def passkey_options(self) -> str:
        """The passkey options the instance hands out now ("" when none)."""
        snapshot = self.services.engine.snapshot(self.id, by=TESTER)
        return str(snapshot.display.get("passkey_options") or "")

    def customer_contracts(self) -> list[int]:
        with self.services.db.read() as session:
            return [c.id for c in contracts.of_customer(session, self.customer_id or 0)]

    def link_token(self) -> str:
        """The token of the newest e-mailed link ("" when none was sent: a rejection)."""
        return token_of(str(self.extras().get("link", "")))

    def take(self, transition: TransitionInfo, steps: Steps) -> None:
        assert self.snapshot.state == transition.source
        event = self.definition.events[transition.event]
        if event.system:
            self._system(transition)
        else:
            t = transition
            step = steps.get((t.source, t.event, t.target)) or steps.get((t.source, t.event))
            if step is None:
                pytest.fail(
                    f"tests/paths/{self.definition.name}.py: STEPS has no data for "
                    f"({transition.source!r}, {transition.event!r})",
                    pytrace=False,
                )
            data = step(self)
            result = self.services.engine.send(self.id, event.id, data, by=self.actor(event.id))
            assert result.ok, f"{transition}: {result.outcome} {result.errors}"
            self.snapshot = result.snapshot
        assert self.snapshot.state == transition.target

    def _system(self, transition: TransitionInfo) -> None:
        engine = self.services.engine
        expires_at = self.snapshot.expires_at
        if transition.event == "expire" and expires_at is not None:
            self.advance(expires_at - self.services.clock() + timedelta(seconds=1))
            assert engine.sweep() >= 1
            self.snapshot = engine.snapshot(self.id, by=TESTER)
        else:
            result = engine.send(self.id, transition.event, {}, by=SYSTEM)
            assert result.ok, f"{transition}: {result.outcome} {result.errors}"
            self.snapshot = result.snapshot
