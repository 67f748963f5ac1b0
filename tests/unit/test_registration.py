"""Registration driven through the engine, as the API and the CLI drive it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from flows.accounts import passwords
from flows.engine import Outcome
from storage.identities import by_email
from storage.models import AuditRecord, Identity
from tests.factories import PASSWORD, TESTER
from tests.support import outbox, token_of
from web.services import Services

GOOD = {
    "first_name": "Jean",
    "last_name": "Tremblay",
    "email": "jean.t@example.com",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


def register(services: Services, language: str = "fr", **changes: Any) -> str:
    snap = services.engine.start("registration", by=TESTER, language=language)
    result = services.engine.send(snap.id, "submit", {**GOOD, **changes}, by=TESTER)
    assert result.ok, result.errors
    return snap.id


def identity(services: Services, email: str = GOOD["email"]) -> Identity | None:
    with services.db.read() as session:
        return by_email(session, email)


def test_new_address_gets_a_pending_identity_and_an_activation_link(services: Services) -> None:
    instance = register(services)
    person = identity(services)
    assert person is not None and person.status == "pending" and person.language == "fr"
    assert passwords.verify(person.password_hash, GOOD["password"])
    [mail] = outbox(services)
    assert mail.kind == "steps/activation/email_link"
    assert mail.subject == "Activez vos identifiants MINI pour commencer"
    assert "/fr/register/link/" in mail.extras["link"]
    result = services.engine.send(instance, "activate", {"token": token_of(mail)}, by=TESTER)
    assert result.ok and result.snapshot.state == "activated" and result.snapshot.final
    person = identity(services)
    assert person is not None and person.status == "active" and person.activated_at
    assert result.snapshot.customer_id == person.id


def test_english_registration_writes_in_english(services: Services) -> None:
    register(services, language="en")
    [mail] = outbox(services)
    assert mail.subject == "Activate your MINI ID to get started"
    assert "/en/register/link/" in mail.extras["link"]


def test_an_active_address_gets_the_same_answer_and_a_different_email(
    services: Services,
) -> None:
    first = register(services)
    services.engine.send(first, "activate", {"token": token_of(outbox(services)[0])}, by=TESTER)
    second = register(
        services,
        first_name="Mallory",
        password="un autre mot de passe!",
        password_confirm="un autre mot de passe!",
    )
    assert services.engine.snapshot(second, by=TESTER).state == "awaiting_activation"
    mail = outbox(services)[-1]
    assert mail.kind == "registration/email_already"
    assert "Jean" in mail.body_text and "Mallory" not in mail.body_text
    assert "/fr/login" in mail.body_text and "/fr/password-reset" in mail.body_text
    assert "link" not in mail.extras
    person = identity(services)
    assert person is not None and passwords.verify(person.password_hash, GOOD["password"])


def test_registering_again_before_activation_changes_nothing_and_only_mails(
    services: Services,
) -> None:
    first = register(services)
    second = register(
        services,
        first_name="Mallory",
        password="une toute autre phrase secrète",
        password_confirm="une toute autre phrase secrète",
    )
    assert services.engine.snapshot(second, by=TESTER).state == "awaiting_activation"
    link, told = outbox(services)
    assert told.kind == "registration/email_pending" and "link" not in told.extras
    assert "Mallory" not in told.body_text and "/fr/password-reset" in told.body_text
    # The first registration's link still works, and activates what it stored.
    assert services.engine.send(first, "activate", {"token": token_of(link)}, by=TESTER).ok
    person = identity(services)
    assert person is not None and person.status == "active" and person.first_name == "Jean"
    assert passwords.verify(person.password_hash, GOOD["password"])


def test_a_link_works_once(services: Services) -> None:
    instance = register(services)
    token = token_of(outbox(services)[0])
    assert services.engine.send(instance, "activate", {"token": token}, by=TESTER).ok
    again = services.engine.send(instance, "activate", {"token": token}, by=TESTER)
    assert again.outcome is Outcome.NOT_ALLOWED


def test_a_link_expires_after_24_hours(services: Services) -> None:
    instance = register(services)
    token = token_of(outbox(services)[0])
    services.clock.advance(timedelta(hours=24, seconds=1))
    result = services.engine.send(instance, "activate", {"token": token}, by=TESTER)
    assert result.outcome is Outcome.EXPIRED and result.snapshot.state == "expired"
    person = identity(services)
    assert person is not None and person.status == "pending"


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: "x"]
)
def test_a_tampered_link_is_refused(services: Services, tamper: Any) -> None:
    instance = register(services)
    token = token_of(outbox(services)[0])
    result = services.engine.send(instance, "activate", {"token": tamper(token)}, by=TESTER)
    assert result.errors == {"token": "link_invalid"}


def test_a_link_of_another_instance_is_refused(services: Services) -> None:
    mine = register(services)
    theirs = register(services, email="other@example.com")
    their_token = token_of(outbox(services)[1])
    result = services.engine.send(mine, "activate", {"token": their_token}, by=TESTER)
    assert result.errors == {"token": "link_invalid"}
    assert services.engine.snapshot(theirs, by=TESTER).state == "awaiting_activation"


def test_resending_is_throttled(services: Services) -> None:
    instance = register(services)
    send = services.engine.send
    assert send(instance, "resend", {}, by=TESTER).errors == {"event": "too_soon"}
    for _ in range(4):
        services.clock.advance(timedelta(seconds=61))
        assert send(instance, "resend", {}, by=TESTER).ok
    services.clock.advance(timedelta(seconds=61))
    assert send(instance, "resend", {}, by=TESTER).errors == {"event": "too_many"}
    assert len(outbox(services)) == 5
    services.clock.advance(timedelta(hours=1))
    assert send(instance, "resend", {}, by=TESTER).ok
    mails = outbox(services)
    # Only the newest link works.
    assert send(instance, "activate", {"token": token_of(mails[0])}, by=TESTER).errors == {
        "token": "link_superseded"
    }
    assert send(instance, "activate", {"token": token_of(mails[-1])}, by=TESTER).ok


def test_an_address_is_not_flooded_through_many_registrations(services: Services) -> None:
    for _ in range(7):
        register(services)
    assert len(outbox(services)) == 5


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"first_name": ""}, {"first_name": "required"}),
        ({"first_name": "   "}, {"first_name": "required"}),
        ({"last_name": "x" * 101}, {"last_name": "too_long"}),
        ({"email": "not-an-address"}, {"email": "email_invalid"}),
        ({"email": "a@b"}, {"email": "email_invalid"}),
        ({"email": "x" * 250 + "@example.com"}, {"email": "too_long"}),
        ({"first_name": "Jean\x00"}, {"first_name": "invalid_characters"}),
        (
            {"password": "", "password_confirm": ""},
            {"password": "required", "password_confirm": "required"},
        ),
        ({"password": "short", "password_confirm": "short"}, {"password": "password_too_short"}),
        (
            {"password": "password12345", "password_confirm": "password12345"},
            {"password": "password_weak"},
        ),
        (
            {"password_confirm": "vélo rouge sous la neige"},
            {"password_confirm": "password_mismatch"},
        ),
        ({"first_name": ["a", "b"]}, {"first_name": "invalid"}),
    ],
)
def test_bad_details_are_refused_with_a_reason_per_field(
    services: Services, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    snap = services.engine.start("registration", by=TESTER, language="fr")
    result = services.engine.send(snap.id, "submit", {**GOOD, **changes}, by=TESTER)
    assert result.outcome is Outcome.REJECTED
    assert result.errors == errors
    assert identity(services) is None and outbox(services) == []


def test_no_secret_reaches_the_audit_trail(services: Services) -> None:
    instance = register(services)
    token = token_of(outbox(services)[0])
    services.engine.send(instance, "activate", {"token": token + "x"}, by=TESTER)
    services.engine.send(instance, "activate", {"token": token}, by=TESTER)
    with services.db.read() as session:
        dumped = repr([(r.data, r.reasons) for r in session.scalars(select(AuditRecord))])
    assert GOOD["password"] not in dumped
    assert token not in dumped
    assert GOOD["email"] not in dumped
    assert "[redacted]" in dumped
