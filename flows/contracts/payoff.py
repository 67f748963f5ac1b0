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

The payoff date is a day MINI Financial Services can receive a payment: a business day of
the contract's province, neither a Saturday, a Sunday, nor one of the province's statutory
holidays (the maintained ``holidays`` package says which, and names them in both languages).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache

import holidays
from babel.dates import format_date

from flows.contracts import taxes
from flows.contracts.schedule import remaining_dates, round_half_up
from flows.formatting import day
from flows.i18n import LOCALES
from storage.contracts import Contract

MAX_DAYS_AHEAD = 30
# What MINI Financial Services charges to exercise a lease's purchase option.
PURCHASE_OPTION_FEE_CENTS = 350_00


# The holidays package's names, in the language of each of ours.
HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_CA"}


class PayoffDateRefused(ValueError):
    """The payoff date is outside today .. today + MAX_DAYS_AHEAD, or no business day of
    the province; ``reason`` says how, ``details`` what the message names, by language."""

    def __init__(self, reason: str, details: dict[str, dict[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details or {}


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


@lru_cache(maxsize=256)
def _holidays(province: str, year: int, language: str) -> dict[date, str]:
    return dict(
        holidays.country_holidays("CA", subdiv=province, years=year, language=language).items()
    )


def holiday(value: date, province: str, lang: str = "en") -> str | None:
    """The name of the province's statutory holiday on VALUE, in LANG; None on another day."""
    return _holidays(province, value.year, HOLIDAY_LANGUAGES[lang]).get(value)


def business_day(value: date, province: str) -> bool:
    """Whether MINI Financial Services can receive a payment on VALUE in PROVINCE."""
    return value.weekday() < 5 and holiday(value, province) is None


def date_window(today: date, province: str | None = None) -> tuple[date, date]:
    """The first and last payoff dates a quote asked for on TODAY may name; with a
    PROVINCE, the first and last of them that are its business days."""
    first, last = today, today + timedelta(days=MAX_DAYS_AHEAD)
    if province is None:
        return first, last
    while first < last and not business_day(first, province):
        first += timedelta(days=1)
    while last > first and not business_day(last, province):
        last -= timedelta(days=1)
    return first, last


def check_date(payoff_date: date, today: date, province: str | None) -> None:
    """PayoffDateRefused unless PAYOFF_DATE is in the window and a business day (of
    PROVINCE: with none, only weekends are known)."""
    first, last = date_window(today)
    if payoff_date < first:
        raise PayoffDateRefused("payoff_date_past")
    if payoff_date > last:
        raise PayoffDateRefused("payoff_date_too_far")
    if payoff_date.weekday() >= 5:
        raise PayoffDateRefused("payoff_date_weekend", _named(payoff_date, None))
    if province is not None and holiday(payoff_date, province) is not None:
        raise PayoffDateRefused("payoff_date_holiday", _named(payoff_date, province))


def _named(value: date, province: str | None) -> dict[str, dict[str, str]]:
    """The day, its weekday and its holiday (if PROVINCE's), as each language writes them."""
    return {
        lang: {
            "date": day(value, lang),
            "weekday": format_date(value, "EEEE", locale=locale),
            **({"holiday": holiday(value, province, lang) or ""} if province else {}),
        }
        for lang, locale in LOCALES.items()
    }


def quote(contract: Contract, payoff_date: date, today: date) -> Quote:
    """The quote for ending CONTRACT on PAYOFF_DATE, asked for on TODAY."""
    check_date(payoff_date, today, contract.province)
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
