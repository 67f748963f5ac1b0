"""Sign-in: the MINI IDs and data that satisfy the guards at each step."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD, identity
from tests.paths import Steps, Walk
from tests.paths.steps import ACTIVATION


def credentials(status: str) -> Any:
    def step(walk: Walk) -> dict[str, Any]:
        email = f"{status}.{walk.id.lower()}@example.com"
        identity(walk.services, email, status=status)
        return {"email": email, "password": PASSWORD}

    return step


STEPS: Steps = {
    ("credentials", "submit", "signed_in"): credentials("active"),
    ("credentials", "submit", "not_activated"): credentials("pending"),
    ("not_activated", "resend"): lambda walk: {},
    **ACTIVATION,
}
