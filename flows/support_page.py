"""A customer's page at the support desk: what an agent needs to help the caller.

The MINI ID and its contracts, sign-in and verification locks with when they end and
why, remembered devices, live sessions, the procedures of the last 30 days with their
trails, what was sent to them (never what it said) and their conversations. Read in one
transaction (the staff screen of customer_support).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from flows.accounts import credentials, sessions
from flows.contracts import association
from flows.messaging import staff_name
from flows.support import case_reference
from storage import devices, messages, passkeys, sign_in_failures
from storage import support as store
from storage.contracts import Contract
from storage.identities import email_key
from storage.models import AuditRecord, FlowInstance, Identity, OutboxMessage

RECENT = timedelta(days=30)
MAX_PROCEDURES = 20
MAX_SENT = 30


@dataclass(frozen=True)
class SignInLock:
    failures: int
    until: datetime | None  # the address waits until then
    locked: bool  # too many failures: until the password is set again


@dataclass(frozen=True)
class AssociationLock:
    failures: list[datetime]  # the MINI ID's failed verifications that count now
    reopens_at: datetime | None  # None: the MINI ID is not locked itself
    contracts: list[Contract]  # contracts it named that are locked, whoever failed


@dataclass(frozen=True)
class Procedure:
    instance: FlowInstance
    reference: str
    trail: list[AuditRecord]


@dataclass(frozen=True)
class Sent:
    """An e-mail or text message as the agent sees it: what kind, when, how it went."""

    channel: str
    kind: str
    created_at: datetime
    sent_at: datetime | None
    status: str  # waiting | retrying | delivered | failed
    error: str


def customer_page(session: Session, customer_id: int, now: datetime) -> dict[str, Any]:
    customer = session.get(Identity, customer_id)
    if customer is None:
        return {}
    contracts = store.linked_contracts(session, customer_id)
    procedures = _procedures(session, customer_id, now)
    staff_ids = {int(a[6:]) for p in procedures for a in _actors(p.trail) if a[6:].isdigit()}
    return {
        "customer": customer,
        "contracts": contracts,
        "sign_in_lock": _sign_in_lock(session, customer, now),
        "association_lock": _association_lock(session, customer_id, now),
        "devices": devices.devices_of(session, customer_id, now),
        "passkeys": passkeys.of_customer(session, customer_id),
        "sessions": sessions.of_customer(session, customer_id, now),
        "procedures": procedures,
        "staff_names": {
            i: staff_name(s) for i, s in messages.staff_names(session, staff_ids).items()
        },
        "sent": _sent(session, [customer.email, *{c.phone for c in contracts}]),
        "conversations": messages.of_customer(session, customer_id),
    }


def _actors(trail: list[AuditRecord]) -> set[str]:
    return {r.actor for r in trail if r.actor.startswith("staff:")}


def _sign_in_lock(session: Session, customer: Identity, now: datetime) -> SignInLock | None:
    failures = sign_in_failures.peek(session, email_key(customer.email))
    if failures is None or failures.count < credentials.FREE_FAILURES:
        return None
    until = failures.last_failed_at + credentials.delay_after(failures.count)
    return SignInLock(
        failures=failures.count,
        until=until if until > now else None,
        locked=failures.count >= credentials.LOCK_AFTER,
    )


def _association_lock(session: Session, customer_id: int, now: datetime) -> AssociationLock | None:
    failures = devices.failures_since(session, customer_id, now - association.LOCK_WINDOW)
    named = store.locked_association_contracts(session, customer_id, now - RECENT)
    locked = store.locked_contracts(session, named)
    reopens = association.reopens_at(session, customer_id, now)
    if reopens is None and not locked and not failures:
        return None
    return AssociationLock(failures=failures, reopens_at=reopens, contracts=locked)


def _procedures(session: Session, customer_id: int, now: datetime) -> list[Procedure]:
    rows = store.instances_of(session, customer_id, now - RECENT, MAX_PROCEDURES)
    trails = store.trails(session, [r.id for r in rows])
    return [Procedure(r, case_reference(r.id), trails[r.id]) for r in rows]


def _sent(session: Session, recipients: list[str]) -> list[Sent]:
    return [_as_sent(m) for m in store.outbox_to(session, recipients, MAX_SENT)]


def _as_sent(message: OutboxMessage) -> Sent:
    status = {"sent": "delivered", "failed": "failed"}.get(message.status)
    if status is None:
        status = "retrying" if message.attempts else "waiting"
    return Sent(
        channel=message.channel,
        kind=message.kind,
        created_at=message.created_at,
        sent_at=message.sent_at,
        status=status,
        # What the mail server or gateway answered: never the message itself.
        error=(message.last_error or "")[:200] if status in ("retrying", "failed") else "",
    )
