"""Payoff quotes («citations de remboursement»): what it costs to end a contract on a date.

- Loan: the outstanding principal on record (right after the last payment) plus interest
  accrued per day from the last payment to the payoff date, each day at the yearly rate
  divided by the days of its own year (365, or 366 in a leap year). Interest keeps
  accruing after the end of the term while a balance is left.
- Lease: every scheduled payment not yet made (never more than the term holds), plus
  the residual value, plus the purchase option fee, plus the sales taxes of the
  contract's province on the buyout (flows.contracts.taxes says which parts are taxed).
  A loan payoff carries no sales tax.

A quote assumes no other payment is made before the payoff date, and is good until that
date. Amounts are exact fractions of a cent until the end, then rounded half up.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from flows.contracts import taxes
from flows.contracts.schedule import remaining_dates, round_half_up
from storage.contracts import Contract

MAX_DAYS_AHEAD = 30
# What MINI Financial Services charges to exercise a lease's purchase option.
PURCHASE_OPTION_FEE_CENTS = 350_00


class PayoffDateRefused(ValueError):
    """The payoff date is outside today .. today + MAX_DAYS_AHEAD; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Line:
    """One part of the amount: ``item`` names it, ``count`` and ``each`` explain it."""

    item: str  # principal | interest | remaining_payments | residual | purchase_option_fee
    cents: int
    count: int | None = None
    each_cents: int | None = None


@dataclass(frozen=True)
class Quote:
    contract_number: str
    kind: str
    payoff_date: date
    good_until: date
    lines: tuple[Line, ...]
    per_diem_cents: int | None = None  # loans: a day's interest at the payoff date
    province: str = "QC"
    taxes: tuple[taxes.Tax, ...] = ()  # leases: the sales taxes on the buyout
    total_cents: int = field(init=False)

    def __post_init__(self) -> None:
        total = sum(line.cents for line in self.lines) + sum(tax.cents for tax in self.taxes)
        object.__setattr__(self, "total_cents", total)

    @property
    def taxed(self) -> bool:
        """Whether sales taxes apply at all: a lease buyout is a sale, a loan payoff is not."""
        return self.kind == "lease"


def date_window(today: date) -> tuple[date, date]:
    """The first and last payoff dates a quote asked for on TODAY may name."""
    return today, today + timedelta(days=MAX_DAYS_AHEAD)


def check_date(payoff_date: date, today: date) -> None:
    first, last = date_window(today)
    if payoff_date < first:
        raise PayoffDateRefused("payoff_date_past")
    if payoff_date > last:
        raise PayoffDateRefused("payoff_date_too_far")


def quote(contract: Contract, payoff_date: date, today: date) -> Quote:
    """The quote for ending CONTRACT on PAYOFF_DATE, asked for on TODAY."""
    check_date(payoff_date, today)
    if contract.kind == "loan":
        return _loan(contract, payoff_date)
    return _lease(contract, payoff_date)


def _year_days(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def accrued_interest(principal_cents: int, rate_bp: int, start: date, end: date) -> Fraction:
    """Interest in cents for the days after START up to and including END."""
    daily_rate = Fraction(principal_cents * rate_bp, 10_000)
    total = Fraction(0)
    day = start
    while day < end:
        year = (day + timedelta(days=1)).year  # the year of the next day to accrue
        segment_end = min(date(year, 12, 31), end)
        total += daily_rate * (segment_end - day).days / _year_days(year)
        day = segment_end
    return total


def _loan(contract: Contract, payoff_date: date) -> Quote:
    principal = contract.balance_cents or 0
    rate = contract.rate_bp or 0
    interest = accrued_interest(principal, rate, contract.last_payment_date, payoff_date)
    per_diem = Fraction(principal * rate, 10_000 * _year_days(payoff_date.year))
    return Quote(
        contract_number=contract.number,
        kind="loan",
        payoff_date=payoff_date,
        good_until=payoff_date,
        lines=(
            Line("principal", principal),
            Line("interest", round_half_up(interest), count=_days(contract, payoff_date)),
        ),
        per_diem_cents=round_half_up(per_diem),
        province=contract.province,
    )


def _days(contract: Contract, payoff_date: date) -> int:
    return max((payoff_date - contract.last_payment_date).days, 0)


def _lease(contract: Contract, payoff_date: date) -> Quote:
    count = len(remaining_dates(contract))
    lines = (
        Line(
            "remaining_payments",
            count * contract.payment_cents,
            count=count,
            each_cents=contract.payment_cents,
        ),
        Line("residual", contract.residual_cents or 0),
        Line("purchase_option_fee", PURCHASE_OPTION_FEE_CENTS),
    )
    price = taxes.taxable_on_buyout((line.item, line.cents) for line in lines)
    return Quote(
        contract_number=contract.number,
        kind="lease",
        payoff_date=payoff_date,
        good_until=payoff_date,
        lines=lines,
        province=contract.province,
        taxes=taxes.on_sale(price, contract.province, payoff_date),
    )
