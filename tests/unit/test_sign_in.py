"""Sign-in driven through the engine: credentials, delays, lockout, activation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from flows.accounts import passwords, remembered
from flows.accounts.credentials import LOCK_AFTER, delay_after
from flows.definition import compile_definition
from flows.engine import Outcome, Result
from flows.procedures.sign_in import SignIn
from storage import identities
from storage.devices import RememberedDevice
from storage.models import FlowInstance, FlowVersion, Identity
from tests.factories import PASSWORD, TESTER, contract, identity
from tests.paths.steps import FIREFOX
from tests.support import identity_of, newest, outbox, token_of
from tests.unit.test_diagrams import SNAPSHOTS
from web.services import Services

EMAIL = "jean.t@example.com"
REFUSED = {"event": "credentials"}


def attempt(
    services: Services, email: str = EMAIL, password: str = PASSWORD, language: str = "fr"
) -> Result:
    snap = services.engine.start("sign_in", by=TESTER, language=language)
    return services.engine.send(
        snap.id, "submit", {"email": email, "password": password}, by=TESTER
    )


def stored(services: Services, email: str = EMAIL) -> Identity:
    return identity_of(services, email)


def test_the_right_password_signs_in(services: Services) -> None:
    person = identity(services)
    result = attempt(services, email="JEAN.T@example.com", language="en")
    assert result.ok and result.snapshot.state == "signed_in"
    assert result.snapshot.customer_id == person
    # Their language is theirs to choose in «Mon profil»: signing in on the English pages
    # does not change it, and the site opens in it.
    assert stored(services).language == "fr" and result.told["language"] == "fr"


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
    reset = services.engine.start("password_reset", by=TESTER, language="fr")
    services.engine.send(reset.id, "submit", {"email": EMAIL}, by=TESTER)
    token = token_of(newest(services))
    new = "un nouveau départ en forêt"
    done = services.engine.send(
        reset.id, "save", {"token": token, "password": new, "password_confirm": new}, by=TESTER
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
    assert result.snapshot.customer_id is not None  # whose it is, for the support desk
    sent = services.engine.send(result.snapshot.id, "resend", {}, by=TESTER)
    assert sent.ok and sent.snapshot.state == "awaiting_activation"
    [mail] = outbox(services)
    assert mail.kind == "steps/activation/email_link"
    assert "/fr/login/link/" in mail.extras["link"]
    token = token_of(mail)
    done = services.engine.send(result.snapshot.id, "activate", {"token": token}, by=TESTER)
    assert done.ok and done.snapshot.state == "activated"
    assert stored(services).status == "active"
    assert attempt(services).ok


def test_a_disabled_mini_id_gets_the_same_answer(services: Services) -> None:
    identity(services, status="disabled")
    assert attempt(services).errors == REFUSED


# -- a customer with contracts: the device code, remembered devices ---------------------


def with_a_contract(services: Services, email: str = EMAIL) -> int:
    person = identity(services, email)
    contract(services, f"PR-{person:09d}", identity_id=person)
    return person


def remembered_token(services: Services, person: int, days_ago: int = 0) -> str:
    with services.db.write() as session:
        return remembered.remember(
            session, person, FIREFOX, services.clock() - timedelta(days=days_ago)
        )


def sign_in_with(services: Services, token: str | None) -> Result:
    snap = services.engine.start("sign_in", by=TESTER, language="fr")
    data = {"email": EMAIL, "password": PASSWORD, "device_token": token}
    return services.engine.send(snap.id, "submit", data, by=TESTER)


def test_a_customer_with_contracts_authorizes_a_new_device(services: Services) -> None:
    person = with_a_contract(services)
    result = attempt(services)
    assert result.ok and result.snapshot.state == "choosing_channel"
    assert result.snapshot.customer_id == person  # known, but not signed in yet
    instance = result.snapshot.id
    assert services.engine.send(instance, "send_code", {"channel": "email"}, by=TESTER).ok
    code = newest(services).extras["code"]
    done = services.engine.send(instance, "authorize", {"code": code}, by=TESTER)
    assert done.ok and done.snapshot.state == "signed_in"
    assert "device_token" not in done.client  # not asked to be remembered


def test_a_remembered_device_signs_in_without_a_code(services: Services) -> None:
    person = with_a_contract(services)
    token = remembered_token(services, person, days_ago=89)
    assert sign_in_with(services, token).snapshot.state == "signed_in"
    with services.db.read() as session:
        [device] = session.scalars(select(RememberedDevice)).all()
    assert device.last_used_at - device.created_at >= timedelta(days=89)  # its use, noted


@pytest.mark.parametrize(
    "case", ["none", "unknown", "expired", "someone else's", "forgotten by a reset"]
)
def test_other_devices_are_asked_for_a_code(services: Services, case: str) -> None:
    person = with_a_contract(services)
    other = identity(services, "other@example.com")
    token = {
        "none": None,
        "unknown": "x" * 43,
        "expired": remembered_token(services, person, days_ago=90),
        "someone else's": remembered_token(services, other),
        "forgotten by a reset": remembered_token(services, person),
    }[case]
    if case == "forgotten by a reset":
        reset_password(services)
    assert sign_in_with(services, token).snapshot.state == "choosing_channel"


def reset_password(services: Services) -> None:
    reset = services.engine.start("password_reset", by=TESTER, language="fr")
    services.engine.send(reset.id, "submit", {"email": EMAIL}, by=TESTER)
    new = PASSWORD + " encore"
    data = {"token": token_of(newest(services)), "password": new, "password_confirm": new}
    assert services.engine.send(reset.id, "save", data, by=TESTER).ok
    with services.db.write() as session:  # back to the usual password for what follows
        found = identities.by_email(session, EMAIL)
        assert found is not None
        found.password_hash = passwords.hash_password(PASSWORD)


def test_a_password_reset_forgets_every_device_and_says_so(services: Services) -> None:
    person = with_a_contract(services)
    remembered_token(services, person)
    remembered_token(services, person)
    reset_password(services)
    with services.db.read() as session:
        assert session.scalars(select(RememberedDevice)).all() == []
    changed = newest(services)
    assert changed.kind == "password_reset/email_changed"
    assert "appareils que vous nous aviez demandé de mémoriser" in changed.body_text


def test_instances_started_on_the_previous_version_finish_on_it(services: Services) -> None:
    """Sign-in before the device code: an instance in flight then is not asked for one."""
    previous = (SNAPSHOTS / "sign_in_before_device_code.yaml").read_text(encoding="utf-8")
    old = compile_definition(previous, SignIn)
    assert old.version != services.registry.get("sign_in").version
    assert "choosing_channel" not in old.states
    with services.db.write() as session:
        session.add(FlowVersion(flow="sign_in", version=old.version, document=old.document))
    in_flight = services.engine.start("sign_in", by=TESTER, language="fr")
    with services.db.write() as session:
        row = session.get(FlowInstance, in_flight.id)
        assert row is not None
        row.version = old.version
    with_a_contract(services)
    data = {"email": EMAIL, "password": PASSWORD}
    done = services.engine.send(in_flight.id, "submit", data, by=TESTER)
    assert done.ok and done.snapshot.state == "signed_in" and done.snapshot.version == old.version
    assert attempt(services).snapshot.state == "choosing_channel"  # a new one: the new version
