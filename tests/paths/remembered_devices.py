"""Where I am signed in: a customer whose MINI ID remembers a browser, has a session open
elsewhere and a passkey; the browser forgotten, the other sessions ended, the passkey
removed."""

from __future__ import annotations

import secrets
from typing import Any

from flows.accounts import remembered, sessions
from storage import passkeys
from tests.factories import identity, passkey
from tests.paths import Steps, Walk
from web.services import Services


def customer(services: Services) -> int:
    """A customer's procedure starts with its customer: one with a remembered device."""
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    with services.db.write() as session:
        remembered.remember(session, who, "", services.clock())
        sessions.create(session, secrets.token_urlsafe(32), who, {}, services.clock())
    passkey(services, who)
    return who


def forget_all(walk: Walk) -> dict[str, Any]:
    return {"device": "all"}


def end_others(walk: Walk) -> dict[str, Any]:
    return {"session": "others"}


def remove_passkey(walk: Walk) -> dict[str, Any]:
    with walk.services.db.read() as session:
        owned = passkeys.of_customer(session, walk.customer_id or 0)
    return {"passkey": str(owned[0].id) if owned else "0"}


STEPS: Steps = {
    ("listing", "forget"): forget_all,
    ("listing", "end_session"): end_others,
    ("listing", "remove_passkey"): remove_passkey,
}
