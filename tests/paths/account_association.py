"""Account association: a customer with a contract on record, and what proves it's theirs."""

from __future__ import annotations

import secrets
from typing import Any

from flows.demo import vin
from tests.factories import contract, identity
from tests.paths import ACTOR, Steps, Walk
from tests.paths.steps import DEVICE_CODE
from web.services import Services

AMOUNT = "456,78"  # tests.factories.contract's last payment, as a French customer types it


def vin_of(customer_id: int) -> str:
    """Each test customer's own VIN, so walks never find each other's contracts."""
    return vin(f"WMW{customer_id:013d}")


def number_of(customer_id: int) -> str:
    """Each test customer's own Ma MINI customer ID."""
    return f"MM{customer_id:07d}"


def customer(services: Services) -> int:
    """A MINI ID whose contract is on record, not linked yet."""
    who = identity(services, f"client.{secrets.token_hex(6)}@example.com")
    contract(
        services,
        f"PR-T{who:08d}",
        vin=vin_of(who),
        customer_number=number_of(who),
        identity_id=None,
    )
    return who


def by_vin(walk: Walk) -> dict[str, Any]:
    return {
        "method": "vin",
        "first_name": "Jean",
        "last_name": "Tremblay",
        "vin": vin_of(walk.customer_id or 0),
        "last_payment_amount": AMOUNT,
    }


def third_miss(walk: Walk) -> dict[str, Any]:
    """Two attempts that do not match; the third locks verification."""
    wrong = {**by_vin(walk), "last_payment_amount": "1,00"}
    for _ in range(2):
        walk.services.engine.send(walk.id, "verify", wrong, by=ACTOR)
    return wrong


STEPS: Steps = {
    ("identifying", "verify", "choosing_channel"): by_vin,
    ("identifying", "verify", "locked"): third_miss,
    **DEVICE_CODE,
}
