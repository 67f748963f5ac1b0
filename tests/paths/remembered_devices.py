"""Where I am signed in: a customer whose MINI ID remembers a browser and has a session
open elsewhere; the browser forgotten, the other sessions ended."""

from __future__ import annotations

import secrets
from typing import Any

from flows.accounts import remembered, sessions
from tests.factories import identity
from tests.paths import Steps, Walk
from web.services import Services


def customer(services: Services) -> int:
    """A customer's procedure starts with its customer: one with a remembered device."""
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    with services.db.write() as session:
        remembered.remember(session, who, "", services.clock())
        sessions.create(session, secrets.token_urlsafe(32), who, {}, services.clock())
    return who


def forget_all(walk: Walk) -> dict[str, Any]:
    return {"device": "all"}


def end_others(walk: Walk) -> dict[str, Any]:
    return {"session": "others"}


STEPS: Steps = {("listing", "forget"): forget_all, ("listing", "end_session"): end_others}
