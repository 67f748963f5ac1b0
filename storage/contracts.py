"""The system of record: loan and lease contracts, their payments and documents.

Money is kept in cents (integers), dates as calendar dates. A contract is reached by a
customer only through ``identity_id`` (set by account association, or by the demo).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.db import utcnow
from storage.models import Base, BigId


class Contract(Base):
    """A loan or lease contract as the system of record knows it."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # loan | lease
    vehicle_model: Mapped[str] = mapped_column(String(100))
    vehicle_year: Mapped[int] = mapped_column(Integer)
    vin: Mapped[str] = mapped_column(String(17))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    customer_number: Mapped[str] = mapped_column(String(32))
    # Where the contract is taxed: a two-letter province or territory code.
    province: Mapped[str] = mapped_column(String(2), default="QC", server_default="QC")
    start_date: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer)
    payment_cents: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[str] = mapped_column(String(10))  # monthly | biweekly | weekly
    # Loans: annual rate in hundredths of a percent (4.99 % is 499), outstanding principal.
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    balance_cents: Mapped[int | None] = mapped_column(BigInteger)
    # Leases: residual value and the yearly kilometre allowance.
    residual_cents: Mapped[int | None] = mapped_column(BigInteger)
    km_allowance: Mapped[int | None] = mapped_column(Integer)
    last_payment_cents: Mapped[int] = mapped_column(BigInteger)
    last_payment_date: Mapped[date] = mapped_column(Date)
    identity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Identity verification against this contract failed too often, whoever tried: it is
    # linked only once an agent lifts this (SECURITY.md).
    association_locked_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_contracts_identity", "identity_id"),
        Index("ix_contracts_vin", "vin"),
        Index("ix_contracts_customer_number", "customer_number"),
    )


class Payment(Base):
    """One payment of a contract's history; one per contract and day."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id", ondelete="CASCADE"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # paid | pending | returned

    __table_args__ = (UniqueConstraint("contract_id", "paid_on", name="uq_payments_day"),)


class Document(Base):
    """A statement, a contract document, or a file the customer uploaded."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # statement | contract | upload
    issued_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(200))  # shown and offered on download
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)  # generated
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_documents_contract", "contract_id", "issued_on"),
        # A customer's uploads of the last 24 hours (the upload quota).
        Index("ix_documents_uploaded_by", "uploaded_by", "created_at"),
    )


# The overview's statements, built once: building a select() costs more than running it.
_OF_CUSTOMER = (
    select(Contract).where(Contract.identity_id == bindparam("identity")).order_by(Contract.number)
)


def of_customer(session: Session, identity_id: int) -> list[Contract]:
    """The contracts linked to a MINI ID, in a stable order."""
    return list(session.scalars(_OF_CUSTOMER, {"identity": identity_id}))


def owned(session: Session, contract_id: int, identity_id: int) -> Contract | None:
    """The contract, only when it is linked to this MINI ID."""
    contract = session.get(Contract, contract_id)
    return contract if contract is not None and contract.identity_id == identity_id else None


def owned_document(session: Session, document_id: int, identity_id: int) -> Document | None:
    """The document, only when its contract is linked to this MINI ID."""
    query = (
        select(Document)
        .join(Contract, Contract.id == Document.contract_id)
        .where(Document.id == document_id, Contract.identity_id == identity_id)
    )
    return session.scalar(query)


class PaymentLine(NamedTuple):
    """A payment as the overview lists it."""

    contract_id: int
    paid_on: date
    amount_cents: int
    status: str


class DocumentLine(NamedTuple):
    """A document as the overview lists it."""

    id: int
    contract_id: int
    kind: str
    issued_on: date
    filename: str


# The overview only shows payments and documents: it reads them as rows, through the
# session's connection, rather than as objects of the session (which took twice as long).
_PAYMENT_RANK = (
    func.row_number()
    .over(partition_by=Payment.contract_id, order_by=(Payment.paid_on.desc(), Payment.id.desc()))
    .label("rank")
)
_RANKED = (
    select(Payment.id, _PAYMENT_RANK)
    .where(Payment.contract_id.in_(bindparam("contracts", expanding=True)))
    .subquery()
)
_RECENT_PAYMENTS = (
    select(*(getattr(Payment, name) for name in PaymentLine._fields))
    .join(_RANKED, _RANKED.c.id == Payment.id)
    .where(_RANKED.c.rank <= bindparam("limit"))
    .order_by(Payment.paid_on.desc(), Payment.id.desc())
)
_DOCUMENTS = (
    select(*(getattr(Document, name) for name in DocumentLine._fields))
    .where(Document.contract_id.in_(bindparam("contracts", expanding=True)))
    .order_by(Document.issued_on.desc(), Document.id.desc())
)


def recent_payments(
    session: Session, contract_ids: list[int], limit: int = 6
) -> dict[int, list[PaymentLine]]:
    """The LIMIT latest payments of each contract, newest first: one query for them all."""
    found: dict[int, list[PaymentLine]] = {i: [] for i in contract_ids}
    rows = session.connection().execute(
        _RECENT_PAYMENTS, {"contracts": contract_ids, "limit": limit}
    )
    for row in rows:
        found[row.contract_id].append(PaymentLine._make(row))
    return found


def documents(session: Session, contract_ids: list[int]) -> dict[int, list[DocumentLine]]:
    """Each contract's documents, newest first: one query for them all."""
    found: dict[int, list[DocumentLine]] = {i: [] for i in contract_ids}
    for row in session.connection().execute(_DOCUMENTS, {"contracts": contract_ids}):
        found[row.contract_id].append(DocumentLine._make(row))
    return found


def by_number(session: Session, number: str, *, lock: bool = False) -> Contract | None:
    query = select(Contract).where(Contract.number == number)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)
