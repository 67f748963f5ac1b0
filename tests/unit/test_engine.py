"""The generic engine, on a small procedure of its own (any procedure runs unchanged)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from flows.access import Principal
from flows.engine import Engine, Outcome, UnknownInstance
from flows.model import FlowModel
from flows.registry import Registry
from storage.models import AuditRecord, FlowInstance, OutboxMessage
from tests.factories import TESTER
from tests.support import flows_folder
from web.services import Services

TOY = """
statechart:
  name: toy
  states:
    asking:
      initial: true
      transitions:
        - {event: answer, target: waiting, cond: said_yes, on: write_note}
        - {event: expire, target: expired}
    waiting:
      transitions:
        - {event: finish, target: done}
        - {event: expire, target: expired}
    done: {final: true}
    expired: {final: true}
procedure:
  label: Toy
  route: toy
  states:
    asking: {label: Asking, screen: toy.html, expires_after: 10m}
    waiting: {label: Waiting, screen: toy.html, expires_after: 1h}
    done: {label: Done, screen: toy.html}
    expired: {label: Expired, screen: toy.html, technical: true}
  events:
    answer:
      label: Answer
      fields:
        word: {type: string, required: true, audit: plain}
        secret: {type: password}
        explode: {type: boolean, audit: plain}
    finish: {label: Finish}
    expire: {label: Expire, system: true}
  guards:
    said_yes: {label: The word is yes, reasons: [not_yes]}
"""


class Toy(FlowModel):
    def said_yes(self, fields: Mapping[str, Any]) -> bool:
        return fields["word"] == "yes" or self.reject("word", "not_yes")

    def write_note(self, fields: Mapping[str, Any]) -> None:
        self.memory["noted"] = True
        values = {"first_name": "N", "login_url": "x", "reset_url": "y"}
        self.mail("registration/email_already", "note@example.com", values, language="en")
        self.client["ticket"] = f"ticket-for-{fields['word']}"  # for the sender only
        if fields.get("explode"):
            raise RuntimeError("the mail server caught fire")


@pytest.fixture
def engine(services: Services, tmp_path: Path) -> Engine:
    folder = flows_folder(tmp_path, toy=TOY)
    registry = Registry([folder], models={"toy": Toy})
    return Engine(registry, services.db, services.mailer, services.clock, lambda: "http://x/")


def count(services: Services, model: Any) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_false_guard_is_a_rejection_with_its_reason(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    result = engine.send(snap.id, "answer", {"word": "no"}, by=TESTER)
    assert result.outcome is Outcome.REJECTED
    assert result.errors == {"word": "not_yes"}
    assert result.snapshot.state == "asking"
    assert result.values == {"word": "no", "explode": False}
    history = engine.history(snap.id, by=TESTER)
    assert [(h["event"], h["outcome"], h["reasons"]) for h in history] == [
        ("start", "taken", {}),
        ("answer", "rejected", {"word": "not_yes"}),
    ]


def test_missing_fields_are_rejected_before_any_guard(engine: Engine) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    result = engine.send(snap.id, "answer", {}, by=TESTER)
    assert result.errors == {"word": "required"}


def test_a_taken_transition_moves_and_runs_the_action(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    result = engine.send(snap.id, "answer", {"word": "yes", "secret": "hunter2"}, by=TESTER)
    assert result.ok and result.snapshot.state == "waiting"
    assert result.snapshot.allowed_events == ["finish"]  # expire is the system's
    assert count(services, OutboxMessage) == 1
    last = engine.history(snap.id, by=TESTER)[-1]
    assert last["source"] == "asking" and last["target"] == "waiting"
    assert last["data"] == {"word": "yes", "secret": "[redacted]", "explode": False}


def test_what_a_step_hands_its_sender_is_given_once_and_kept_nowhere(
    engine: Engine, services: Services
) -> None:
    instance = engine.start("toy", by=TESTER, language="fr").id
    refused = engine.send(instance, "answer", {"word": "no"}, by=TESTER)
    assert refused.client == {}
    taken = engine.send(instance, "answer", {"word": "yes"}, by=TESTER)
    assert taken.client == {"ticket": "ticket-for-yes"}
    assert engine.send(instance, "finish", {}, by=TESTER).client == {}
    with services.db.read() as session:
        row = session.get(FlowInstance, instance)
        assert row is not None and "ticket-for-yes" not in str(row.data)
    assert "ticket-for-yes" not in str(engine.history(instance, by=TESTER))


def test_an_event_the_state_does_not_allow_is_refused(engine: Engine) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    for event in ("finish", "nonsense"):
        result = engine.send(snap.id, event, {}, by=TESTER)
        assert result.outcome is Outcome.NOT_ALLOWED, event
    # The system's own event is not anyone else's to send.
    assert engine.send(snap.id, "expire", {}, by=TESTER).outcome is Outcome.FORBIDDEN
    assert engine.snapshot(snap.id, by=TESTER).state == "asking"
    outcomes = [h["outcome"] for h in engine.history(snap.id, by=TESTER)][1:]
    assert outcomes == ["not_allowed", "not_allowed", "forbidden"]


def test_unknown_instance(engine: Engine) -> None:
    for bad in ("nope", "", "x" * 500, "a\x00b"):
        with pytest.raises(UnknownInstance):
            engine.send(bad, "answer", {}, by=TESTER)


def test_a_crash_in_an_action_leaves_the_step_wholly_undone(
    engine: Engine, services: Services
) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    with pytest.raises(RuntimeError):
        engine.send(snap.id, "answer", {"word": "yes", "explode": "1"}, by=TESTER)
    assert engine.snapshot(snap.id, by=TESTER).state == "asking"
    assert count(services, OutboxMessage) == 0
    with services.db.read() as session:
        row = session.get(FlowInstance, snap.id)
        assert row is not None and row.data == {}
    # The machine that raised is not lent again; the next event gets a sound one.
    assert engine.send(snap.id, "answer", {"word": "yes"}, by=TESTER).ok


def test_a_machine_serves_one_instance_after_another_each_afresh(
    services: Services, tmp_path: Path
) -> None:
    """Machines are kept with their models between events: each event finds only its own
    instance on the model, even after the last one ended in a final state."""
    kept_before: list[object] = []

    class Nosy(Toy):
        def said_yes(self, fields: Mapping[str, Any]) -> bool:
            kept_before.append((getattr(self, "kept", None), dict(self.memory)))
            self.kept = fields["word"]  # as a guard keeps a record it found for the action
            return super().said_yes(fields)

    registry = Registry([flows_folder(tmp_path, toy=TOY)], models={"toy": Nosy})
    engine = Engine(registry, services.db, services.mailer, services.clock, lambda: "http://x/")
    for _ in range(3):
        instance = engine.start("toy", by=TESTER, language="fr").id
        assert engine.send(instance, "answer", {"word": "yes"}, by=TESTER).ok
        done = engine.send(instance, "finish", {}, by=TESTER)
        assert done.ok and done.snapshot.state == "done"
    assert kept_before == [(None, {})] * 3
    [(_, model)] = registry.get("toy").machines._free  # one machine served them all
    assert vars(model) == {}  # nothing of the last step (its records, its secrets) is kept


def test_expiry_takes_the_expire_transition_first(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    assert snap.expires_at is not None
    services.clock.advance(timedelta(minutes=11))
    result = engine.send(snap.id, "answer", {"word": "yes"}, by=TESTER)
    assert result.outcome is Outcome.EXPIRED
    assert result.snapshot.state == "expired" and result.snapshot.final
    history = engine.history(snap.id, by=TESTER)
    assert [(h["event"], h["outcome"], h["actor"]) for h in history[1:]] == [
        ("expire", "taken", "system"),
        ("answer", "expired", "test"),
    ]


def test_each_state_sets_its_own_expiry(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    moved = engine.send(snap.id, "answer", {"word": "yes"}, by=TESTER).snapshot
    assert moved.expires_at is not None
    assert moved.expires_at - services.clock() > timedelta(minutes=59)
    done = engine.send(snap.id, "finish", {}, by=TESTER).snapshot
    assert done.final and done.expires_at is None


def test_sweep_expires_what_is_overdue(engine: Engine, services: Services) -> None:
    old = engine.start("toy", by=TESTER, language="en")
    services.clock.advance(timedelta(minutes=5))
    young = engine.start("toy", by=TESTER, language="en")
    services.clock.advance(timedelta(minutes=6))
    assert engine.sweep() == 1
    assert engine.snapshot(old.id, by=TESTER).state == "expired"
    assert engine.snapshot(young.id, by=TESTER).state == "asking"


def test_racing_submissions_take_one_transition(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    outcomes: list[Outcome] = []
    barrier = threading.Barrier(20)

    def submit() -> None:
        barrier.wait()
        outcomes.append(engine.send(snap.id, "answer", {"word": "yes"}, by=TESTER).outcome)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(Outcome.TAKEN) == 1
    assert outcomes.count(Outcome.NOT_ALLOWED) == 19
    assert count(services, OutboxMessage) == 1


def test_an_instance_keeps_the_version_it_started_on(services: Services, tmp_path: Path) -> None:
    folder = flows_folder(tmp_path, toy=TOY)
    first = Engine(
        Registry([folder], models={"toy": Toy}),
        services.db,
        services.mailer,
        services.clock,
        lambda: "http://x/",
    )
    snap = first.start("toy", by=TESTER, language="en")
    # The procedure changes: "waiting" is renamed; the old instance must still finish.
    folder = flows_folder(tmp_path, toy=TOY.replace("waiting", "pending"))
    second = Engine(
        Registry([folder], models={"toy": Toy}),
        services.db,
        services.mailer,
        services.clock,
        lambda: "http://x/",
    )
    assert second.registry.get("toy").version != snap.version
    result = second.send(snap.id, "answer", {"word": "yes"}, by=TESTER)
    assert result.snapshot.state == "waiting" and result.snapshot.version == snap.version
    assert second.send(snap.id, "finish", {}, by=TESTER).snapshot.state == "done"
    fresh = second.start("toy", by=TESTER, language="en")
    assert second.send(fresh.id, "answer", {"word": "yes"}, by=TESTER).snapshot.state == "pending"


def test_audit_records_are_one_per_event(engine: Engine, services: Services) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    engine.send(snap.id, "answer", {"word": "no"}, by=TESTER)
    engine.send(snap.id, "answer", {"word": "yes"}, by=TESTER)
    with services.db.read() as session:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.instance_id == snap.id))
        assert [(r.event, r.outcome, r.version) for r in rows] == [
            ("start", "taken", snap.version),
            ("answer", "rejected", snap.version),
            ("answer", "taken", snap.version),
        ]


@pytest.mark.parametrize("event", ["a\x00b", "e" * 65, "", "dé"])
def test_a_junk_event_name_is_refused_and_recorded_plainly(engine: Engine, event: str) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    assert engine.send(snap.id, event, {}, by=TESTER).outcome is Outcome.NOT_ALLOWED
    assert engine.history(snap.id, by=TESTER)[-1]["event"] == "(unknown)"


def test_numbers_where_text_is_expected(engine: Engine) -> None:
    snap = engine.start("toy", by=TESTER, language="en")
    assert engine.send(snap.id, "answer", {"word": 10**5000}, by=TESTER).errors == {
        "word": "invalid"
    }
    assert engine.send(snap.id, "answer", {"word": float("nan")}, by=TESTER).errors == {
        "word": "invalid"
    }
    long_named = Principal.tester("x" * 200)  # kept in the audit trail's 64 characters
    assert engine.send(snap.id, "answer", {"word": 42}, by=long_named).errors == {"word": "not_yes"}
