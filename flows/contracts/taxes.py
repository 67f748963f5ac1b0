"""Canadian sales taxes on a lease buyout: which parts are taxed, at which rates, when.

Buying the vehicle at the end of (or during) a lease is a sale by MINI Financial
Services, a GST/HST registrant: the federal GST, or the HST where it replaces the GST
and the provincial tax, and the provincial sales tax (QST in Quebec, PST in British
Columbia and Saskatchewan, RST in Manitoba) are charged on the price, in the province
of the contract, at the rates in force on the day the price is paid.

What is taxed is decided here and nowhere else (``TAXABLE_ON_BUYOUT``): the residual
value (the vehicle's price) and the purchase option fee. The remaining lease payments
are not taxed again: each lease payment on record already carries its sales taxes. A
loan payoff repays money lent; it is not a sale and carries no sales tax.

``RATES`` is the dated table: each row is a rate in force from ``since`` until a later
row of the same tax, place and price bracket; a rate change is one more row. It holds
today's rates and the changes of the last decade, enough for every payoff date a quote
may name (today onwards).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flows.contracts.schedule import round_half_up

TAXABLE_ON_BUYOUT = frozenset({"residual", "purchase_option_fee"})
FEDERAL = "CA"  # the GST's rows: every province where no HST is in force
ORDER = ("GST", "HST", "QST", "PST", "RST")  # the order of the lines on a quote


@dataclass(frozen=True)
class Rate:
    tax: str  # GST | HST | QST | PST | RST
    where: str  # a province code, or FEDERAL
    percent: Decimal
    since: date
    # British Columbia taxes a passenger vehicle at a rate that grows with its price:
    # the bracket whose lower bound the whole price reaches applies to all of it.
    from_cents: int = 0


def _rate(tax: str, where: str, percent: str, since: date, from_cents: int = 0) -> Rate:
    return Rate(tax, where, Decimal(percent), since, from_cents)


RATES: tuple[Rate, ...] = (
    _rate("GST", FEDERAL, "5", date(2008, 1, 1)),
    _rate("HST", "ON", "13", date(2010, 7, 1)),
    _rate("HST", "NS", "15", date(2010, 7, 1)),
    _rate("HST", "NS", "14", date(2025, 4, 1)),
    _rate("HST", "NB", "13", date(2008, 1, 1)),
    _rate("HST", "NB", "15", date(2016, 7, 1)),
    _rate("HST", "NL", "13", date(2008, 1, 1)),
    _rate("HST", "NL", "15", date(2016, 7, 1)),
    _rate("HST", "PE", "14", date(2013, 4, 1)),
    _rate("HST", "PE", "15", date(2016, 10, 1)),
    _rate("QST", "QC", "9.975", date(2013, 1, 1)),
    _rate("PST", "BC", "7", date(2013, 4, 1)),
    _rate("PST", "BC", "8", date(2013, 4, 1), from_cents=55_000_00),
    _rate("PST", "BC", "9", date(2013, 4, 1), from_cents=56_000_00),
    _rate("PST", "BC", "10", date(2013, 4, 1), from_cents=57_000_00),
    _rate("PST", "BC", "15", date(2018, 4, 1), from_cents=125_000_00),
    _rate("PST", "BC", "20", date(2018, 4, 1), from_cents=150_000_00),
    _rate("PST", "SK", "5", date(2006, 10, 28)),
    _rate("PST", "SK", "6", date(2017, 3, 23)),
    _rate("RST", "MB", "8", date(2013, 7, 1)),
    _rate("RST", "MB", "7", date(2019, 7, 1)),
)  # Alberta and the territories: the GST alone.


@dataclass(frozen=True)
class Tax:
    """One tax line of a quote: ``percent`` of ``base_cents``."""

    tax: str
    percent: Decimal
    base_cents: int
    cents: int


def in_force(province: str, day: date, price_cents: int) -> list[Rate]:
    """The rates that apply on DAY to a sale of PRICE_CENTS in PROVINCE, in ORDER."""
    latest: dict[tuple[str, str, int], Rate] = {}
    for rate in RATES:
        if rate.where in (province, FEDERAL) and rate.since <= day:
            key = (rate.tax, rate.where, rate.from_cents)
            if key not in latest or latest[key].since < rate.since:
                latest[key] = rate
    chosen: dict[str, Rate] = {}
    for rate in sorted(latest.values(), key=lambda r: r.from_cents):
        if rate.from_cents <= price_cents:
            chosen[rate.tax] = rate  # the highest bracket the price reaches
    if "HST" in chosen:
        del chosen["GST"]  # the HST is the GST and the provincial tax in one
    return [chosen[tax] for tax in ORDER if tax in chosen]


def on_sale(price_cents: int, province: str, day: date) -> tuple[Tax, ...]:
    """Each tax on a sale, exact until rounded half up to the cent, tax by tax."""
    return tuple(
        Tax(
            rate.tax,
            rate.percent,
            price_cents,
            round_half_up(Fraction(price_cents) * Fraction(rate.percent) / 100),
        )
        for rate in in_force(province, day, price_cents)
    )


def taxable_on_buyout(parts: Iterable[tuple[str, int]]) -> int:
    """The cents of a lease payoff's parts (item, cents) that sales taxes apply to."""
    return sum(cents for item, cents in parts if item in TAXABLE_ON_BUYOUT)
