"""Change my password: a customer, their current password and a new one."""

from __future__ import annotations

import secrets
from typing import Any

from tests.factories import PASSWORD, identity
from tests.paths import Steps, Walk
from web.services import Services

NEW = "une autre saison sur la rive-sud"


def customer(services: Services) -> int:
    return identity(services, f"client.{secrets.token_hex(4)}@example.com")


def change(walk: Walk) -> dict[str, Any]:
    return {"current_password": PASSWORD, "password": NEW, "password_confirm": NEW}


STEPS: Steps = {("changing", "save"): change}
