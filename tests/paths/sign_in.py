"""Sign-in: the MINI IDs and data that satisfy the guards at each step."""

from __future__ import annotations

import secrets
from typing import Any

from tests.factories import PASSWORD, contract, identity, passkey
from tests.paths import Steps, Walk
from tests.paths.steps import ACTIVATION, DEVICE_CODE
from tests.webauthn import SoftAuthenticator


def address(kind: str, walk: Walk) -> str:
    """A new MINI ID's address: a walk may come back to the same step (the passkey, then
    the password, then the passkey again) and make another."""
    return f"{kind}.{walk.id.lower()}.{secrets.token_hex(3)}@example.com"


def credentials(status: str) -> Any:
    def step(walk: Walk) -> dict[str, Any]:
        email = address(status, walk)
        identity(walk.services, email, status=status)
        return {"email": email, "password": PASSWORD}

    return step


def with_a_contract(walk: Walk) -> dict[str, Any]:
    """A MINI ID with a linked contract, on a device it does not remember: a code."""
    email = address("linked", walk)
    who = identity(walk.services, email)
    contract(walk.services, f"PR-{secrets.token_hex(5).upper()}", identity_id=who)
    return {"email": email, "password": PASSWORD}


def with_a_passkey(walk: Walk) -> dict[str, Any]:
    """A MINI ID with a passkey on this (software) device."""
    email = address("passkey", walk)
    DEVICES[walk.id] = passkey(walk.services, identity(walk.services, email))
    return {"email": email}


def signed_with_passkey(walk: Walk) -> dict[str, Any]:
    options, device = walk.passkey_options(), DEVICES.get(walk.id)
    return {"credential": device.get(options) if options and device else "{}"}


DEVICES: dict[str, SoftAuthenticator] = {}  # the authenticator of each walk's MINI ID

STEPS: Steps = {
    ("credentials", "use_passkey"): with_a_passkey,
    ("passkey", "verify_passkey"): signed_with_passkey,
    ("passkey", "again"): lambda walk: {},
    ("passkey", "use_password"): lambda walk: {},
    ("credentials", "submit", "signed_in"): credentials("active"),
    ("credentials", "submit", "not_activated"): credentials("pending"),
    ("credentials", "submit", "choosing_channel"): with_a_contract,
    ("not_activated", "resend"): lambda walk: {},
    **ACTIVATION,
    **DEVICE_CODE,
}
