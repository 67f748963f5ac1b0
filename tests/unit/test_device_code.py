"""The device code (the shared step device_code), driven through account association."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.accounts import codes
from flows.engine import Outcome, Result
from storage.devices import DeviceChallenge, RememberedDevice
from storage.models import FlowInstance
from tests.factories import TESTER, contract, identity
from tests.paths.account_association import vin_of
from tests.paths.steps import FIREFOX
from tests.support import newest, outbox
from web.services import Services

PHONE, RECORD_EMAIL = "+15145550142", "jean.record@example.com"


@pytest.fixture
def who(services: Services) -> int:
    """A MINI ID (jean@example.com) whose contract's record has other contact details."""
    person = identity(services, "jean@example.com")
    contract(services, vin=vin_of(person), phone=PHONE, email=RECORD_EMAIL)
    return person


def verified(services: Services, who: int) -> str:
    """An association instance past identity verification: choosing where the code goes."""
    instance = services.engine.start(
        "account_association", by=TESTER, language="fr", customer_id=who
    ).id
    data = {
        "method": "vin",
        "first_name": "Jean",
        "last_name": "Tremblay",
        "vin": vin_of(who),
        "last_payment_amount": "456,78",
    }
    assert services.engine.send(instance, "verify", data, by=TESTER).ok
    return instance


def send(services: Services, instance: str, event: str, **data: object) -> Result:
    return services.engine.send(instance, event, data, by=TESTER)


def sent_code(services: Services, instance: str, channel: str = "sms") -> str:
    assert send(services, instance, "send_code", channel=channel).ok
    return str(newest(services).extras["code"])


def challenges(services: Services) -> list[DeviceChallenge]:
    with services.db.read() as session:
        return list(session.scalars(select(DeviceChallenge).order_by(DeviceChallenge.id)))


def test_codes_go_only_to_the_contracts_record(services: Services, who: int) -> None:
    instance = verified(services, who)
    assert services.engine.snapshot(instance, by=TESTER).display["phone_masked"] == "•••-•••-0142"
    assert (
        services.engine.snapshot(instance, by=TESTER).display["email_masked"] == "j•••@example.com"
    )
    sent_code(services, instance, "sms")
    sms = newest(services)
    assert (sms.channel, sms.recipient, sms.language) == ("sms", PHONE, "fr")
    assert len(sms.body_text) <= 160 and "PR-25" not in sms.body_text  # no contract named
    assert services.engine.snapshot(instance, by=TESTER).display["sent_to"] == "•••-•••-0142"
    assert send(services, instance, "choose_other").snapshot.state == "choosing_channel"
    services.clock.advance(timedelta(seconds=61))
    sent_code(services, instance, "email")
    mail = newest(services)
    assert (mail.channel, mail.recipient) == ("email", RECORD_EMAIL)  # not the MINI ID's
    assert outbox(services, "jean@example.com") == []


def test_a_code_is_six_digits_kept_as_a_keyed_hash(services: Services, who: int) -> None:
    instance = verified(services, who)
    code = sent_code(services, instance)
    assert len(code) == 6 and code.isdigit()
    [challenge] = challenges(services)
    assert challenge.code_hash not in (code, hashlib.sha256(code.encode()).hexdigest())
    # Keyed: without the application's secret key, the hash cannot be searched.
    assert codes._digest(b"another key", challenge.salt, code) != challenge.code_hash
    assert codes._digest(services.engine.secret, challenge.salt, code) == challenge.code_hash
    with services.db.read() as session:
        row = session.get(FlowInstance, instance)
        assert row is not None and code not in str(row.data)


def test_the_right_code_authorizes_once(services: Services, who: int) -> None:
    instance = verified(services, who)
    code = sent_code(services, instance)
    done = send(services, instance, "authorize", code=code)
    assert done.ok and done.snapshot.state == "linked"
    assert done.client == {}  # asked every time: nothing to remember
    [challenge] = challenges(services)
    assert challenge.used_at is not None
    assert send(services, instance, "authorize", code=code).outcome is Outcome.NOT_ALLOWED


def test_a_code_works_only_for_its_own_challenge(services: Services, who: int) -> None:
    first, second = verified(services, who), verified(services, who)
    code = sent_code(services, first)
    services.clock.advance(timedelta(seconds=61))
    other = sent_code(services, second)
    if other != code:
        refused = send(services, second, "authorize", code=code)
        assert refused.errors == {"code": "code_wrong"}
    assert send(services, first, "authorize", code=code).ok


def test_five_wrong_tries_end_the_challenge(services: Services, who: int) -> None:
    instance = verified(services, who)
    code = sent_code(services, instance)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert send(services, instance, "authorize", code=wrong).errors == {"code": "code_wrong"}
    assert send(services, instance, "authorize", code=wrong).errors == {"event": "code_exhausted"}
    # Even the right one now: a new code must be sent.
    assert send(services, instance, "authorize", code=code).errors == {"event": "code_exhausted"}
    services.clock.advance(timedelta(seconds=61))
    assert send(services, instance, "resend_code").ok
    fresh = str(newest(services).extras["code"])
    assert send(services, instance, "authorize", code=fresh).ok


def test_a_code_lasts_ten_minutes(services: Services, who: int) -> None:
    instance = verified(services, who)
    code = sent_code(services, instance)
    services.clock.advance(timedelta(minutes=10))
    assert send(services, instance, "authorize", code=code).errors == {"event": "code_expired"}


def test_only_the_newest_code_works(services: Services, who: int) -> None:
    instance = verified(services, who)
    old = sent_code(services, instance)
    services.clock.advance(timedelta(seconds=61))
    assert send(services, instance, "resend_code").ok
    new = str(newest(services).extras["code"])
    if old != new:
        assert send(services, instance, "authorize", code=old).errors == {"code": "code_wrong"}
    assert send(services, instance, "authorize", code=new).ok


def test_resending_waits_60_seconds_and_stops_at_5_an_hour(services: Services, who: int) -> None:
    instance = verified(services, who)
    sent_code(services, instance)
    assert send(services, instance, "resend_code").errors == {"event": "code_too_soon"}
    for _ in range(4):
        services.clock.advance(timedelta(seconds=61))
        assert send(services, instance, "resend_code").ok
    services.clock.advance(timedelta(seconds=61))
    assert send(services, instance, "resend_code").errors == {"event": "code_too_many"}
    # Starting again does not give more: the count is the MINI ID's.
    again = verified(services, who)
    assert send(services, again, "send_code", channel="email").errors == {"event": "code_too_many"}
    assert len(challenges(services)) == 5
    services.clock.advance(timedelta(minutes=56))  # an hour after the first
    assert send(services, verified(services, who), "send_code", channel="sms").ok


def test_a_remembered_device_is_handed_back_once_and_kept_hashed(
    services: Services, who: int
) -> None:
    instance = verified(services, who)
    code = sent_code(services, instance)
    data = {"code": code, "remember_device": True, "user_agent": FIREFOX}
    done = services.engine.send(instance, "authorize", data, by=TESTER)
    token = done.client["device_token"]
    assert len(token) >= 43
    with services.db.read() as session:
        [device] = session.scalars(select(RememberedDevice)).all()
        row = session.get(FlowInstance, instance)
        assert row is not None and token not in str(row.data)
    assert (device.identity_id, device.browser, device.system) == (who, "Firefox 128", "Windows 10")
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert device.expires_at - device.created_at == timedelta(days=90)
    assert token not in str(services.engine.history(instance, by=TESTER))
    assert services.engine.snapshot(instance, by=TESTER).display["remembered"] is True


def test_codes_are_compared_in_constant_time(services: Services, who: int) -> None:
    """A guess sharing the code's first five digits takes as long as one sharing none."""
    instance = verified(services, who)
    code = sent_code(services, instance)
    [challenge] = challenges(services)
    close = code[:5] + str((int(code[5]) + 1) % 10)
    far = "".join(str((int(c) + 5) % 10) for c in code)
    times: dict[str, list[float]] = {close: [], far: []}
    secret = services.engine.secret
    for round_ in range(80):  # interleaved batches, so the machine's load hits both alike
        for guess in sorted(times, reverse=bool(round_ % 2)):
            taken = times[guess]
            start = time.perf_counter()
            for _ in range(200):
                assert not codes.matches(secret, challenge, guess)
            taken.append(time.perf_counter() - start)
    assert codes.matches(secret, challenge, code)
    near, other = (statistics.median(t) for t in times.values())
    assert abs(near - other) < 0.5 * min(near, other), (near, other)
