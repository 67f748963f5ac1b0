"""The staff console's look-up of a payoff quote by its reference, for agents and analysts."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from tests.factories import PASSWORD, contract, staff_member
from tests.functional.test_overview import long_date, signed_in
from tests.functional.test_payoff_quote import ask, ended_lease, payday
from tests.functional.test_staff import AGENT, ANALYST, sign_in
from tests.support import Browser
from web.services import Services


@pytest.fixture
def reference(app: Flask, services: Services, jean: int, today: date) -> str:
    """A quote Jean asked for in English on his Ontario lease, today."""
    lease = ended_lease(services, jean, today, province="ON")
    return ask(signed_in(app, lang="en"), "en", lease, payday(today, "ON")).path.rsplit("/", 1)[1]


@pytest.mark.parametrize(("email", "role"), [(AGENT, "agent"), (ANALYST, "analyst")])
def test_staff_find_a_quote_by_the_reference_read_to_them(
    app: Flask, services: Services, reference: str, today: date, email: str, role: str
) -> None:
    staff_member(services, email, role=role, password=PASSWORD)
    browser = Browser(app)
    home = sign_in(browser, email)
    assert home.link("Citations de remboursement") == "/staff/quotes"
    typed = reference.lower().replace("-", " ")  # as a customer reads it out
    page = browser.get(f"/staff/quotes?reference={typed}")
    assert page.status == 200
    facts = {
        " ".join(div.dt.get_text().split()): " ".join(div.dd.get_text(" ").split())
        for div in page.soup.select("section.panel dl.facts > div")
        if div.dt and div.dd
    }
    assert facts["Contrat"] == "LO-22-000007 · Location"
    assert facts["Demandée par"] == "Jean Tremblay jean.t@example.com"
    assert facts["Langue"] == "English"
    assert facts["Date de remboursement"] == long_date(payday(today, "ON"), "fr")
    assert facts["Province"] == "Ontario"
    assert long_date(today, "fr").split()[0] in facts["Émise le"]
    rows = [
        [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
        for row in page.soup.select("section.panel table.quote tr")
    ]
    assert ["TVH 13 % sur 18 600,00 $", "2 418,00 $"] in rows  # 13 % of 18 250 + 350
    assert rows[-1] == ["Montant à payer", "21 018,00 $"]


def test_a_loan_quote_says_it_carries_no_tax(
    app: Flask, services: Services, jean: int, today: date
) -> None:
    loan = contract(services, identity_id=jean, last_payment_date=today)
    reference = ask(signed_in(app), "fr", loan, payday(today)).path.rsplit("/", 1)[1]
    staff_member(services, AGENT, role="agent")
    browser = Browser(app)
    sign_in(browser, AGENT)
    page = browser.get(f"/staff/quotes?reference={reference}")
    assert "Taxes de vente aucune (prêt)" in page.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Q-2026-AAAA-BBBB", "Aucune citation ne porte cette référence."),
        ("PR-25-000001", "Ce n'est pas une référence de citation"),
    ],
)
def test_an_unknown_or_malformed_reference_is_said_so(
    app: Flask, services: Services, reference: str, typed: str, message: str
) -> None:
    staff_member(services, AGENT, role="agent")
    browser = Browser(app)
    sign_in(browser, AGENT)
    page = browser.get(f"/staff/quotes?reference={typed}")
    assert page.status == 404
    assert message in page.field_errors["reference"]
    assert not page.soup.select("section.panel")
    assert browser.get("/staff/quotes").status == 200  # the empty form
