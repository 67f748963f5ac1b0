"""Remembered devices: a browser that signs in without a code for 90 days.

The browser keeps a random token (256 bits) in a cookie; we keep its SHA-256 with the
customer, and what the customer needs to recognise the device in their list: the
browser and the system, read from the user agent by ua-parser (the maintained port of
uap-core's rules, with its native matcher), never the user agent itself.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from ua_parser import parse

from flows.accounts.links import digest
from storage import devices, passkeys
from storage.devices import RememberedDevice

VALID_FOR = timedelta(days=90)


def describe(user_agent: str) -> tuple[str, str]:
    """(browser, system) as a person names them: ("Firefox 128", "Windows 10"); "" when
    the user agent does not say."""
    found = parse(user_agent[:512]) if user_agent else None
    agent, system = (found.user_agent, found.os) if found else (None, None)
    browser = " ".join(filter(None, [agent.family, agent.major])) if agent else ""
    os_name = " ".join(filter(None, [system.family, system.major])) if system else ""
    return browser[:100], os_name[:100]


def remember(session: Session, identity_id: int, user_agent: str, now: datetime) -> str:
    """Remember this browser for the customer; the token its cookie will carry."""
    token = secrets.token_urlsafe(32)
    browser, system = describe(user_agent)
    session.add(
        RememberedDevice(
            token_hash=digest(token),
            identity_id=identity_id,
            browser=browser,
            system=system,
            created_at=now,
            last_used_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    return token


def recognised(session: Session, token: str | None, identity_id: int, now: datetime) -> bool:
    """Whether TOKEN is a remembered device of this customer, still in force (its use
    is noted)."""
    if not token:
        return False
    row = devices.device_by_hash(session, digest(token))
    if row is None or row.identity_id != identity_id or now >= row.expires_at:
        return False
    row.last_used_at = now
    return True


def forget_all(session: Session, identity_id: int) -> int:
    """Every remembered device of the customer asks for a code again, and every passkey is
    removed (a password reset or change, closing, an agent): how many devices were
    forgotten."""
    passkeys.remove(session, identity_id)
    return devices.forget(session, identity_id)


def of_customer(session: Session, identity_id: int, now: datetime) -> list[RememberedDevice]:
    return devices.devices_of(session, identity_id, now)


def is_this_one(row: RememberedDevice, token: str | None) -> bool:
    """Whether ROW is the device whose cookie carries TOKEN."""
    return bool(token) and row.token_hash == digest(token or "")
