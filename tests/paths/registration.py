"""Registration: the data that satisfies the guards at each step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.paths import Steps, Walk

PASSWORD = "vélo rouge sous la pluie"


def details(walk: Walk) -> dict[str, Any]:
    return {
        "first_name": "Émilie",
        "last_name": "Gagnon",
        "email": f"emilie.{walk.id.lower()}@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }


def activation_link(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token()}


def after_a_minute(walk: Walk) -> dict[str, Any]:
    walk.advance(timedelta(seconds=61))  # resending waits 60 s
    return {}


STEPS: Steps = {
    ("details", "submit"): details,
    ("awaiting_activation", "activate"): activation_link,
    ("awaiting_activation", "resend"): after_a_minute,
}
