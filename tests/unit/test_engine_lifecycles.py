"""What the engine gives a lifecycle that outlives its request: one procedure's step starting
another, an expiry that leads on to a state still taking events, a clock that an internal
transition does not restart."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.access import Principal
from flows.engine import Engine, NotStartable, Outcome
from flows.model import FlowModel
from flows.registry import Registry
from storage.models import FlowVersion
from tests.factories import TESTER
from tests.support import flows_folder
from web.services import Services

ASK = """
statechart:
  name: ask
  states:
    writing:
      initial: true
      transitions:
        - {event: submit, target: sent, on: open_thread}
    sent: {final: true}
procedure:
  label: Ask
  route: ask
  display: [thread]
  states:
    writing: {label: Writing, screen: x.html, technical: true}
    sent: {label: Sent, screen: x.html, technical: true}
  events:
    submit:
      label: Submit
      fields:
        question: {type: text, required: true, audit: plain}
"""

THREAD = """
statechart:
  name: thread
  states:
    open:
      initial: true
      transitions:
        - {event: answer, target: answered}
    answered:
      transitions:
        - {event: peek, target: answered, internal: true}
        - {event: answer, target: answered}
        - {event: expire, target: quiet}
    quiet:
      transitions:
        - {event: answer, target: answered}
        - {event: expire, target: gone}
    gone: {final: true}
procedure:
  label: Thread
  route: thread
  started_by: [ask]
  states:
    open: {label: Open, screen: x.html, technical: true}
    answered: {label: Answered, screen: x.html, technical: true, expires_after: 1d}
    quiet: {label: Quiet, screen: x.html, technical: true, expires_after: 7d}
    gone: {label: Gone, screen: x.html, technical: true}
  events:
    answer: {label: Answer}
    peek: {label: Peek}
    expire: {label: Expire, system: true}
"""


class Ask(FlowModel):
    def open_thread(self, fields: Mapping[str, Any]) -> None:
        self.memory["thread"] = self.start("thread", {"question": fields["question"]})


class Thread(FlowModel):
    pass


@pytest.fixture
def engine(services: Services, tmp_path: Path) -> Engine:
    folder = flows_folder(tmp_path, ask=ASK, thread=THREAD)
    registry = Registry([folder], models={"ask": Ask, "thread": Thread})
    return Engine(registry, services.db, services.mailer, services.clock, lambda: "http://x/")


def thread_of(engine: Engine, customer_id: int | None = None) -> str:
    ask = engine.start("ask", by=TESTER, language="en", customer_id=customer_id)
    result = engine.send(ask.id, "submit", {"question": "Why?"}, by=TESTER)
    assert result.ok
    thread_id = str(result.snapshot.display["thread"])
    return thread_id


def test_a_step_starts_another_procedure_in_its_transaction_by_its_actor(engine: Engine) -> None:
    thread_id = thread_of(engine)
    snapshot = engine.snapshot(thread_id, by=TESTER)
    assert (snapshot.flow, snapshot.state, snapshot.language) == ("thread", "open", "en")
    [start] = engine.history(thread_id, by=TESTER)
    assert (start["event"], start["actor"]) == ("start", "test")
    with engine.db.read() as session:  # its version is kept, so it can finish on it
        assert session.get(FlowVersion, ("thread", snapshot.version)) is not None


def test_a_procedure_started_by_another_cannot_be_started_alone(engine: Engine) -> None:
    with pytest.raises(NotStartable):
        engine.start("thread", by=Principal.tester("api"), language="fr")


def test_an_expiry_that_leads_on_lets_the_event_be_judged_there(
    engine: Engine, services: Services
) -> None:
    thread_id = thread_of(engine)
    assert engine.send(thread_id, "answer", by=TESTER).ok
    services.clock.advance(timedelta(days=2))  # answered for a day: quiet, not swept yet
    result = engine.send(thread_id, "answer", by=TESTER)
    assert result.outcome is Outcome.TAKEN and result.snapshot.state == "answered"
    events = [
        (r["event"], r["source"], r["target"], r["actor"])
        for r in engine.history(thread_id, by=TESTER)
    ]
    assert events[-2:] == [
        ("expire", "answered", "quiet", "system"),
        ("answer", "quiet", "answered", "test"),
    ]


def test_an_expiry_into_a_final_state_still_refuses_the_event(
    engine: Engine, services: Services
) -> None:
    thread_id = thread_of(engine)
    engine.send(thread_id, "answer", by=TESTER)
    services.clock.advance(timedelta(days=2))
    assert engine.sweep() == 1  # answered → quiet
    services.clock.advance(timedelta(days=8))
    result = engine.send(thread_id, "answer", by=TESTER)
    assert result.outcome is Outcome.EXPIRED and result.snapshot.state == "gone"


def test_an_internal_transition_does_not_restart_the_states_clock(
    engine: Engine, services: Services
) -> None:
    thread_id = thread_of(engine)
    answered = engine.send(thread_id, "answer", by=TESTER).snapshot
    services.clock.advance(timedelta(hours=5))
    peeked = engine.send(thread_id, "peek", by=TESTER).snapshot
    assert peeked.expires_at == answered.expires_at
    again = engine.send(thread_id, "answer", by=TESTER).snapshot
    assert again.expires_at is not None and answered.expires_at is not None
    assert again.expires_at - answered.expires_at >= timedelta(hours=5)
