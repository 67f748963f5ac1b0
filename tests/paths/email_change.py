"""Change my e-mail address: a customer, a new address, its link, and the undo link the
old address gets."""

from __future__ import annotations

import secrets
from typing import Any

from tests.factories import PASSWORD, identity
from tests.paths import Steps, Walk
from web.services import Services

NEW_PASSWORD = "une autre saison sur la rive-sud"


def customer(services: Services) -> int:
    return identity(services, f"client.{secrets.token_hex(4)}@example.com")


def new_address(walk: Walk) -> dict[str, Any]:
    return {"current_password": PASSWORD, "email": f"nouvelle.{walk.id[:8]}@example.com"}


def link(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token()}


def undo(walk: Walk) -> dict[str, Any]:
    token = walk.link_token()  # the newest message: the old address told, with the undo link
    return {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}


STEPS: Steps = {
    ("asking", "submit"): new_address,
    ("link_sent", "confirm"): link,
    ("changed", "undo"): undo,
}
