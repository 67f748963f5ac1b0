"""Remembered devices: a customer whose MINI ID remembers a browser, then forgets it."""

from __future__ import annotations

import secrets
from typing import Any

from flows.accounts import remembered
from tests.factories import identity
from tests.paths import Steps, Walk
from web.services import Services


def customer(services: Services) -> int:
    """A customer's procedure starts with its customer: one with a remembered device."""
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    with services.db.write() as session:
        remembered.remember(session, who, "", services.clock())
    return who


def forget_all(walk: Walk) -> dict[str, Any]:
    return {"device": "all"}


STEPS: Steps = {("listing", "forget"): forget_all}
