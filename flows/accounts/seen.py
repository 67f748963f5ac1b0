"""Browsers a MINI ID has signed in with: a sign-in from any other is told by e-mail
(«Nouvelle connexion à Mon Compte MINI»).

A browser keeps a random token (256 bits) in a cookie for 400 days (the longest a browser
keeps one); we keep its SHA-256 with each MINI ID signed in with it, and the browser and
system the customer recognises (never the user agent). A MINI ID's very first sign-in
tells nothing: the customer has just registered or been brought over.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from flows.accounts.links import digest
from flows.accounts.remembered import describe
from storage import devices
from storage.devices import SeenDevice

KEEP_FOR = timedelta(days=400)


def note(
    session: Session, token: str | None, identity_id: int, user_agent: str, now: datetime
) -> tuple[str, bool]:
    """Note a sign-in of IDENTITY_ID from the browser carrying TOKEN: (the token its cookie
    carries from now on, whether this browser is new to a MINI ID that signed in before)."""
    token = token or secrets.token_urlsafe(32)
    row = devices.seen_device(session, digest(token), identity_id)
    if row is not None:
        row.last_seen_at = now
        return token, False
    before = devices.has_seen_devices(session, identity_id)
    browser, system = describe(user_agent)
    session.add(
        SeenDevice(
            token_hash=digest(token),
            identity_id=identity_id,
            browser=browser,
            system=system,
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    return token, before
