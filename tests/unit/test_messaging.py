"""Secure messaging's rules: the answer target in business days, who may do what to a
conversation, holds, read marks, and what an answer sends (never its content)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from flows.access import Principal
from flows.engine import Outcome, UnknownInstance
from flows.messaging import targets
from storage.messages import Conversation, Message
from storage.models import Identity, OutboxMessage, Staff
from tests.factories import TESTER, staff_member
from tests.paths import ACTOR, Walk
from web.services import Services

# 2025-03-14 is a Friday; Eastern time is UTC-4 then.
FRIDAY_NOON = datetime(2025, 3, 14, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "due"),
    [
        (FRIDAY_NOON, datetime(2025, 3, 18, 16, 0, tzinfo=UTC)),  # Friday → Tuesday
        (datetime(2025, 3, 12, 16, 0, tzinfo=UTC), datetime(2025, 3, 14, 16, 0, tzinfo=UTC)),
        # Written on a Saturday: counted from Monday morning, due Wednesday morning.
        (datetime(2025, 3, 15, 16, 0, tzinfo=UTC), datetime(2025, 3, 19, 4, 0, tzinfo=UTC)),
    ],
)
def test_the_answer_is_due_2_business_days_later(since: datetime, due: datetime) -> None:
    assert targets.add_business_days(since, 2) == due


def test_the_wait_is_measured_against_the_target() -> None:
    on_time = targets.wait(FRIDAY_NOON, FRIDAY_NOON + timedelta(days=3))
    assert not on_time.overdue and on_time.waited == timedelta(days=3) and on_time.used == 0.75
    late = targets.wait(FRIDAY_NOON, FRIDAY_NOON + timedelta(days=4, minutes=1))
    assert late.overdue


@pytest.fixture
def walk(services: Services) -> Walk:
    """A conversation started by a customer's first message."""
    return Walk(services, services.registry.get("conversation"))


def agent(services: Services, email: str = "agent@servicesfinanciersmini.ca") -> Principal:
    return Principal.staff(staff_member(services, email, role="agent"), "agent")


def conversation(services: Services, walk: Walk) -> Conversation:
    with services.db.read() as session:
        found = session.get(Conversation, walk.id)
    assert found is not None
    return found


def test_the_first_message_starts_a_waiting_conversation(services: Services, walk: Walk) -> None:
    assert walk.snapshot.state == "waiting" and walk.snapshot.customer_id == walk.customer_id
    found = conversation(services, walk)
    assert found.subject == "payments" and found.waiting_since is not None
    with services.db.read() as session:
        [first] = session.scalars(select(Message).where(Message.conversation_id == walk.id))
        assert first.author == "customer" and [a.filename for a in first.attachments] == [
            "relevé.pdf"
        ]


def test_only_active_agents_answer(services: Services, walk: Walk) -> None:
    engine = services.engine
    analyst = staff_member(services)
    customer = Principal.customer(walk.customer_id or 0)
    with pytest.raises(UnknownInstance):  # a conversation is no analyst's to see
        engine.send(walk.id, "answer", {"body": "Bonjour"}, by=Principal.staff(analyst, "analyst"))
    nobody = Principal.staff(999999, "agent")
    pretending = Principal.staff(analyst, "agent")  # an analyst is no agent, whatever said
    for by in (ACTOR, customer, nobody, pretending):
        refused = engine.send(walk.id, "answer", {"body": "Bonjour"}, by=by)
        assert refused.outcome is Outcome.FORBIDDEN, by
        assert refused.errors == {"event": "not_for_you"}, by
    disabled = agent(services)
    with services.db.write() as session:
        member = session.get(Staff, disabled.id)
        assert member is not None
        member.status = "disabled"
    assert engine.send(walk.id, "answer", {"body": "x"}, by=disabled).errors == {
        "event": "not_for_you"
    }


def test_staff_never_write_as_the_customer(services: Services, walk: Walk) -> None:
    refused = services.engine.send(
        walk.id, "reply", {"body": "Au nom du client"}, by=agent(services)
    )
    assert refused.errors == {"event": "not_for_you"}


def test_a_hold_keeps_other_agents_out_for_15_minutes(services: Services, walk: Walk) -> None:
    engine = services.engine
    marie, paul = agent(services), agent(services, "paul@servicesfinanciersmini.ca")
    assert engine.send(walk.id, "claim", by=marie).ok
    assert engine.send(walk.id, "claim", by=marie).ok  # her own hold, renewed
    assert engine.send(walk.id, "claim", by=paul).errors == {"event": "claimed"}
    services.clock.advance(timedelta(minutes=15, seconds=1))
    assert engine.send(walk.id, "claim", by=paul).ok
    assert conversation(services, walk).claimed_by == paul.id


def test_an_answer_tells_the_customer_in_their_language_never_what_it_says(
    services: Services, walk: Walk
) -> None:
    with services.db.write() as session:
        customer = session.get(Identity, walk.customer_id)
        assert customer is not None
        customer.language = "en"
        address = customer.email
    result = services.engine.send(
        walk.id, "answer", {"body": "Le secret du prélèvement"}, by=agent(services)
    )
    assert result.ok and result.snapshot.state == "answered"
    with services.db.read() as session:
        [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address))
    assert mail.subject == "A reply is waiting in your message centre"
    assert "prélèvement" not in mail.body_text and "/en/messages" in mail.body_text
    # A second answer before the customer replies sends no second e-mail.
    services.engine.send(walk.id, "answer", {"body": "Et aussi…"}, by=agent(
        services, "paul@servicesfinanciersmini.ca"
    ))  # fmt: skip
    with services.db.read() as session:
        count = len(list(session.scalars(select(OutboxMessage.id))))
    assert count == 1


def test_reading_marks_the_answers_read_and_keeps_the_30_days(
    services: Services, walk: Walk
) -> None:
    engine = services.engine
    answered = engine.send(walk.id, "answer", {"body": "Oui"}, by=agent(services))
    services.clock.advance(timedelta(days=29))
    read = engine.send(walk.id, "read", by=TESTER)
    assert read.ok and read.snapshot.expires_at == answered.snapshot.expires_at
    with services.db.read() as session:
        staff_messages = session.scalars(select(Message).where(Message.author == "staff"))
        assert all(m.read_at is not None for m in staff_messages)
    services.clock.advance(timedelta(days=2))
    assert engine.sweep() == 1 and engine.snapshot(walk.id, by=TESTER).state == "closed"


def test_a_late_reply_reopens_even_before_the_sweeper_closed_it(
    services: Services, walk: Walk
) -> None:
    engine = services.engine
    engine.send(walk.id, "answer", {"body": "Oui"}, by=agent(services))
    services.clock.advance(timedelta(days=31))
    result = engine.send(walk.id, "reply", {"body": "Encore moi"}, by=TESTER)
    assert result.outcome is Outcome.TAKEN and result.snapshot.state == "waiting"
    events = [(r["event"], r["target"]) for r in engine.history(walk.id, by=TESTER)][-2:]
    assert events == [("expire", "closed"), ("reply", "waiting")]
    assert conversation(services, walk).waiting_since is not None


def test_after_a_year_closed_a_conversation_is_archived(services: Services, walk: Walk) -> None:
    engine = services.engine
    engine.send(walk.id, "close", by=agent(services))
    services.clock.advance(timedelta(days=366))
    assert engine.sweep() == 1
    archived = engine.send(walk.id, "reply", {"body": "Allô?"}, by=TESTER)
    assert archived.outcome is Outcome.NOT_ALLOWED and archived.snapshot.final
