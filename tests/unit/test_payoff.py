"""Payoff quotes against examples worked by hand (the arithmetic is in each docstring)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from flows.contracts import payoff
from flows.contracts.schedule import add_months, amortized, due_dates, standing
from storage.contracts import Contract


def loan(**terms: Any) -> Contract:
    values: dict[str, Any] = {
        "number": "L-1",
        "kind": "loan",
        "start_date": date(2021, 3, 1),
        "term_months": 60,
        "frequency": "monthly",
        "payment_cents": 450_00,
        "balance_cents": 10_000_00,
        "rate_bp": 365,
        "last_payment_date": date(2025, 3, 1),
    }
    return Contract(**{**values, **terms})


def lease(**terms: Any) -> Contract:
    values: dict[str, Any] = {
        "number": "B-1",
        "kind": "lease",
        "start_date": date(2022, 6, 15),
        "term_months": 36,
        "frequency": "monthly",
        "payment_cents": 499_00,
        "residual_cents": 18_250_00,
        "last_payment_date": date(2025, 3, 15),
    }
    return Contract(**{**values, **terms})


def amounts(quote: payoff.Quote) -> dict[str, int]:
    return {line.item: line.cents for line in quote.lines}


def test_loan_in_an_ordinary_year() -> None:
    """10 000,00 $ at 3.65 %: 10 000 × 0.0365 / 365 = 1,00 $ a day; 1 → 31 March is
    30 days: 30,00 $ of interest, 10 030,00 $ in all."""
    quote = payoff.quote(loan(), date(2025, 3, 31), today=date(2025, 3, 20))
    assert amounts(quote) == {"principal": 10_000_00, "interest": 30_00}
    assert quote.total_cents == 10_030_00
    assert quote.per_diem_cents == 1_00
    assert quote.good_until == date(2025, 3, 31)
    assert quote.lines[1].count == 30


def test_loan_over_the_29th_of_february() -> None:
    """36 600,00 $ at 5 % in 2024: 36 600 × 0.05 / 366 = 5,00 $ a day; 15 February →
    15 March 2024 is 29 days (14 in February, a leap month, and 15 in March): 145,00 $.
    The same dates in 2023 are 28 days at 36 600 × 0.05 / 365 = 5,0137 $: 140,38 $."""
    principal = {"balance_cents": 36_600_00, "rate_bp": 500}
    leap = payoff.quote(
        loan(**principal, last_payment_date=date(2024, 2, 15)),
        date(2024, 3, 15),
        today=date(2024, 3, 1),
    )
    assert amounts(leap)["interest"] == 145_00 and leap.total_cents == 36_745_00
    assert leap.per_diem_cents == 5_00
    ordinary = payoff.quote(
        loan(**principal, last_payment_date=date(2023, 2, 15)),
        date(2023, 3, 15),
        today=date(2023, 3, 1),
    )
    assert amounts(ordinary)["interest"] == 140_38


def test_loan_across_new_year_into_a_leap_year() -> None:
    """13 359,00 $ at 10 %: 3,66 $ a day in 2023 (÷ 365), 3,65 $ in 2024 (÷ 366).
    17 December 2023 → 16 January 2024: 14 days of 2023 (51,24 $) and 16 of 2024
    (58,40 $): 109,64 $ of interest, 13 468,64 $ in all."""
    quote = payoff.quote(
        loan(balance_cents=13_359_00, rate_bp=1000, last_payment_date=date(2023, 12, 17)),
        date(2024, 1, 16),
        today=date(2024, 1, 2),
    )
    assert amounts(quote)["interest"] == 109_64
    assert quote.total_cents == 13_468_64
    assert quote.per_diem_cents == 3_65


def test_half_a_cent_rounds_up() -> None:
    """182,50 $ at 1 % for one day of 2025: 182.50 × 0.01 / 365 = 0,005 $, so 0,01 $."""
    quote = payoff.quote(
        loan(balance_cents=182_50, rate_bp=100, last_payment_date=date(2025, 3, 19)),
        date(2025, 3, 20),
        today=date(2025, 3, 20),
    )
    assert amounts(quote)["interest"] == 1


def test_loan_paid_off_after_the_end_of_its_term_keeps_accruing() -> None:
    """A 60-month loan from 1 June 2020 ends on 1 June 2025 with 250,00 $ left at
    7.30 %: 250 × 0.073 / 365 = 0,05 $ a day; paid off on 21 June, 20 days later:
    1,00 $ of interest, 251,00 $ in all."""
    matured = loan(
        start_date=date(2020, 6, 1),
        balance_cents=250_00,
        rate_bp=730,
        last_payment_date=date(2025, 6, 1),
    )
    quote = payoff.quote(matured, date(2025, 6, 21), today=date(2025, 6, 10))
    assert amounts(quote) == {"principal": 250_00, "interest": 1_00}


def test_lease_remaining_payments_residual_and_fee() -> None:
    """A 36-month lease from 15 June 2022 has payments due on the 15th from July 2022 to
    June 2025. Paid to 15 March 2025: April, May and June remain, 3 × 499,00 $ =
    1 497,00 $; plus the residual 18 250,00 $ and the 350,00 $ purchase option fee:
    20 097,00 $."""
    quote = payoff.quote(lease(), date(2025, 4, 1), today=date(2025, 3, 20))
    assert amounts(quote) == {
        "remaining_payments": 1_497_00,
        "residual": 18_250_00,
        "purchase_option_fee": 350_00,
    }
    assert quote.lines[0].count == 3 and quote.lines[0].each_cents == 499_00
    assert quote.total_cents == 20_097_00 and quote.per_diem_cents is None


def test_lease_paid_off_after_the_end_of_its_term() -> None:
    """The same lease paid to 15 May 2025, paid off on 2 July 2025, after its end on
    15 June: only the June payment remains (no payment is due past the term):
    499,00 + 18 250,00 + 350,00 = 19 099,00 $."""
    quote = payoff.quote(
        lease(last_payment_date=date(2025, 5, 15)), date(2025, 7, 2), today=date(2025, 6, 10)
    )
    assert quote.lines[0].count == 1
    assert quote.total_cents == 19_099_00


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2025, 3, 19), "payoff_date_past"),
        (date(2025, 4, 20), "payoff_date_too_far"),
    ],
)
def test_payoff_date_from_today_to_30_days(day: date, reason: str) -> None:
    with pytest.raises(payoff.PayoffDateRefused) as refused:
        payoff.quote(loan(), day, today=date(2025, 3, 20))
    assert refused.value.reason == reason
    for fine in (date(2025, 3, 20), date(2025, 4, 19)):
        assert payoff.quote(loan(), fine, today=date(2025, 3, 20)).payoff_date == fine


def test_monthly_due_dates_keep_the_day_or_the_months_last() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    dates = list(due_dates(lease()))
    assert len(dates) == 36 and dates[0] == date(2022, 7, 15) and dates[-1] == date(2025, 6, 15)


def test_biweekly_and_weekly_schedules_fit_in_the_term() -> None:
    """365 days hold 26 whole periods of 14 days, and 52 of 7."""
    start = {"start_date": date(2025, 1, 1), "term_months": 12}
    assert len(list(due_dates(loan(**start, frequency="biweekly")))) == 26
    assert len(list(due_dates(loan(**start, frequency="weekly")))) == 52


def test_standing_of_a_contract() -> None:
    today = date(2025, 3, 20)
    current = standing(lease(), today)
    assert (current.status, current.next_due, current.remaining) == (
        "current",
        date(2025, 4, 15),
        3,
    )
    assert current.remaining_cents == 3 * lease().payment_cents
    late = standing(lease(last_payment_date=date(2025, 1, 15)), today)
    assert (late.status, late.next_due) == ("past_due", date(2025, 2, 15))
    done = standing(lease(last_payment_date=date(2025, 6, 15)), today)
    assert (done.status, done.next_due, done.remaining) == ("completed", None, 0)


def test_payoff_date_window_is_the_one_the_form_offers() -> None:
    assert payoff.date_window(date(2025, 3, 20)) == (date(2025, 3, 20), date(2025, 4, 19))


def test_loan_amortization_worked_by_hand() -> None:
    """10 000,00 $ at 6 % over 12 months: 860,66 $ a month (the annuity formula); after
    one payment 10 000 × 1.005 − 860.66 = 9 189,34 $ are left; nothing after the last."""
    assert amortized(1_000_000, 600, 12, 0) == (86_066, 1_000_000)
    assert amortized(1_000_000, 600, 12, 1) == (86_066, 918_934)
    assert amortized(1_000_000, 600, 12, 12)[1] == 0
