"""Close my MINI ID: a customer with a contract linked, their password and the box checked."""

from __future__ import annotations

import secrets
from typing import Any

from tests.factories import PASSWORD, contract, identity
from tests.paths import Steps, Walk
from web.services import Services


def customer(services: Services) -> int:
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    contract(services, f"PR-26-{secrets.randbelow(10**6):06d}", identity_id=who)
    return who


def close(walk: Walk) -> dict[str, Any]:
    return {"current_password": PASSWORD, "confirm": True}


STEPS: Steps = {("confirming", "close"): close}
