"""Account association: the contract a customer describes, their verification attempts,
and the linking of every contract of theirs.

Knowledge-based verification (NIST 800-63A §5.3.2): names as on record (NFC, trimmed,
’ and ' alike), with the VIN and the exact last payment, or the Ma MINI customer ID.
A contract linked to another MINI ID is not found, so the answer is that of a mismatch.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import devices
from storage.contracts import Contract
from storage.devices import IdentityCheck

LOCK_AFTER = 3  # failed attempts per MINI ID …
LOCK_WINDOW = timedelta(hours=24)  # … in this long
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u00b4`]")
DOT = "•"


@dataclass(frozen=True)
class Claim:
    """What the customer typed, parsed: names, and the VIN with the last payment or the
    customer number."""

    first_name: str
    last_name: str
    vin: str | None = None
    cents: int | None = None
    customer_number: str | None = None


def comparable_name(text: str) -> str:
    """A name as compared: NFC, one space between words, every apostrophe the same."""
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    return _APOSTROPHES.sub("'", name)


def customer_number(text: str) -> str:
    """The Ma MINI customer ID as typed: case and spaces do not count."""
    return "".join(text.split()).upper()


def _matches(contract: Contract, claim: Claim, identity_id: int) -> bool:
    if contract.identity_id not in (None, identity_id):
        return False  # someone else's: the same answer as a mismatch
    names = (comparable_name(claim.first_name), comparable_name(claim.last_name))
    if names != (comparable_name(contract.first_name), comparable_name(contract.last_name)):
        return False
    return claim.vin is None or contract.last_payment_cents == claim.cents


def find(session: Session, claim: Claim, identity_id: int) -> Contract | None:
    """The contract of record CLAIM describes, that this MINI ID may link; else None."""
    query = select(Contract).order_by(Contract.id).with_for_update()
    if claim.vin is not None:
        query = query.where(Contract.vin == claim.vin)
    else:
        query = query.where(Contract.customer_number == (claim.customer_number or ""))
    return next((c for c in session.scalars(query) if _matches(c, claim, identity_id)), None)


def locked(session: Session, identity_id: int, now: datetime) -> bool:
    return devices.failed_checks(session, identity_id, now - LOCK_WINDOW) >= LOCK_AFTER


def record(session: Session, identity_id: int, matched: bool, now: datetime) -> None:
    session.add(IdentityCheck(identity_id=identity_id, matched=matched, created_at=now))
    session.flush()


def link_all(session: Session, contract: Contract, identity_id: int, now: datetime) -> int:
    """Link every contract of this customer of record not linked elsewhere; how many."""
    result = session.execute(
        update(Contract)
        .where(
            Contract.customer_number == contract.customer_number,
            Contract.identity_id.is_(None),
        )
        .values(identity_id=identity_id, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mask_phone(phone: str) -> str:
    """+15145550142 → •••-•••-0142."""
    return f"{DOT * 3}-{DOT * 3}-{phone[-4:]}"


def mask_email(email: str) -> str:
    """jean.t@example.com → j•••@example.com."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{DOT * 3}@{domain}"
