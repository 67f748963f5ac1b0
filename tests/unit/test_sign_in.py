"""Sign-in driven through the engine: credentials, delays, lockout, activation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from flows.accounts import passwords
from flows.accounts.credentials import LOCK_AFTER, delay_after
from flows.engine import Outcome, Result
from storage.models import Identity
from tests.factories import PASSWORD, identity
from tests.support import identity_of, newest, outbox, token_of
from web.services import Services

EMAIL = "jean.t@example.com"
REFUSED = {"event": "credentials"}


def attempt(
    services: Services, email: str = EMAIL, password: str = PASSWORD, language: str = "fr"
) -> Result:
    snap = services.engine.start("sign_in", actor="test", language=language)
    return services.engine.send(
        snap.id, "submit", {"email": email, "password": password}, actor="test"
    )


def stored(services: Services, email: str = EMAIL) -> Identity:
    return identity_of(services, email)


def test_the_right_password_signs_in(services: Services) -> None:
    person = identity(services)
    result = attempt(services, email="JEAN.T@example.com", language="en")
    assert result.ok and result.snapshot.state == "signed_in"
    assert result.snapshot.customer_id == person
    assert stored(services).language == "en"  # their language follows them


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "not the right password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown address"],
)
def test_failures_look_the_same(services: Services, email: str, password: str) -> None:
    identity(services)
    result = attempt(services, email, password)
    assert result.outcome is Outcome.REJECTED and result.errors == REFUSED
    assert result.snapshot.state == "credentials"


def test_delays_grow_after_five_failures(services: Services) -> None:
    identity(services)
    for _ in range(5):
        assert attempt(services, password="wrong password!").errors == REFUSED
    # The sixth try waits out 30 s, even with the right password.
    assert attempt(services).errors == REFUSED
    services.clock.advance(timedelta(seconds=31))
    assert attempt(services, password="wrong again!").errors == REFUSED
    services.clock.advance(timedelta(seconds=31))
    assert attempt(services).errors == REFUSED  # now 60 s
    services.clock.advance(timedelta(seconds=30))
    assert attempt(services).ok
    # Success starts the count again.
    assert attempt(services, password="wrong once more").errors == REFUSED
    assert attempt(services).ok


def test_delay_figures() -> None:
    assert [delay_after(n).total_seconds() for n in (0, 4, 5, 6, 7, 9)] == [
        0,
        0,
        30,
        60,
        120,
        480,
    ]
    assert delay_after(30) == timedelta(minutes=15)


def test_an_unknown_address_is_throttled_like_a_known_one(services: Services) -> None:
    for _ in range(5):
        attempt(services, "nobody@example.com")
    identity(services, "nobody@example.com")  # even if it were registered now
    assert attempt(services, "nobody@example.com").errors == REFUSED


def test_a_hundred_failures_lock_the_mini_id_until_a_reset(services: Services) -> None:
    identity(services)
    for _ in range(LOCK_AFTER):
        services.clock.advance(timedelta(minutes=16))
        assert attempt(services, password="wrong password!").errors == REFUSED
    services.clock.advance(timedelta(days=2))
    assert attempt(services).errors == REFUSED  # locked: the same answer
    reset = services.engine.start("password_reset", actor="test", language="fr")
    services.engine.send(reset.id, "submit", {"email": EMAIL}, actor="test")
    token = token_of(newest(services))
    new = "un nouveau départ en forêt"
    done = services.engine.send(
        reset.id, "save", {"token": token, "password": new, "password_confirm": new}, actor="test"
    )
    assert done.ok
    assert attempt(services, password=new).ok


def test_weaker_and_imported_hashes_are_upgraded_at_sign_in(services: Services) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    identity(services, password_hash=weak)
    assert attempt(services).ok
    upgraded = stored(services).password_hash
    assert upgraded != weak and not passwords.needs_rehash(upgraded)
    assert passwords.verify(upgraded, PASSWORD)


def test_a_mini_id_waiting_for_activation_is_offered_the_email(services: Services) -> None:
    identity(services, status="pending")
    assert attempt(services, password="wrong password!").errors == REFUSED  # tells nothing
    result = attempt(services)
    assert result.ok and result.snapshot.state == "not_activated"
    assert result.snapshot.customer_id is None  # not signed in
    sent = services.engine.send(result.snapshot.id, "resend", {}, actor="test")
    assert sent.ok and sent.snapshot.state == "awaiting_activation"
    [mail] = outbox(services)
    assert mail.kind == "steps/activation/email_link"
    assert "/fr/login/link/" in mail.extras["link"]
    token = token_of(mail)
    done = services.engine.send(result.snapshot.id, "activate", {"token": token}, actor="t")
    assert done.ok and done.snapshot.state == "activated"
    assert stored(services).status == "active"
    assert attempt(services).ok


def test_a_disabled_mini_id_gets_the_same_answer(services: Services) -> None:
    identity(services, status="disabled")
    assert attempt(services).errors == REFUSED
