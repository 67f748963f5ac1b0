"""Issuing a payoff quote: computed once, kept under a reference a person can read out.

The reference (``Q-2026-7KX3-MP9D``: the year, then 8 characters drawn with ``secrets``
from an alphabet without look-alikes) names a quote on the phone and on a payment; it
is neither sequential nor guessable, and a customer reaches only their own quotes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from flows.contracts import payoff, taxes
from storage import quotes as store
from storage.contracts import Contract
from storage.models import Identity
from storage.quotes import PayoffQuote, PayoffQuoteLine, PayoffQuoteTax

# No 0/O, 1/I/L: what is read out on the phone or copied from paper is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REFERENCE = re.compile(rf"^Q(\d{{4}})([{ALPHABET}]{{8}})$")
ATTEMPTS = 5  # 31⁸ ≈ 8.5 × 10¹¹ references a year: a collision is already unlikely


@dataclass(frozen=True)
class Issued:
    """A quote as it was issued, with who asked for it and when."""

    reference: str
    quote: payoff.Quote
    contract_id: int
    identity_id: int | None
    language: str
    issued_at: datetime


def new_reference(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"Q-{year}-{body[:4]}-{body[4:]}"


def parse_reference(text: str) -> str | None:
    """A reference as typed (any case, spaces or dashes anywhere), or None if it is none."""
    compact = re.sub(r"[\s\-‐-―]", "", text[:64]).upper()
    match = _REFERENCE.match(compact)
    if match is None:
        return None
    year, body = match.groups()
    return f"Q-{year}-{body[:4]}-{body[4:]}"


def issue(
    session: Session,
    contract: Contract,
    payoff_date: date,
    *,
    today: date,
    now: datetime,
    language: str,
    identity_id: int,
) -> Issued:
    """Compute the quote for PAYOFF_DATE and keep it; PayoffDateRefused if the date is out."""
    quote = payoff.quote(contract, payoff_date, today)
    row = PayoffQuote(
        reference=_unused_reference(session, today.year),
        contract_id=contract.id,
        identity_id=identity_id,
        kind=quote.kind,
        province=quote.province,
        payoff_date=quote.payoff_date,
        total_cents=quote.total_cents,
        per_diem_cents=quote.per_diem_cents,
        language=language,
        issued_at=now,
        lines=[
            PayoffQuoteLine(
                position=n,
                item=line.item,
                cents=line.cents,
                count=line.count,
                each_cents=line.each_cents,
            )
            for n, line in enumerate(quote.lines)
        ],
        taxes=[
            PayoffQuoteTax(
                position=n,
                tax=tax.tax,
                rate_pcm=int(tax.percent * 1000),
                base_cents=tax.base_cents,
                cents=tax.cents,
            )
            for n, tax in enumerate(quote.taxes)
        ],
    )
    session.add(row)
    session.flush()
    return restore(row, contract)


def _unused_reference(session: Session, year: int) -> str:
    for _ in range(ATTEMPTS):
        reference = new_reference(year)
        if not store.exists(session, reference):
            return reference
    raise RuntimeError("no unused quote reference found")  # pragma: no cover - 1 in 10⁵⁰


def restore(row: PayoffQuote, contract: Contract) -> Issued:
    """The quote as it was issued, from what was kept (nothing is recomputed)."""
    quote = payoff.Quote(
        contract_number=contract.number,
        kind=row.kind,
        payoff_date=row.payoff_date,
        good_until=row.payoff_date,
        lines=tuple(
            payoff.Line(line.item, line.cents, count=line.count, each_cents=line.each_cents)
            for line in row.lines
        ),
        per_diem_cents=row.per_diem_cents,
        province=row.province,
        taxes=tuple(
            taxes.Tax(tax.tax, Decimal(tax.rate_pcm) / 1000, tax.base_cents, tax.cents)
            for tax in row.taxes
        ),
    )
    return Issued(
        reference=row.reference,
        quote=quote,
        contract_id=row.contract_id,
        identity_id=row.identity_id,
        language=row.language,
        issued_at=row.issued_at,
    )


def customers(session: Session, reference: str, customer_id: int) -> tuple[Issued, Contract] | None:
    """The quote REFERENCE, when the customer asked for it and the contract is still
    theirs; else None (another's answers like one that does not exist)."""
    found = store.owned(session, reference, customer_id)
    return (restore(*found), found[1]) if found else None


def of_contracts(
    session: Session, contract_ids: list[int], customer_id: int
) -> dict[int, list[store.QuoteLine]]:
    """Each contract's quotes the customer asked for, newest first."""
    return store.of_contracts(session, contract_ids, customer_id)


def looked_up(session: Session, reference: str) -> tuple[Issued, Contract, Identity | None] | None:
    """The quote REFERENCE as it was kept, with the customer who asked (for staff)."""
    found = store.by_reference(session, reference)
    if found is None:
        return None
    row, contract = found
    customer = session.get(Identity, row.identity_id) if row.identity_id else None
    return restore(row, contract), contract, customer
