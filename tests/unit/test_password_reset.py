"""The forgotten-password procedure driven through the engine."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from flows.accounts import passwords
from flows.engine import Outcome, Result
from storage import sessions as store
from storage.models import Identity, WebSession
from tests.factories import PASSWORD, TESTER, identity
from tests.support import identity_of, outbox, token_of
from web.services import Services

EMAIL = "jean.t@example.com"
NEW = "un nouveau départ en forêt"


def request_link(services: Services, email: str = EMAIL, language: str = "fr") -> str:
    snap = services.engine.start("password_reset", by=TESTER, language=language)
    result = services.engine.send(snap.id, "submit", {"email": email}, by=TESTER)
    assert result.ok and result.snapshot.state == "link_sent"
    return snap.id


def save(
    services: Services, instance: str, token: str, password: str = NEW, confirm: str | None = None
) -> Result:
    data: dict[str, Any] = {
        "token": token,
        "password": password,
        "password_confirm": password if confirm is None else confirm,
    }
    return services.engine.send(instance, "save", data, by=TESTER)


def stored(services: Services, email: str = EMAIL) -> Identity:
    return identity_of(services, email)


def test_a_known_address_resets_its_password(services: Services) -> None:
    person = identity(services)
    now = services.clock()
    with services.db.write() as session:  # signed in on two devices
        store.create(session, "phone-cookie", person, {}, now)
        store.create(session, "laptop-cookie", person, {}, now)
    instance = request_link(services)
    [link] = outbox(services)
    assert link.subject == "Demande de réinitialisation du mot de passe"
    assert "/fr/password-reset/link/" in link.extras["link"]
    result = save(services, instance, token_of(link))
    assert result.ok and result.snapshot.state == "reset_done"
    person_row = stored(services)
    assert passwords.verify(person_row.password_hash, NEW)
    assert not passwords.verify(person_row.password_hash, PASSWORD)
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    notice = outbox(services)[-1]
    assert notice.kind == "password_reset/email_changed" and notice.recipient == EMAIL


def test_an_unknown_address_is_told_no_mini_id_uses_it(services: Services) -> None:
    request_link(services, "nobody@example.com", language="en")
    [mail] = outbox(services)
    assert mail.kind == "password_reset/email_unknown"
    assert "No MINI ID uses this address." in mail.body_text
    assert "link" not in mail.extras


def test_a_pending_mini_id_is_activated_by_its_reset(services: Services) -> None:
    identity(services, status="pending")
    instance = request_link(services)
    [mail] = outbox(services)
    assert "pas encore activé" in mail.body_text
    assert save(services, instance, token_of(mail)).ok
    assert stored(services).status == "active"


@pytest.mark.parametrize(
    ("password", "confirm", "errors"),
    [
        (PASSWORD, None, {"password": "password_reused"}),
        ("court", None, {"password": "password_too_short"}),
        ("Jean Tremblay 2024!", None, {"password": "password_personal"}),
        (NEW, "autre chose encore", {"password_confirm": "password_mismatch"}),
        ("", None, {"password": "required", "password_confirm": "required"}),
    ],
)
def test_the_new_password_follows_the_rules(
    services: Services, password: str, confirm: str | None, errors: dict[str, str]
) -> None:
    identity(services)
    instance = request_link(services)
    result = save(services, instance, token_of(outbox(services)[0]), password, confirm)
    assert result.outcome is Outcome.REJECTED and result.errors == errors
    assert passwords.verify(stored(services).password_hash, PASSWORD)


def test_a_link_works_once(services: Services) -> None:
    identity(services)
    instance = request_link(services)
    token = token_of(outbox(services)[0])
    assert save(services, instance, token).ok
    again = save(services, instance, token, "encore une autre phrase")
    assert again.outcome is Outcome.NOT_ALLOWED


def test_a_link_lasts_an_hour(services: Services) -> None:
    identity(services)
    instance = request_link(services)
    token = token_of(outbox(services)[0])
    services.clock.advance(timedelta(minutes=61))
    result = save(services, instance, token)
    assert result.outcome is Outcome.EXPIRED and result.snapshot.state == "expired"
    assert passwords.verify(stored(services).password_hash, PASSWORD)


def test_only_the_newest_link_works(services: Services) -> None:
    identity(services)
    first = request_link(services)
    second = request_link(services)
    older, newer = outbox(services)
    assert save(services, first, token_of(older)).errors == {"token": "link_superseded"}
    assert save(services, second, token_of(newer)).ok


def test_a_tampered_link_is_refused(services: Services) -> None:
    identity(services)
    instance = request_link(services)
    token = token_of(outbox(services)[0])
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert save(services, instance, tampered).errors == {"token": "link_invalid"}


def test_requests_for_one_address_are_throttled(services: Services) -> None:
    identity(services)
    for _ in range(8):
        request_link(services)
    assert len(outbox(services)) == 5
    services.clock.advance(timedelta(hours=1))
    request_link(services)
    assert len(outbox(services)) == 6


def test_the_email_field_is_checked(services: Services) -> None:
    snap = services.engine.start("password_reset", by=TESTER, language="fr")
    for bad, reason in [("", "required"), ("nope", "email_invalid"), ("a" * 300, "too_long")]:
        result = services.engine.send(snap.id, "submit", {"email": bad}, by=TESTER)
        assert result.errors == {"email": reason}
