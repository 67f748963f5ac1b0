"""Password reset: a MINI ID to reset, and the data that satisfies each guard."""

from __future__ import annotations

from typing import Any

from tests.factories import identity
from tests.paths import Steps, Walk

NEW = "un nouveau départ en forêt"


def known_address(walk: Walk) -> dict[str, Any]:
    email = f"reset.{walk.id.lower()}@example.com"
    identity(walk.services, email)
    return {"email": email}


def new_password(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token(), "password": NEW, "password_confirm": NEW}


STEPS: Steps = {
    ("request", "submit"): known_address,
    ("link_sent", "save"): new_password,
}
