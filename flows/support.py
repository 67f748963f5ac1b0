"""The support desk: finding the customer who calls, and the staff reads it keeps.

An agent types what the caller gives: an e-mail address, a name, a contract number, a
MINI customer number, the last 6 characters of a VIN, or the case reference a locked
page showed. Each result says enough to tell two Marie Tremblay apart (masked address,
MINI ID status, since when, linked contracts' last digits), and no more. The customer's
page and the actions on it are the procedure ``customer_support``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from flows import fields
from flows.contracts.association import customer_number, mask_email
from storage import staff as staff_store
from storage import support as store
from storage.db import Database
from storage.models import Identity, StaffAccess

PROCEDURE = "customer_support"
MAX_RESULTS = 20
_REFERENCE = re.compile(r"^([0-9A-F]{4})-?([0-9A-F]{4})$")
_VIN_END = re.compile(r"^[A-HJ-NPR-Z0-9]{6}$")


def case_reference(instance_id: str) -> str:
    """The short reference of an instance a customer reads out on the phone: «3F9A-0C12»."""
    head = instance_id[:8].upper()
    return f"{head[:4]}-{head[4:]}"


@dataclass(frozen=True)
class Found:
    """A customer as the search lists them: enough to tell namesakes apart."""

    id: int
    name: str
    email: str  # masked
    status: str
    since: datetime
    contracts: tuple[str, ...]  # the last 4 characters of each linked contract's number
    by: str  # what matched: email, name, contract, customer_number, vin, reference


def search(session: Session, query: str) -> tuple[list[Found], bool]:
    """The customers QUERY finds (at most MAX_RESULTS), and whether there were more."""
    text = " ".join(query.split())[:120]
    if not text or not fields.allowed_characters(text, "string"):
        return [], False
    found: dict[int, str] = {}
    for by, ids in _matches(session, text):
        for identity_id in ids:
            found.setdefault(identity_id, by)
    people = store.identities(session, list(found)[: MAX_RESULTS + 1])
    linked = store.linked_numbers(session, [p.id for p in people])
    rows = [_found(p, linked.get(p.id, []), found[p.id]) for p in people]
    rows.sort(key=lambda r: (r.name.casefold(), r.id))
    return rows[:MAX_RESULTS], len(found) > MAX_RESULTS


def _matches(session: Session, text: str) -> list[tuple[str, list[int]]]:
    """(what matched, the MINI IDs it found), for every reading of TEXT that applies."""
    upper = text.upper()
    found = []
    if "@" in text:
        found.append(("email", store.by_email(session, text, MAX_RESULTS + 1)))
    reference = _REFERENCE.match(upper)
    if reference:
        prefix = (reference.group(1) + reference.group(2)).lower()
        found.append(("reference", store.by_instance_prefix(session, prefix)))
    if _VIN_END.match(upper) and any(c.isdigit() for c in upper):
        found.append(("vin", store.by_contract(session, vin_end=upper)))
    number = customer_number(text)
    if number and " " not in text:
        found.append(("contract", store.by_contract(session, number=number)))
        found.append(("customer_number", store.by_contract(session, customer_number=number)))
    if "@" not in text and not any(c.isdigit() for c in text):
        found.append(("name", store.by_name(session, text.split(), MAX_RESULTS + 1)))
    return found


def _found(person: Identity, numbers: list[str], by: str) -> Found:
    return Found(
        id=person.id,
        name=f"{person.first_name} {person.last_name}",
        email=mask_email(person.email),
        status=person.status,
        since=person.created_at,
        contracts=tuple(f"…{n[-4:]}" for n in numbers),
        by=by,
    )


def customer(session: Session, customer_id: int) -> Identity | None:
    return session.get(Identity, customer_id)


def open_case(session: Session, customer_id: int) -> str | None:
    """The customer's support instance still open (agents' actions go on it), if any."""
    return store.open_instance(session, PROCEDURE, customer_id)


def record_read(
    db: Database, staff_id: int, account: str, subject: str, address: str | None, now: datetime
) -> None:
    """A staff member read a customer's data (SUBJECT: "customer:12", "attachment:3"…):
    who, what, when and from where, for the analysts' trail."""
    with db.write() as session:
        staff_store.record(
            session,
            StaffAccess(
                event="read",
                outcome="taken",
                staff_id=staff_id,
                account=account,
                address=(address or None) and address[:45],
                actor="staff",
                subject=subject[:64],
                created_at=now,
            ),
        )
