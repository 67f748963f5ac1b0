"""A payoff date is a day MINI Financial Services can receive a payment: a business day of
the contract's province. A weekend or a statutory holiday is refused with a message that
names why, on the page (both languages), in the testers' API and on the command line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.factories import contract, identity
from tests.functional.test_api import TOKEN, Api
from tests.functional.test_flows_cli import run, run_json
from tests.functional.test_overview import long_date, signed_in
from tests.functional.test_payoff_quote import payoff_form, quote_count
from web.services import Services


def travel(services: Services, today: date, to: date) -> None:
    """Move the site's clock so that its today is TO (before anyone signs in)."""
    services.clock.advance(to - today)


def refusal(app: Flask, lang: str, contract_id: int, day: date) -> tuple[Any, str]:
    """Ask on the procedure's page for a quote on DAY; the page and the date's error."""
    page = signed_in(app, lang=lang).get(f"/{lang}/payoff-quote?contract={contract_id}")
    answer = payoff_form(page).fill(date=day.isoformat()).submit()
    assert answer.status == 200 and answer.path.startswith(f"/{lang}/payoff-quote/")
    return answer, answer.field_errors.get("date", "")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_saturday_is_refused_naming_the_day(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    loan = contract(services, identity_id=jean)
    answer, error = refusal(app, lang, loan, saturday)
    when = long_date(saturday, lang)
    assert (
        error
        == {
            "fr": f"Le {when} est un samedi : choisissez un jour ouvrable.",
            "en": f"{when} is a Saturday: choose a business day.",
        }[lang]
    )
    field = answer.soup.select_one("input[name=date]")
    assert field is not None and field["value"] == saturday.isoformat()
    assert field["aria-invalid"] == "true"
    assert quote_count(services) == 0


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "fr",
            "Le 1er juillet 2027 est un jour férié (Fête du Canada) : choisissez un jour ouvrable.",
        ),
        ("en", "July 1, 2027 is a statutory holiday (Canada Day): choose a business day."),
    ],
)
def test_canada_day_is_refused_in_every_province(
    app: Flask, services: Services, jean: int, today: date, lang: str, message: str
) -> None:
    travel(services, today, date(2027, 6, 21))
    for n, province in enumerate(("QC", "ON", "BC")):
        loan = contract(services, f"PR-27-00000{n}", identity_id=jean, province=province)
        _, error = refusal(app, lang, loan, date(2027, 7, 1))
        assert error == message, province
    assert quote_count(services) == 0
    # The next day is a Friday, a business day: the quote is issued.
    page = payoff_form(signed_in(app, lang=lang).get(f"/{lang}/payoff-quote?contract={loan}"))
    issued = page.fill(date="2027-07-02").submit()
    assert issued.path.startswith(f"/{lang}/overview/quotes/") and quote_count(services) == 1


@pytest.mark.parametrize(
    ("asked_on", "holiday", "closed", "open_", "fr", "en"),
    [
        (
            date(2027, 6, 14),
            date(2027, 6, 24),
            "QC",
            "ON",
            "Le 24 juin 2027 est un jour férié (Fête nationale du Québec) : "
            "choisissez un jour ouvrable.",
            "June 24, 2027 is a statutory holiday (Saint Jean Baptiste Day): "
            "choose a business day.",
        ),
        (
            date(2027, 2, 8),
            date(2027, 2, 15),
            "ON",
            "QC",
            "Le 15 février 2027 est un jour férié (Fête de la famille) : "
            "choisissez un jour ouvrable.",
            "February 15, 2027 is a statutory holiday (Family Day): choose a business day.",
        ),
    ],
)
def test_a_provinces_own_holiday_is_refused_there_and_accepted_elsewhere(
    make_app: Any,
    today: date,
    asked_on: date,
    holiday: date,
    closed: str,
    open_: str,
    fr: str,
    en: str,
) -> None:
    """Through the page in both languages, and through the testers' API."""
    app = make_app(API_TOKEN=TOKEN)
    services: Services = app.extensions["moncompte"]
    jean = identity(services)
    travel(services, today, asked_on)
    there = contract(services, "LO-27-000001", identity_id=jean, province=closed)
    elsewhere = contract(services, "LO-27-000002", identity_id=jean, province=open_)
    for lang, message in (("fr", fr), ("en", en)):
        assert refusal(app, lang, there, holiday)[1] == message

    api = Api(app)
    started = api.start("payoff_quote", customer="jean.t@example.com")
    data = {"contract": str(there), "date": holiday.isoformat()}
    refused = api.send(started["id"], "ask", data, lang="en")
    assert refused.status_code == 422
    assert refused.json is not None
    assert refused.json["errors"]["date"] == {"reason": "payoff_date_holiday", "message": en}
    assert quote_count(services) == 0
    taken = api.send(started["id"], "ask", {**data, "contract": str(elsewhere)})
    assert taken.status_code == 200 and taken.json is not None
    assert taken.json["state"] == "issued" and quote_count(services) == 1


def test_the_command_line_refuses_a_weekend_alike(
    app: Flask, services: Services, jean: int, today: date
) -> None:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    loan = contract(services, identity_id=jean)
    started = run_json(app, "flows", "start", "payoff_quote", "--customer", "jean.t@example.com")
    code, output = run(
        app, "flows", "send", started["id"], "ask", f"contract={loan}", f"date={saturday}"
    )
    when = long_date(saturday, "en")
    assert code == 1
    assert f"date: {when} is a Saturday: choose a business day. [payoff_date_weekend]" in output


def test_the_form_offers_the_first_business_day_of_each_contracts_province(
    app: Flask, services: Services, jean: int, today: date
) -> None:
    """Saturday 26 December 2026: Monday the 28th is Boxing Day observed in Ontario, not in
    Quebec. The date field starts at each province's first business day and says why."""
    travel(services, today, date(2026, 12, 26))
    quebec = contract(services, "LO-26-000001", identity_id=jean, province="QC")
    ontario = contract(services, "LO-26-000002", identity_id=jean, province="ON")
    for lang, hint in (
        ("fr", "Choisissez un jour ouvrable : nous ne recevons aucun paiement le samedi, "),
        ("en", "Choose a business day: we receive no payment on Saturdays, Sundays or "),
    ):
        overview = signed_in(app, lang=lang).get(f"/{lang}/overview")
        for contract_id, first in ((quebec, "2026-12-28"), (ontario, "2026-12-29")):
            field = overview.soup.select_one(f"#contract-{contract_id} input[name=date]")
            assert field is not None
            assert (field["min"], field["value"]) == (first, first)
            described = overview.soup.select_one(f"#{field['aria-describedby']}")
            assert described is not None and hint in described.get_text()
        province = overview.soup.select_one(f"#payoff-date-{ontario}-hint")
        assert province is not None and "Ontario" in province.get_text()
