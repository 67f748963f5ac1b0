"""Payoff quotes as issued: kept with their reference, their amounts and their taxes.

A quote is what MINI Financial Services told a customer on a day; it is never
recomputed. Money in cents, rates in thousandths of a percent (9,975 % is 9975).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from storage.contracts import Contract
from storage.db import utcnow
from storage.models import Base, BigId


class PayoffQuote(Base):
    __tablename__ = "payoff_quotes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # Q-2026-XXXX-XXXX
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    # The MINI ID that asked for it: only they see it among their documents.
    identity_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("identities.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8))  # loan | lease, as on the day
    province: Mapped[str] = mapped_column(String(2))
    payoff_date: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    per_diem_cents: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2))  # fr | en
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[PayoffQuoteLine]] = relationship(
        order_by="PayoffQuoteLine.position", cascade="all, delete-orphan"
    )
    taxes: Mapped[list[PayoffQuoteTax]] = relationship(
        order_by="PayoffQuoteTax.position", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_payoff_quotes_contract", "contract_id", "issued_at"),)


class PayoffQuoteLine(Base):
    """One part of the amount (principal, interest, remaining payments, residual, fee)."""

    __tablename__ = "payoff_quote_lines"

    quote_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payoff_quotes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(32))
    cents: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int | None] = mapped_column(Integer)
    each_cents: Mapped[int | None] = mapped_column(BigInteger)


class PayoffQuoteTax(Base):
    """One sales tax: RATE_PCM thousandths of a percent of BASE_CENTS."""

    __tablename__ = "payoff_quote_taxes"

    quote_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payoff_quotes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tax: Mapped[str] = mapped_column(String(3))  # GST | HST | QST | PST | RST
    rate_pcm: Mapped[int] = mapped_column(Integer)
    base_cents: Mapped[int] = mapped_column(BigInteger)
    cents: Mapped[int] = mapped_column(BigInteger)


def exists(session: Session, reference: str) -> bool:
    query = select(PayoffQuote.id).where(PayoffQuote.reference == reference)
    return session.scalar(query) is not None


def by_reference(session: Session, reference: str) -> tuple[PayoffQuote, Contract] | None:
    """The quote and its contract, whoever asked for it (the staff's look-up)."""
    query = (
        select(PayoffQuote, Contract)
        .join(Contract, Contract.id == PayoffQuote.contract_id)
        .where(PayoffQuote.reference == reference)
        .options(selectinload(PayoffQuote.lines), selectinload(PayoffQuote.taxes))
    )
    row = session.execute(query).one_or_none()
    return (row[0], row[1]) if row else None


def owned(
    session: Session, reference: str, identity_id: int
) -> tuple[PayoffQuote, Contract] | None:
    """The quote, only when this MINI ID asked for it and the contract is still theirs."""
    found = by_reference(session, reference)
    if found is None:
        return None
    quote, contract = found
    mine = quote.identity_id == identity_id and contract.identity_id == identity_id
    return found if mine else None


class QuoteLine(NamedTuple):
    """A quote as the overview lists it among a contract's documents."""

    contract_id: int
    reference: str
    issued_at: datetime
    payoff_date: date
    total_cents: int


# Built once (the overview runs it at each visit): building it costs more than running it.
# Rows, not objects of the session, as for the overview's payments and documents.
_OF_CONTRACTS = (
    select(*(getattr(PayoffQuote, name) for name in QuoteLine._fields))
    .where(
        PayoffQuote.contract_id.in_(bindparam("contracts", expanding=True)),
        PayoffQuote.identity_id == bindparam("identity"),
    )
    .order_by(PayoffQuote.issued_at.desc(), PayoffQuote.id.desc())
)


def of_contracts(
    session: Session, contract_ids: list[int], identity_id: int
) -> dict[int, list[QuoteLine]]:
    """The quotes this MINI ID asked for on each contract, newest first: one query."""
    found: dict[int, list[QuoteLine]] = {i: [] for i in contract_ids}
    wanted = {"contracts": contract_ids, "identity": identity_id}
    for row in session.connection().execute(_OF_CONTRACTS, wanted):
        found[row.contract_id].append(QuoteLine._make(row))
    return found
