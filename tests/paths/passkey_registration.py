"""A passkey on this device: a customer, the device's name, and what a software
authenticator answers the options handed out."""

from __future__ import annotations

import secrets
from typing import Any

from flows.accounts.passkeys import relying_party
from tests.factories import identity
from tests.paths import Steps, Walk
from tests.webauthn import SoftAuthenticator
from web.services import Services


def customer(services: Services) -> int:
    return identity(services, f"client.{secrets.token_hex(4)}@example.com")


def authenticator(walk: Walk) -> SoftAuthenticator:
    return SoftAuthenticator(relying_party(walk.services.engine.base_url()).origin)


def created(walk: Walk) -> dict[str, Any]:
    options = walk.passkey_options()
    return {"credential": authenticator(walk).create(options) if options else "{}"}


STEPS: Steps = {
    ("naming", "create"): lambda walk: {"name": "Firefox · Ubuntu"},
    ("creating", "register"): created,
    ("creating", "again"): lambda walk: {},
}
