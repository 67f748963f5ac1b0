"""«Présentation»: what a signed-in customer sees of their contracts, in both languages."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from flows import formatting
from flows.contracts.schedule import add_months
from tests.factories import contract, document, identity, payment
from tests.functional.test_sign_in import sign_in
from tests.support import Browser, Page
from web.services import Services


def signed_in(app: Flask, email: str = "jean.t@example.com", lang: str = "fr") -> Browser:
    browser = Browser(app)
    sign_in(browser, email, lang=lang)
    return browser


def long_date(day: date, lang: str) -> str:
    return formatting.day(day, lang)


def rows(page: Page, selector: str) -> list[list[str]]:
    """The text of each cell of each body row of the table SELECTOR."""
    table = page.soup.select_one(selector)
    assert table is not None, selector
    return [
        [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"])]
        for row in table.select("tbody tr")
    ]


TEXT = {
    "fr": {
        "h1": "Présentation",
        "inbox": "Afficher la boîte de réception",
        "balance": "1 234,56 $",
        "loan": "Prêt · Contrat PR-25-000001",
        "lease": "Location · Contrat LO-25-000002",
        "standing": "En règle",
        "paid": "Payé",
        "returned": "Retourné",
        "payment": "456,78 $",
        "residual": "18 250,00 $",
        "km": "20 000 km par année",
        "rate": "4,99 %",
    },
    "en": {
        "h1": "Overview",
        "inbox": "View inbox",
        "balance": "$1,234.56",
        "loan": "Loan · Contract PR-25-000001",
        "lease": "Lease · Contract LO-25-000002",
        "standing": "In good standing",
        "paid": "Paid",
        "returned": "Returned",
        "payment": "$456.78",
        "residual": "$18,250.00",
        "km": "20,000 km a year",
        "rate": "4.99%",
    },
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_overview_shows_each_contract_in_the_customers_language(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    words = TEXT[lang]
    loan = contract(services, identity_id=jean)
    contract(services, "LO-25-000002", identity_id=jean, kind="lease")
    last, before = add_months(today, -1), add_months(today, -2)
    payment(services, loan, before, 456_78, "returned")
    payment(services, loan, last, 456_78)

    page = signed_in(app, lang=lang).get(f"/{lang}/overview")
    assert page.h1 == words["h1"]
    assert page.link(words["inbox"]) == f"/{lang}/messages"
    text = page.text
    for word in ("balance", "loan", "lease", "standing", "residual", "km", "rate"):
        assert words[word] in text, word
    assert "MINI Cooper S 2024" in text
    assert long_date(add_months(today, -1), lang) in text  # the last payment
    assert rows(page, f"#contract-{loan} table.payments") == [
        [long_date(last, lang), words["payment"], words["paid"]],
        [long_date(before, lang), words["payment"], words["returned"]],
    ]


@pytest.mark.parametrize(
    ("lang", "title", "target"),
    [
        ("fr", "Associez votre compte", "/fr/link-account"),
        ("en", "Link your account", "/en/link-account"),
    ],
)
def test_a_customer_without_a_contract_is_invited_to_link_one(
    app: Flask, jean: int, lang: str, title: str, target: str
) -> None:
    page = signed_in(app, lang=lang).get(f"/{lang}/overview")
    assert title in [h.get_text(strip=True) for h in page.soup.find_all("h2")]
    assert page.link(title) == target
    assert not page.soup.select(".contract")


def test_the_overview_is_for_signed_in_customers(app: Flask) -> None:
    assert Browser(app).get("/fr/overview").path == "/fr/login"
    assert Browser(app).get("/en/messages").path == "/en/login"


@pytest.mark.parametrize(
    ("lang", "title", "empty"),
    [
        ("fr", "Mon Centre de messages", "Vous n'avez aucun message pour le moment."),
        ("en", "My message centre", "You have no messages yet."),
    ],
)
def test_the_inbox_link_leads_to_an_empty_message_centre(
    app: Flask, jean: int, lang: str, title: str, empty: str
) -> None:
    page = signed_in(app, lang=lang).get(f"/{lang}/messages")
    assert page.h1 == title and empty in page.text


@pytest.fixture
def someone_elses(services: Services, uploads: Path) -> dict[str, int]:
    other = identity(services, "other@example.com", first_name="Marie")
    theirs = contract(services, "PR-25-000999", identity_id=other)
    unlinked = contract(services, "PR-25-000888")
    return {
        "contract": theirs,
        "unlinked": unlinked,
        "document": document(services, theirs, uploads),
        "unlinked_document": document(services, unlinked, uploads),
    }


def test_another_customers_contract_or_document_answers_404(
    app: Flask, jean: int, someone_elses: dict[str, int], today: date
) -> None:
    browser = signed_in(app)
    token = browser.get("/fr/overview").soup.select_one("input[name=csrf_token]")
    assert token is not None
    for key in ("contract", "unlinked"):
        theirs = someone_elses[key]
        base = f"/fr/overview/contracts/{theirs}"
        asked = {"csrf_token": token["value"], "contract": str(theirs), "date": today.isoformat()}
        refused = browser.post("/fr/payoff-quote", asked)  # refused beside the contract
        assert "Choisissez un de vos contrats." in refused.text
        assert browser.client.get(f"{base}/payoff.pdf?date={today.isoformat()}").status_code == 404
        upload = browser.client.post(
            f"{base}/documents",
            data={"csrf_token": token["value"], "document": (io.BytesIO(b"%PDF-1.4"), "x.pdf")},
        )
        assert upload.status_code == 404
    for key in ("document", "unlinked_document"):
        assert browser.client.get(f"/fr/documents/{someone_elses[key]}").status_code == 404
    assert browser.client.get("/fr/documents/999999").status_code == 404


def test_past_the_first_three_payments_and_documents_come_folded(
    app: Flask, services: Services, jean: int, today: date, uploads: Path
) -> None:
    """A shorter page on a phone: the rest sit in a <details>, open without any script."""
    loan = contract(services, identity_id=jean)
    days = [add_months(today, -n) for n in range(1, 6)]
    for day in days:
        payment(services, loan, day, 456_78)
    for n in range(4):
        document(services, loan, uploads, name=f"relevé-{n}.pdf")
    page = signed_in(app).get("/fr/overview")
    card = page.soup.select_one(f"#contract-{loan}")
    assert card is not None
    shown, folded = card.select("table.payments")
    assert [r.td.get_text() for r in shown.select("tbody tr") if r.td] == [
        long_date(d, "fr") for d in days[:3]
    ]
    assert len(folded.select("tbody tr")) == 2
    summaries = [" ".join(s.get_text().split()) for s in card.select("details.more summary")]
    assert summaries == ["Afficher 2 paiements précédents", "Afficher 1 document précédent"]
    assert all(not d.has_attr("open") for d in card.select("details.more"))
