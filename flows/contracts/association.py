"""Account association: the contract a customer describes, their verification attempts,
and the linking of every contract of theirs.

Knowledge-based verification (NIST 800-63A §5.3.2): names as on record (NFC, trimmed,
’ and ' alike, letter case aside), with the VIN and the exact last payment, or the Ma MINI
customer ID.
A contract linked to another MINI ID is not found, so the answer is that of a mismatch.

Failures are counted per MINI ID and per contract named (by its VIN or customer number,
whoever tries), each under a lock taken before counting: the MINI ID's row, the named
contracts' rows. So attempts sent at the same moment are judged one after the other.
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
from storage.models import Identity

LOCK_AFTER = 3  # failed attempts per MINI ID …
LOCK_WINDOW = timedelta(hours=24)  # … in this long
# Failed attempts against one contract in LOCK_WINDOW, whoever tries: then it stays
# locked until an agent lifts the lock.
CONTRACT_LOCK_AFTER = 5
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
    """A name as compared: NFC, one space between words, every apostrophe the same, letter
    case aside (accents, hyphens and letters still count, as the FAQ says)."""
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    return _APOSTROPHES.sub("'", name).casefold()


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


def named(session: Session, claim: Claim) -> list[Contract]:
    """The contracts of record CLAIM names by its VIN or customer number, locked: whether
    the rest matches or not, an attempt counts against them."""
    query = select(Contract).order_by(Contract.id).with_for_update()
    if claim.vin is not None:
        query = query.where(Contract.vin == claim.vin)
    else:
        query = query.where(Contract.customer_number == (claim.customer_number or ""))
    return list(session.scalars(query))


def find(candidates: list[Contract], claim: Claim, identity_id: int) -> Contract | None:
    """The contract among CANDIDATES that CLAIM describes and this MINI ID may link."""
    return next((c for c in candidates if _matches(c, claim, identity_id)), None)


def hold(session: Session, identity_id: int) -> None:
    """One attempt of a MINI ID at a time: its row stays locked until the step commits."""
    session.get(Identity, identity_id, with_for_update=True)


def locked(session: Session, identity_id: int, now: datetime) -> bool:
    """Whether the MINI ID failed too often lately (hold it first to count and decide)."""
    return devices.failed_checks(session, identity_id, now - LOCK_WINDOW) >= LOCK_AFTER


def attempts_left(session: Session, identity_id: int, now: datetime) -> int:
    """How many attempts the MINI ID has before verification locks (0: locked)."""
    return max(0, LOCK_AFTER - devices.failed_checks(session, identity_id, now - LOCK_WINDOW))


def reopens_at(session: Session, identity_id: int, now: datetime) -> datetime | None:
    """When the MINI ID's lock ends by itself (the third newest failure is 24 h old), or
    None when it is not locked."""
    failures = devices.failures_since(session, identity_id, now - LOCK_WINDOW)
    if len(failures) < LOCK_AFTER:
        return None
    return failures[-LOCK_AFTER] + LOCK_WINDOW


def lift(session: Session, identity_id: int, contract_ids: list[int], now: datetime) -> int:
    """An agent lifts the locks: the MINI ID's failures and those against CONTRACT_IDS no
    longer count, and those contracts take attempts again; how many contracts reopened."""
    devices.lift_checks(session, identity_id, contract_ids, now)
    result = session.execute(
        update(Contract)
        .where(Contract.id.in_(contract_ids), Contract.association_locked_at.is_not(None))
        .values(association_locked_at=None, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def contract_locked(candidates: list[Contract]) -> bool:
    return any(c.association_locked_at is not None for c in candidates)


def record(
    session: Session, identity_id: int, candidates: list[Contract], matched: bool, now: datetime
) -> None:
    """Keep an attempt, against the first contract it named; lock the named contracts when
    it was the failure too many."""
    contract_id = candidates[0].id if candidates else None
    check = IdentityCheck(
        identity_id=identity_id, contract_id=contract_id, matched=matched, created_at=now
    )
    session.add(check)
    session.flush()
    if matched or not candidates:
        return
    ids = [c.id for c in candidates]
    if devices.failed_checks_against(session, ids, now - LOCK_WINDOW) >= CONTRACT_LOCK_AFTER:
        for contract in candidates:
            contract.association_locked_at = contract.association_locked_at or now


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
