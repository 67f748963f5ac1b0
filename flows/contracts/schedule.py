"""A contract's payment schedule: due dates, the next payment, what remains, its status.

Payment k (k = 1, 2, …) is due k periods after the start date, as long as it falls on or
before the end of the term (start date + term in months). Monthly payments keep the
start's day of the month, or the month's last day when it is shorter.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from storage.contracts import Contract

FREQUENCIES = ("monthly", "biweekly", "weekly")
EASTERN = ZoneInfo("America/Toronto")
_DAYS = {"biweekly": 14, "weekly": 7}


def today(now: datetime) -> date:
    """The calendar day in Canada's Eastern time, where MINI Financial Services keeps its books."""
    return now.astimezone(EASTERN).date()


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_date(contract: Contract) -> date:
    return add_months(contract.start_date, contract.term_months)


def due_dates(contract: Contract) -> tuple[date, ...]:
    return _schedule(contract.start_date, contract.frequency, contract.term_months)


# Contracts share their schedules (a start date, a frequency, a term); every page showing
# a contract asks for its dates, and a five-year weekly lease has 260 of them.
@lru_cache(maxsize=4096)
def _schedule(start: date, frequency: str, term_months: int) -> tuple[date, ...]:
    end = add_months(start, term_months)
    dates = []
    k = 1
    while (due := _due(start, frequency, k)) <= end:
        dates.append(due)
        k += 1
    return tuple(dates)


def _due(start: date, frequency: str, k: int) -> date:
    if frequency == "monthly":
        return add_months(start, k)
    return start + timedelta(days=_DAYS[frequency] * k)


def remaining_dates(contract: Contract) -> tuple[date, ...]:
    """The due dates not yet paid: those after the last payment on record."""
    dates = due_dates(contract)
    return dates[bisect_right(dates, contract.last_payment_date) :]


@dataclass(frozen=True)
class Standing:
    status: str  # current | past_due | completed
    next_due: date | None
    remaining: int  # payments still due
    remaining_cents: int = 0  # what they add up to


def standing(contract: Contract, today: date) -> Standing:
    """Where the contract stands today, as the overview shows it."""
    left = remaining_dates(contract)
    if not left:
        return Standing("completed", None, 0)
    status = "past_due" if left[0] < today else "current"
    return Standing(status, left[0], len(left), len(left) * contract.payment_cents)


def amortized(financed: int, rate_bp: int, term: int, paid: int) -> tuple[int, int]:
    """A loan of FINANCED cents at RATE_BP a year over TERM monthly payments: (the monthly
    payment, the principal left after PAID payments), both in cents."""
    rate = Fraction(rate_bp, 10_000 * 12)
    growth = (1 + rate) ** term
    payment = Fraction(financed) * rate * growth / (growth - 1)
    after = (1 + rate) ** paid
    left = Fraction(financed) * after - payment * (after - 1) / rate
    return round_half_up(payment), max(round_half_up(left), 0)


def round_half_up(amount: Fraction) -> int:
    """Cents from an exact amount: half a cent or more rounds up (never negative here)."""
    return int(amount + Fraction(1, 2))
