"""The language of my MINI ID: a customer, and English."""

from __future__ import annotations

import secrets
from typing import Any

from tests.factories import identity
from tests.paths import Steps, Walk
from web.services import Services


def customer(services: Services) -> int:
    return identity(services, f"client.{secrets.token_hex(4)}@example.com")


def english(walk: Walk) -> dict[str, Any]:
    return {"language": "en"}


STEPS: Steps = {("choosing", "save"): english}
