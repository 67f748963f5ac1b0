"""The payoff quote («citation de remboursement») on the page and as a PDF, in both languages."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from flask import Flask
from pypdf import PdfReader

from flows.contracts.schedule import add_months
from tests.factories import contract
from tests.functional.test_overview import long_date, signed_in
from web.services import Services

AMOUNTS = {
    "fr": ["0,00 $", "18 250,00 $", "350,00 $", "18 600,00 $"],
    "en": ["$0.00", "$18,250.00", "$350.00", "$18,600.00"],
}
TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Citation de remboursement",
        "button": "Obtenir une citation de remboursement",
        "total": "Montant à payer",
        "residual": "Valeur résiduelle",
        "fee": "Frais d'option d'achat",
        "none_left": "0 paiement restant de 499,00 $",
        "good": "Valide jusqu'au",
        "download": "Télécharger la citation (PDF)",
        "principal": "Capital restant dû",
        "loan_total": "1 234,56 $",
    },
    "en": {
        "title": "Payoff quote",
        "button": "Get a payoff quote",
        "total": "Amount to pay",
        "residual": "Residual value",
        "fee": "Purchase option fee",
        "none_left": "0 remaining payments of $499.00",
        "good": "Good until",
        "download": "Download the quote (PDF)",
        "principal": "Outstanding principal",
        "loan_total": "$1,234.56",
    },
}


def ended_lease(services: Services, owner: int, today: date) -> int:
    """A lease whose 36 payments were all made: residual value and fee are left."""
    start = add_months(today, -40)
    return contract(
        services,
        "LO-22-000007",
        identity_id=owner,
        kind="lease",
        start_date=start,
        term_months=36,
        payment_cents=499_00,
        last_payment_date=add_months(start, 36),
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_quote_from_the_overview_with_its_parts(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    words = TEXT[lang]
    lease = ended_lease(services, jean, today)
    browser = signed_in(app, lang=lang)
    overview = browser.get(f"/{lang}/overview")
    form = overview.soup.select_one(f"#contract-{lease} form.payoff-form")
    assert form is not None and form["method"] == "get"
    field = form.select_one("input[name=date]")
    assert field is not None
    assert (field["min"], field["max"]) == (today.isoformat(), (today + timedelta(30)).isoformat())
    assert words["button"] in form.get_text()

    payoff_day = today + timedelta(days=10)
    page = browser.get(f"{form['action']}?date={payoff_day.isoformat()}")
    assert page.status == 200 and page.h1 == words["title"]
    lines = [
        [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
        for row in page.soup.select("table.quote tr")
    ]
    names = [words["none_left"], words["residual"], words["fee"], words["total"]]
    assert lines == [list(pair) for pair in zip(names, AMOUNTS[lang], strict=True)]
    assert f"{words['good']} {long_date(payoff_day, lang)}" in page.text
    assert page.link(words["download"]).endswith(f"payoff.pdf?date={payoff_day.isoformat()}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_quote_as_a_pdf_in_the_customers_language(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    """A loan paid today and paid off today: the principal and no interest."""
    words = TEXT[lang]
    loan = contract(services, identity_id=jean, last_payment_date=today)
    browser = signed_in(app, lang=lang)
    response = browser.client.get(
        f"/{lang}/overview/contracts/{loan}/payoff.pdf?date={today.isoformat()}"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "PR-25-000001" in disposition
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for word in (words["title"], words["principal"], words["total"], "MINI Cooper S 2024"):
        assert word in text, word
    assert words["loan_total"] in text.replace("\xa0", " ")  # fr-CA: no-break spaces
    if lang == "fr":
        assert "Intérêts courus sur 0 jour" in text and "Valide jusqu'au" in text


@pytest.mark.parametrize(
    ("days", "lang", "message"),
    [
        (-1, "fr", "Choisissez aujourd'hui ou une date ultérieure."),
        (31, "fr", "Choisissez une date dans les 30 prochains jours."),
        (-1, "en", "Choose today or a later date."),
        (31, "en", "Choose a date within the next 30 days."),
        (None, "fr", "Entrez une date comme 2025-03-15."),
    ],
)
def test_a_date_outside_the_next_30_days_is_refused(
    app: Flask,
    services: Services,
    jean: int,
    today: date,
    days: int | None,
    lang: str,
    message: str,
) -> None:
    loan = contract(services, identity_id=jean)
    asked = "le 3 mars" if days is None else (today + timedelta(days=days)).isoformat()
    browser = signed_in(app, lang=lang)
    page = browser.get(f"/{lang}/overview/contracts/{loan}/payoff?date={asked}")
    assert page.status == 200
    error = page.soup.select_one(".field.has-error .error")
    assert error is not None and error.get_text(strip=True) == message
    assert not page.soup.select("table.quote")
    pdf = browser.client.get(f"/{lang}/overview/contracts/{loan}/payoff.pdf?date={asked}")
    assert pdf.status_code == 303 and "/payoff?date=" in pdf.headers["Location"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [("fr", "Intérêts courus sur 11 jours"), ("en", "Interest accrued over 11 days")],
)
def test_a_loan_quote_counts_the_days_of_interest(
    app: Flask, services: Services, jean: int, today: date, lang: str, line: str
) -> None:
    loan = contract(services, identity_id=jean, last_payment_date=today - timedelta(days=11))
    page = signed_in(app, lang=lang).get(
        f"/{lang}/overview/contracts/{loan}/payoff?date={today.isoformat()}"
    )
    assert line in [th.get_text(strip=True) for th in page.soup.select("table.quote tbody th")]
