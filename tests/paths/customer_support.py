"""The support desk: a customer who registered (waiting for activation), failed account
association three times, has a remembered device and a session; an agent helps."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flows.access import Principal
from flows.accounts import remembered
from storage import sessions
from storage.devices import IdentityCheck
from tests.factories import PASSWORD
from tests.paths import Steps, Walk
from web.services import Services

WHY = {"reason": "The customer called and was verified by the phone script."}


def customer(services: Services) -> int:
    """A customer as registration leaves them: a MINI ID waiting for its activation link."""
    engine, email = services.engine, f"client.{secrets.token_hex(4)}@example.com"
    visitor = Principal.tester("test-plan")
    started = engine.start("registration", by=visitor, language="fr")
    fields = {"first_name": "Marie", "last_name": "Tremblay", "email": email}
    passwords = {"password": PASSWORD, "password_confirm": PASSWORD}
    result = engine.send(started.id, "submit", {**fields, **passwords}, by=visitor)
    assert result.ok and result.snapshot.customer_id is not None
    owner = result.snapshot.customer_id
    now = services.clock()
    with services.db.write() as session:
        for minutes in (3, 2, 1):  # three failed verifications: association is locked
            at = now - timedelta(minutes=minutes)
            session.add(IdentityCheck(identity_id=owner, matched=False, created_at=at))
        remembered.remember(session, owner, "", now)
        sessions.create(session, secrets.token_urlsafe(16), owner, {}, now)
    return owner


def why(walk: Walk) -> dict[str, Any]:
    return dict(WHY)


def one_device(walk: Walk) -> dict[str, Any]:
    from storage import devices

    with walk.services.db.write() as session:  # one remembered now, whatever the clock did
        remembered.remember(session, walk.customer_id or 0, "", walk.services.clock())
        found = devices.devices_of(session, walk.customer_id or 0, walk.services.clock())
    return {**WHY, "device": str(found[0].id)}


def disabled_first(walk: Walk) -> dict[str, Any]:
    """Enabling takes a disabled MINI ID: an agent disabled it before."""
    engine = walk.services.engine
    result = engine.send(walk.id, "disable", dict(WHY), by=walk.actor("disable"))
    assert result.ok or result.errors == {"event": "already_disabled"}, result.errors
    return dict(WHY)


def closed_first(walk: Walk) -> dict[str, Any]:
    """Reopening takes a MINI ID its customer closed lately."""
    from flows.accounts import closing
    from storage.models import Identity

    with walk.services.db.write() as session:
        found = session.get(Identity, walk.customer_id or 0)
        assert found is not None
        if found.status != closing.CLOSED:
            closing.close(session, found, walk.services.clock())
    return dict(WHY)


STEPS: Steps = {
    ("open", "lift_lock"): why,
    ("open", "resend_activation"): why,
    ("open", "forget_device"): one_device,
    ("open", "forget_devices"): why,
    ("open", "end_sessions"): why,
    ("open", "disable"): why,
    ("open", "enable"): disabled_first,
    ("open", "reopen"): closed_first,
}
