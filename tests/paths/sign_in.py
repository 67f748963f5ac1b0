"""Sign-in: the MINI IDs and data that satisfy the guards at each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories import PASSWORD, identity
from tests.paths import Steps, Walk


def credentials(status: str) -> Any:
    def step(walk: Walk) -> dict[str, Any]:
        email = f"{status}.{walk.id.lower()}@example.com"
        identity(walk.services, email, status=status)
        return {"email": email, "password": PASSWORD}

    return step


def activation_link(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token()}


def after_a_minute(walk: Walk) -> dict[str, Any]:
    walk.advance(timedelta(seconds=61))  # resending waits 60 s
    return {}


STEPS: Steps = {
    ("credentials", "submit", "signed_in"): credentials("active"),
    ("credentials", "submit", "not_activated"): credentials("pending"),
    ("not_activated", "resend"): lambda walk: {},
    ("activation_sent", "activate"): activation_link,
    ("activation_sent", "resend"): after_a_minute,
}
