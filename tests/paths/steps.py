"""The data of the shared steps (flows/procedures/steps/), for every procedure that uses them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.paths import Steps, Walk


def activation_link(walk: Walk) -> dict[str, Any]:
    return {"token": walk.link_token()}


def after_a_minute(walk: Walk) -> dict[str, Any]:
    walk.advance(timedelta(seconds=61))  # resending waits 60 s
    return {}


ACTIVATION: Steps = {
    ("awaiting_activation", "activate"): activation_link,
    ("awaiting_activation", "resend"): after_a_minute,
}
