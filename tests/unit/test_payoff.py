"""Payoff quotes against examples worked by hand (the arithmetic is in each docstring)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from flows.contracts import payoff, taxes
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
        "province": "QC",
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
        "province": "QC",
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
    7.30 %: 250 × 0.073 / 365 = 0,05 $ a day; paid off on Friday 20 June, 19 days later:
    0,95 $ of interest, 250,95 $ in all."""
    matured = loan(
        start_date=date(2020, 6, 1),
        balance_cents=250_00,
        rate_bp=730,
        last_payment_date=date(2025, 6, 1),
    )
    quote = payoff.quote(matured, date(2025, 6, 20), today=date(2025, 6, 10))
    assert amounts(quote) == {"principal": 250_00, "interest": 95}


def taxes_of(quote: payoff.Quote) -> list[tuple[str, str, int, int]]:
    return [(t.tax, str(t.percent), t.base_cents, t.cents) for t in quote.taxes]


def test_quebec_lease_remaining_payments_residual_fee_gst_and_qst() -> None:
    """A 36-month lease from 15 June 2022 has payments due on the 15th from July 2022 to
    June 2025. Paid to 15 March 2025: April, May and June remain, 3 × 499,00 $ =
    1 497,00 $ (taxes already in each payment, so not taxed again); plus the residual
    18 250,00 $ and the 350,00 $ purchase option fee, the price of the vehicle:
    18 600,00 $. In Quebec: GST 5 % × 18 600,00 = 930,00 $; QST 9,975 % × 18 600,00 =
    1 855,35 $ (on the price without the GST). In all 1 497,00 + 18 600,00 + 930,00 +
    1 855,35 = 22 882,35 $."""
    quote = payoff.quote(lease(), date(2025, 4, 1), today=date(2025, 3, 20))
    assert amounts(quote) == {
        "remaining_payments": 1_497_00,
        "residual": 18_250_00,
        "purchase_option_fee": 350_00,
    }
    assert quote.lines[0].count == 3 and quote.lines[0].each_cents == 499_00
    assert taxes_of(quote) == [
        ("GST", "5", 18_600_00, 930_00),
        ("QST", "9.975", 18_600_00, 1_855_35),
    ]
    assert quote.total_cents == 22_882_35 and quote.per_diem_cents is None
    assert quote.taxed and quote.province == "QC"


def test_quebec_qst_rounds_half_up_to_the_cent() -> None:
    """Residual 19 425,00 $ + fee 350,00 $ = 19 775,00 $. GST 5 % = 988,75 $; QST
    19 775 × 0.09975 = 1 972,55625 $, so 1 972,56 $. With the 3 payments (1 497,00 $):
    1 497,00 + 19 775,00 + 988,75 + 1 972,56 = 24 233,31 $."""
    quote = payoff.quote(lease(residual_cents=19_425_00), date(2025, 4, 1), today=date(2025, 3, 20))
    assert [t.cents for t in quote.taxes] == [988_75, 1_972_56]
    assert quote.total_cents == 24_233_31


def test_ontario_lease_carries_the_hst_alone() -> None:
    """Ontario: the HST of 13 % replaces the GST and the provincial tax.
    13 % × 18 600,00 = 2 418,00 $; 1 497,00 + 18 600,00 + 2 418,00 = 22 515,00 $."""
    quote = payoff.quote(lease(province="ON"), date(2025, 4, 1), today=date(2025, 3, 20))
    assert taxes_of(quote) == [("HST", "13", 18_600_00, 2_418_00)]
    assert quote.total_cents == 22_515_00


def test_alberta_lease_carries_the_gst_alone() -> None:
    """Alberta has no provincial sales tax: GST 5 % × 18 600,00 = 930,00 $;
    1 497,00 + 18 600,00 + 930,00 = 21 027,00 $."""
    quote = payoff.quote(lease(province="AB"), date(2025, 4, 1), today=date(2025, 3, 20))
    assert taxes_of(quote) == [("GST", "5", 18_600_00, 930_00)]
    assert quote.total_cents == 21_027_00


def test_a_loan_payoff_carries_no_tax() -> None:
    """Repaying a loan is not a sale: in Quebec as anywhere, 10 030,00 $ and no tax line
    (the first loan example: 10 000,00 $ and 30 days at 1,00 $)."""
    for province in ("QC", "ON", "BC"):
        quote = payoff.quote(loan(province=province), date(2025, 3, 31), today=date(2025, 3, 20))
        assert quote.taxes == () and not quote.taxed
        assert quote.total_cents == 10_030_00


def test_the_rate_is_the_one_in_force_on_the_payoff_date() -> None:
    """Nova Scotia's HST went from 15 % to 14 % on 1 April 2025: 15 % × 18 600,00 =
    2 790,00 $ on 31 March, 14 % × 18 600,00 = 2 604,00 $ from 1 April."""
    nova_scotia = lease(province="NS")
    before = payoff.quote(nova_scotia, date(2025, 3, 31), today=date(2025, 3, 20))
    after = payoff.quote(nova_scotia, date(2025, 4, 1), today=date(2025, 3, 20))
    assert taxes_of(before) == [("HST", "15", 18_600_00, 2_790_00)]
    assert taxes_of(after) == [("HST", "14", 18_600_00, 2_604_00)]


@pytest.mark.parametrize(
    ("province", "expected"),
    [
        ("BC", [("GST", "5"), ("PST", "7")]),
        ("MB", [("GST", "5"), ("RST", "7")]),
        ("SK", [("GST", "5"), ("PST", "6")]),
        ("NB", [("HST", "15")]),
        ("NL", [("HST", "15")]),
        ("PE", [("HST", "15")]),
        ("NS", [("HST", "14")]),
        ("ON", [("HST", "13")]),
        ("QC", [("GST", "5"), ("QST", "9.975")]),
        ("AB", [("GST", "5")]),
        ("NT", [("GST", "5")]),
        ("NU", [("GST", "5")]),
        ("YT", [("GST", "5")]),
    ],
)
def test_every_province_and_territory_today(province: str, expected: list[tuple[str, str]]) -> None:
    rates = taxes.in_force(province, date(2026, 1, 15), 20_000_00)
    assert [(r.tax, str(r.percent)) for r in rates] == expected


def test_british_columbia_taxes_a_dearer_vehicle_at_a_higher_rate() -> None:
    """B.C.'s PST on a passenger vehicle: 7 % under 55 000 $, 8 % from 55 000 $, 9 % from
    56 000 $, 10 % from 57 000 $ (15 % from 125 000 $, 20 % from 150 000 $ since 2018),
    on the whole price. A residual of 56 650,00 $ + 350,00 $ = 57 000,00 $: PST 10 % =
    5 700,00 $, GST 5 % = 2 850,00 $."""
    quote = payoff.quote(
        lease(province="BC", residual_cents=56_650_00), date(2025, 4, 1), today=date(2025, 3, 20)
    )
    assert taxes_of(quote) == [
        ("GST", "5", 57_000_00, 2_850_00),
        ("PST", "10", 57_000_00, 5_700_00),
    ]
    assert [r.percent for r in taxes.in_force("BC", date(2025, 4, 1), 54_999_99)] == [5, 7]
    assert [r.percent for r in taxes.in_force("BC", date(2025, 4, 1), 150_000_00)] == [5, 20]
    assert [r.percent for r in taxes.in_force("BC", date(2018, 3, 31), 150_000_00)] == [5, 10]


def test_lease_paid_off_after_the_end_of_its_term() -> None:
    """The same lease paid to 15 May 2025, paid off on 2 July 2025, after its end on
    15 June: only the June payment remains (no payment is due past the term):
    499,00 + 18 250,00 + 350,00 = 19 099,00 $, and in Alberta 930,00 $ of GST:
    20 029,00 $."""
    quote = payoff.quote(
        lease(last_payment_date=date(2025, 5, 15), province="AB"),
        date(2025, 7, 2),
        today=date(2025, 6, 10),
    )
    assert quote.lines[0].count == 1
    assert quote.total_cents == 20_029_00


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
    # 19 April 2025 is a Saturday, 18 April Good Friday: the last business day is the 17th.
    for fine in (date(2025, 3, 20), date(2025, 4, 17)):
        assert payoff.quote(loan(), fine, today=date(2025, 3, 20)).payoff_date == fine


@pytest.mark.parametrize(
    ("day", "province", "reason", "named"),
    [
        (
            date(2025, 3, 22),
            "QC",
            "payoff_date_weekend",
            {"date": "22 mars 2025", "weekday": "samedi"},
        ),
        (
            date(2025, 3, 23),
            "ON",
            "payoff_date_weekend",
            {"date": "23 mars 2025", "weekday": "dimanche"},
        ),
        (date(2025, 4, 18), "QC", "payoff_date_holiday", {"holiday": "Vendredi saint"}),
        (date(2025, 4, 18), "AB", "payoff_date_holiday", {"holiday": "Vendredi saint"}),
    ],
)
def test_payoff_date_is_a_business_day_of_the_province(
    day: date, province: str, reason: str, named: dict[str, str]
) -> None:
    with pytest.raises(payoff.PayoffDateRefused) as refused:
        payoff.quote(loan(province=province), day, today=date(2025, 3, 20))
    assert refused.value.reason == reason
    assert named.items() <= refused.value.details["fr"].items()


def test_a_provinces_own_holiday_is_refused_there_only() -> None:
    """Saint-Jean-Baptiste (24 June) in Quebec, Family Day (third Monday of February) in
    Ontario: each refused in its province, a business day in the other."""
    for day, closed, open_ in [(date(2025, 6, 24), "QC", "ON"), (date(2025, 2, 17), "ON", "QC")]:
        today = day - timedelta(days=5)
        with pytest.raises(payoff.PayoffDateRefused) as refused:
            payoff.quote(loan(province=closed), day, today=today)
        assert refused.value.reason == "payoff_date_holiday"
        assert payoff.quote(loan(province=open_), day, today=today).payoff_date == day
    assert payoff.holiday(date(2025, 6, 24), "QC", "fr") == "Fête nationale du Québec"
    assert payoff.holiday(date(2025, 2, 17), "ON", "en") == "Family Day"


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
    # Its first and last business days: asked on Saturday 28 June 2025 in Quebec, Monday
    # 30 June is the first (1 July is Canada Day); the 28th of July is a Monday.
    assert payoff.date_window(date(2025, 6, 28), "QC") == (date(2025, 6, 30), date(2025, 7, 28))


def test_loan_amortization_worked_by_hand() -> None:
    """10 000,00 $ at 6 % over 12 months: 860,66 $ a month (the annuity formula); after
    one payment 10 000 × 1.005 − 860.66 = 9 189,34 $ are left; nothing after the last."""
    assert amortized(1_000_000, 600, 12, 0) == (86_066, 1_000_000)
    assert amortized(1_000_000, 600, 12, 1) == (86_066, 918_934)
    assert amortized(1_000_000, 600, 12, 12)[1] == 0
