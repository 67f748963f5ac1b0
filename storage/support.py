"""What the support desk reads: customers found by what a caller gives, and a customer's
procedures, sessions, messages sent and locks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.contracts import Contract
from storage.devices import IdentityCheck
from storage.identities import email_key
from storage.models import AuditRecord, FlowInstance, Identity, OutboxMessage


def _like(text: str) -> str:
    """TEXT as a LIKE prefix, its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def by_email(session: Session, text: str, limit: int) -> list[int]:
    """MINI IDs whose address is TEXT or begins with it."""
    query = (
        select(Identity.id)
        .where(Identity.email_key.like(_like(email_key(text)), escape="\\"))
        .order_by(Identity.email_key)
        .limit(limit)
    )
    return list(session.scalars(query))


def by_name(session: Session, words: Sequence[str], limit: int) -> list[int]:
    """MINI IDs whose first or last name begins with each of WORDS, whatever the case."""
    query = select(Identity.id)
    for word in words[:4]:
        pattern = _like(word.lower())
        query = query.where(
            or_(
                func.lower(Identity.first_name).like(pattern, escape="\\"),
                func.lower(Identity.last_name).like(pattern, escape="\\"),
            )
        )
    return list(session.scalars(query.order_by(Identity.last_name, Identity.id).limit(limit)))


def by_contract(
    session: Session,
    *,
    number: str | None = None,
    customer_number: str | None = None,
    vin_end: str | None = None,
) -> list[int]:
    """MINI IDs a contract is linked to, or that tried to link it: found by its number,
    its customer's number or its VIN's last characters."""
    contracts = select(Contract.id)
    if number is not None:
        contracts = contracts.where(func.upper(Contract.number) == number)
    elif customer_number is not None:
        contracts = contracts.where(Contract.customer_number == customer_number)
    else:
        contracts = contracts.where(Contract.vin.like("%" + (vin_end or "")))
    ids = contracts.limit(50).scalar_subquery()
    linked = select(Contract.identity_id).where(
        Contract.id.in_(ids), Contract.identity_id.is_not(None)
    )
    tried = select(IdentityCheck.identity_id).where(IdentityCheck.contract_id.in_(ids))
    found = session.scalars(linked.union(tried))
    return [int(i) for i in found if i is not None]


def by_instance_prefix(session: Session, prefix: str) -> list[int]:
    """The customers of the instances whose id begins with PREFIX (a case reference)."""
    query = (
        select(FlowInstance.customer_id)
        .where(FlowInstance.id.like(prefix + "%"), FlowInstance.customer_id.is_not(None))
        .distinct()
        .limit(10)
    )
    return [int(i) for i in session.scalars(query) if i is not None]


def identities(session: Session, ids: list[int]) -> list[Identity]:
    return list(session.scalars(select(Identity).where(Identity.id.in_(ids)))) if ids else []


def linked_numbers(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """The numbers of the contracts linked to each of these MINI IDs."""
    found: dict[int, list[str]] = {}
    query = (
        select(Contract.identity_id, Contract.number)
        .where(Contract.identity_id.in_(ids))
        .order_by(Contract.number)
    )
    for identity_id, number in session.execute(query):
        if identity_id is not None:
            found.setdefault(int(identity_id), []).append(number)
    return found


def open_instance(session: Session, flow: str, customer_id: int) -> str | None:
    """The newest instance of FLOW for the customer not ended yet."""
    query = (
        select(FlowInstance.id)
        .where(
            FlowInstance.flow == flow,
            FlowInstance.customer_id == customer_id,
            FlowInstance.ended_at.is_(None),
        )
        .order_by(FlowInstance.created_at.desc(), FlowInstance.id)
        .limit(1)
    )
    return session.scalar(query)


def instances_of(
    session: Session, customer_id: int, since: datetime, limit: int
) -> list[FlowInstance]:
    """The customer's instances in flight, and those that ended since SINCE, newest first."""
    query = (
        select(FlowInstance)
        .where(
            FlowInstance.customer_id == customer_id,
            or_(FlowInstance.ended_at.is_(None), FlowInstance.updated_at >= since),
        )
        .order_by(FlowInstance.updated_at.desc(), FlowInstance.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def trails(session: Session, instance_ids: list[str]) -> dict[str, list[AuditRecord]]:
    """Each instance's audit records, oldest first."""
    found: dict[str, list[AuditRecord]] = {i: [] for i in instance_ids}
    if not instance_ids:
        return found
    query = (
        select(AuditRecord)
        .where(AuditRecord.instance_id.in_(instance_ids))
        .order_by(AuditRecord.id)
    )
    for record in session.scalars(query):
        found[record.instance_id].append(record)
    return found


def locked_association_contracts(session: Session, customer_id: int, since: datetime) -> list[int]:
    """The contracts the customer's locked account associations named since SINCE."""
    query = select(FlowInstance.data).where(
        FlowInstance.flow == "account_association",
        FlowInstance.customer_id == customer_id,
        FlowInstance.state == "locked",
        FlowInstance.updated_at >= since,
    )
    ids: set[int] = set()
    for data in session.scalars(query):
        ids.update(int(i) for i in (data.get("lock") or {}).get("contracts", []))
    tried = select(IdentityCheck.contract_id).where(
        IdentityCheck.identity_id == customer_id,
        IdentityCheck.contract_id.is_not(None),
        IdentityCheck.created_at >= since,
    )
    ids.update(int(i) for i in session.scalars(tried) if i is not None)
    return sorted(ids)


def locked_contracts(session: Session, ids: list[int]) -> list[Contract]:
    if not ids:
        return []
    query = select(Contract).where(
        Contract.id.in_(ids), Contract.association_locked_at.is_not(None)
    )
    return list(session.scalars(query.order_by(Contract.number)))


def outbox_to(session: Session, recipients: list[str], limit: int) -> list[OutboxMessage]:
    """The newest e-mails and text messages to these addresses and numbers."""
    keys = [email_key(r) for r in recipients]
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.recipient_key.in_(keys))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def awaiting_activation(session: Session, customer_id: int, now: datetime) -> FlowInstance | None:
    """The newest registration or sign-in of the customer waiting for its activation link
    and not past its time, locked."""
    query = (
        select(FlowInstance)
        .where(
            FlowInstance.customer_id == customer_id,
            FlowInstance.state == "awaiting_activation",
            FlowInstance.ended_at.is_(None),
            FlowInstance.expires_at > now,
        )
        .order_by(FlowInstance.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    return session.scalar(query)


def linked_contracts(session: Session, customer_id: int) -> list[Contract]:
    query = select(Contract).where(Contract.identity_id == customer_id).order_by(Contract.number)
    return list(session.scalars(query))
