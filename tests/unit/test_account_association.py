"""Account association driven through the engine: identity verification, lock, linking."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from flows.access import Principal
from flows.engine import Outcome, Result
from storage import contracts
from storage.models import FlowInstance
from tests.factories import TESTER, contract, identity
from tests.paths.account_association import number_of, vin_of
from tests.support import newest
from web.services import Services

AMOUNT_CENTS = 456_78  # tests.factories.contract's last payment
FIRST, LAST = "Jean", "Tremblay"


def start(services: Services, who: int, language: str = "fr") -> str:
    return services.engine.start(
        "account_association", by=TESTER, language=language, customer_id=who
    ).id


def verify(services: Services, instance: str, **data: Any) -> Result:
    return services.engine.send(instance, "verify", data, by=TESTER)


def by_vin(who: int, **changes: Any) -> dict[str, Any]:
    return {
        "method": "vin",
        "first_name": FIRST,
        "last_name": LAST,
        "vin": vin_of(who),
        "last_payment_amount": "456,78",
        **changes,
    }


@pytest.fixture
def who(services: Services) -> int:
    """A MINI ID whose contract is on record, not linked yet."""
    person = identity(services, "jean@example.com")
    contract(services, "PR-25-000001", vin=vin_of(person), customer_number=number_of(person))
    return person


def linked_to(services: Services, person: int) -> list[str]:
    with services.db.read() as session:
        return [c.number for c in contracts.of_customer(session, person)]


def test_the_vin_and_the_last_payment_lead_to_the_device_code(services: Services, who: int) -> None:
    result = verify(services, start(services, who), **by_vin(who))
    assert result.ok and result.snapshot.state == "choosing_channel"
    # Where a code may go: the contract's record, shown masked.
    assert result.snapshot.allowed_events == ["send_code", "authorize_passkey", "renew_passkey"]
    assert linked_to(services, who) == []  # not before the device is authorized


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        (("Jean", "Côté"), (" Jean ", "Co\u0302te\u0301")),  # NFD and outer spaces
        (("Seán", "O'Brien"), ("Seán", "O\u2019Brien")),  # ’ typed for '
        (("Marie-Ève", "D'Amours"), ("Marie-\u00c8ve", "D\u2019Amours")),
    ],
)
def test_names_as_people_type_them(
    services: Services, recorded: tuple[str, str], typed: tuple[str, str]
) -> None:
    person = identity(services, "n@example.com")
    first, last = recorded
    contract(services, vin=vin_of(person), first_name=first, last_name=last)
    data = by_vin(person, first_name=typed[0], last_name=typed[1])
    assert verify(services, start(services, person), **data).ok


@pytest.mark.parametrize(
    ("language", "amount"),
    [
        ("fr", "456,78"),
        ("fr", "456.78"),
        ("fr", "456,78 $"),
        ("en", "$456.78"),
        ("en", "456.78"),
    ],
)
def test_amounts_as_people_type_them(
    services: Services, who: int, language: str, amount: str
) -> None:
    instance = start(services, who, language)
    assert verify(services, instance, **by_vin(who, last_payment_amount=amount)).ok


def test_the_vin_with_spaces_and_lower_case(services: Services, who: int) -> None:
    typed = " ".join(vin_of(who)[i : i + 4] for i in range(0, 17, 4)).lower()
    assert verify(services, start(services, who), **by_vin(who, vin=typed)).ok


def test_the_customer_number_instead_of_the_vin(services: Services, who: int) -> None:
    data = {"method": "customer_number", "first_name": FIRST, "last_name": LAST}
    result = verify(
        services, start(services, who), **data, customer_number=f" {number_of(who).lower()} "
    )
    assert result.ok and result.snapshot.state == "choosing_channel"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"vin": "WMWLV7C0N2R6I530"}, {"vin": "vin_format"}),  # 16 characters, an I
        ({"vin": "WMWLV7C0NO2R61530"}, {"vin": "vin_format"}),  # an O
        ({"vin": "1M8GDM9AQKP042788"}, {"vin": "vin_format"}),  # a Q
        ({"vin": "1M8GDM9A1KP042788"}, {"vin": "vin_check_digit"}),
        ({"last_payment_amount": "abc"}, {"last_payment_amount": "amount_format"}),
        ({"last_payment_amount": "4,5678"}, {"last_payment_amount": "amount_format"}),
        ({"vin": "", "last_payment_amount": ""},
         {"vin": "required", "last_payment_amount": "required"}),
        ({"method": "customer_number"}, {"customer_number": "required"}),
        ({"first_name": "", "vin": "x"}, {"first_name": "required", "vin": "vin_format"}),
    ],
)  # fmt: skip
def test_format_problems_are_told_by_field_and_cost_no_attempt(
    services: Services, who: int, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    instance = start(services, who)
    for _ in range(4):
        result = verify(services, instance, **by_vin(who, **changes))
        assert result.outcome is Outcome.REJECTED and result.errors == errors
    assert verify(services, instance, **by_vin(who)).ok  # never locked by them


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Jeanne"},
        {"last_name": "Tremblai"},  # a letter differs
        {"last_name": "Trémblay"},  # accents count (letter case does not)
        {"last_payment_amount": "456,77"},
        {"vin": "1M8GDM9AXKP042788"},  # a real VIN, someone else's
        {"method": "customer_number", "customer_number": "MM9999999"},
    ],
    ids=["first name", "last name", "accent", "amount", "vin", "customer number"],
)
def test_a_mismatch_never_says_which_field(
    services: Services, who: int, changes: dict[str, Any]
) -> None:
    result = verify(services, start(services, who), **by_vin(who, **changes))
    assert result.outcome is Outcome.REJECTED
    assert result.errors == {"event": "identity_mismatch"}


def test_a_contract_linked_to_another_mini_id_answers_like_a_mismatch(
    services: Services, who: int
) -> None:
    other = identity(services, "other@example.com")
    with services.db.write() as session:
        found = contracts.by_number(session, "PR-25-000001")
        assert found is not None
        found.identity_id = other
    result = verify(services, start(services, who), **by_vin(who))
    assert result.errors == {"event": "identity_mismatch"}


def test_three_failures_in_24_hours_lock_the_mini_id(services: Services, who: int) -> None:
    instance = start(services, who)
    wrong = by_vin(who, last_payment_amount="1,00")
    for _ in range(2):
        assert verify(services, instance, **wrong).errors == {"event": "identity_mismatch"}
    third = verify(services, instance, **wrong)
    assert third.ok and third.snapshot.state == "locked" and third.snapshot.final
    # Another start, the right answers: still locked, for 24 hours from the failures.
    services.clock.advance(timedelta(hours=23))
    assert verify(services, start(services, who), **by_vin(who)).snapshot.state == "locked"
    services.clock.advance(timedelta(hours=1, seconds=1))
    assert (
        verify(services, start(services, who), **by_vin(who)).snapshot.state == "choosing_channel"
    )


def test_failures_of_other_mini_ids_do_not_count(services: Services, who: int) -> None:
    other = identity(services, "other@example.com")
    for _ in range(3):
        verify(services, start(services, other), **by_vin(who))  # Jean's contract, not theirs
    assert verify(services, start(services, who), **by_vin(who)).ok


def test_the_trail_keeps_every_attempt_without_the_secrets(services: Services, who: int) -> None:
    instance = start(services, who)
    verify(services, instance, **by_vin(who, last_payment_amount="1,00"))
    verify(services, instance, **by_vin(who))
    send = services.engine.send(instance, "send_code", {"channel": "email"}, by=TESTER)
    code = newest(services).extras["code"]
    services.engine.send(instance, "authorize", {"code": code}, by=TESTER)
    history = services.engine.history(instance, by=TESTER)
    assert [(r["event"], r["outcome"]) for r in history] == [
        ("start", "taken"),
        ("verify", "rejected"),
        ("verify", "taken"),
        ("send_code", "taken"),
        ("authorize", "taken"),
    ]
    assert send.ok and history[2]["data"]["vin"] == "***" + vin_of(who)[-4:]
    trail = json.dumps(history)
    for secret in (vin_of(who), vin_of(who)[-7:], "456,78", "1,00", number_of(who), code):
        assert secret not in trail
    with services.db.read() as session:
        row = session.get(FlowInstance, instance)
        assert row is not None
        assert code not in json.dumps(row.data) and vin_of(who) not in json.dumps(row.data)


def test_authorizing_links_every_contract_of_that_customer(services: Services, who: int) -> None:
    contract(services, "LO-25-000002", kind="lease", customer_number=number_of(who))
    contract(services, "PR-25-000003", customer_number="SOMEONE-ELSE")
    other = identity(services, "other@example.com")
    contract(services, "PR-25-000004", customer_number=number_of(who), identity_id=other)
    instance = start(services, who)
    verify(services, instance, **by_vin(who))
    services.engine.send(instance, "send_code", {"channel": "sms"}, by=TESTER)
    code = newest(services).extras["code"]
    done = services.engine.send(instance, "authorize", {"code": code}, by=TESTER)
    assert done.ok and done.snapshot.state == "linked"
    assert done.snapshot.display["linked"] == 2
    assert linked_to(services, who) == ["LO-25-000002", "PR-25-000001"]
    assert linked_to(services, other) == ["PR-25-000004"]  # never taken from its MINI ID


def test_an_instance_without_a_customer_is_refused(services: Services, who: int) -> None:
    """The API may start one without a customer: nobody to verify, nothing breaks."""
    instance = services.engine.start(
        "account_association", by=Principal.tester("api"), language="fr"
    ).id
    result = verify(services, instance, **by_vin(who))
    assert result.outcome is Outcome.REJECTED and result.errors == {"event": "refused"}
