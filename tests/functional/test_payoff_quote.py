"""The payoff quote («citation de remboursement»): asked for by a POST, kept under a
reference, shown on its page and as a PDF, in both languages, to its customer only."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select

from flows.contracts import payoff
from flows.contracts.schedule import add_months
from storage.contracts import Contract
from storage.quotes import PayoffQuote, PayoffQuoteTax
from tests.factories import contract, identity
from tests.functional.test_overview import long_date, rows, signed_in
from tests.support import Browser, Form, Page
from web.services import Services

REFERENCE = re.compile(r"^Q-\d{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
# An ended Quebec lease: no payment left; residual 18 250,00 $ + fee 350,00 $ = 18 600,00 $
# taxed: GST 5 % = 930,00 $, QST 9,975 % = 1 855,35 $; 18 600,00 + 2 785,35 = 21 385,35 $.
LINES = {
    "fr": [
        ["0 paiement restant de 499,00 $", "0,00 $"],
        ["Valeur résiduelle", "18 250,00 $"],
        ["Frais d'option d'achat", "350,00 $"],
        ["TPS 5 % sur 18 600,00 $", "930,00 $"],
        ["TVQ 9,975 % sur 18 600,00 $", "1 855,35 $"],
    ],
    "en": [
        ["0 remaining payments of $499.00", "$0.00"],
        ["Residual value", "$18,250.00"],
        ["Purchase option fee", "$350.00"],
        ["GST 5% on $18,600.00", "$930.00"],
        ["QST 9.975% on $18,600.00", "$1,855.35"],
    ],
}
TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Citation de remboursement",
        "button": "Obtenir une citation de remboursement",
        "total": "21 385,35 $",
        "valid": "Ce montant n'est valide que pour un paiement reçu le",
        "scheduled": "Si un paiement prévu est prélevé sur votre compte avant le",
        "taxes": "à la valeur résiduelle et aux frais d'option d'achat",
        "no_tax": "Le remboursement d'un prêt ne comporte aucune taxe de vente",
        "online": "Services bancaires en ligne",
        "cheque": "Chèque",
        "wire": "Virement télégraphique",
        "address": "C.P. 4850, succursale A",
        "contact": "1 866 555-0164",
        "payee": "« Services financiers MINI »",
        "cheque_for": "Faites un chèque de 21 385,35 $",
        "download": "Télécharger la citation (PDF)",
        "documents_kind": "Citation de remboursement",
        "pdf_name": "citation-de-remboursement-",
        "province": "Québec",
    },
    "en": {
        "title": "Payoff quote",
        "button": "Get a payoff quote",
        "total": "$21,385.35",
        "valid": "This amount is valid only for a payment received on",
        "scheduled": "If a scheduled payment is taken from your account before",
        "taxes": "the residual value and the purchase option fee",
        "no_tax": "A loan payoff carries no sales tax",
        "online": "Online banking",
        "cheque": "Cheque",
        "wire": "Wire transfer",
        "address": "PO Box 4850, Station A",
        "contact": "1-866-555-0164",
        "payee": "“MINI Financial Services”",
        "cheque_for": "Make a cheque for $21,385.35",
        "download": "Download the quote (PDF)",
        "documents_kind": "Payoff quote",
        "pdf_name": "payoff-quote-",
        "province": "Quebec",
    },
}


def ended_lease(services: Services, owner: int, today: date, **terms: object) -> int:
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
        **terms,
    )


def payday(day: date, province: str = "QC") -> date:
    """The first day from DAY on when a payment can be received in PROVINCE (a business
    day): tests ask for a quote on it whatever the day they run."""
    return payoff.date_window(day, province)[0]


def payoff_form(page: Page, scope: str = "") -> Form:
    found = page.soup.select(f"{scope} form.payoff-form")
    assert len(found) == 1 and found[0]["method"] == "post"
    return Form(page, found[0])


def ask(browser: Browser, lang: str, contract_id: int, day: date) -> Page:
    """Submit the overview's payoff form for CONTRACT_ID, as a customer would."""
    overview = browser.get(f"/{lang}/overview")
    return payoff_form(overview, f"#contract-{contract_id}").fill(date=day.isoformat()).submit()


def issued(
    app: Flask, services: Services, jean: int, today: date, lang: str = "fr"
) -> tuple[Browser, int, str]:
    """Jean, signed in in LANG, asks for a payoff quote of his ended lease: the browser,
    the lease and the quote's reference."""
    lease = ended_lease(services, jean, today)
    browser = signed_in(app, lang=lang)
    reference = ask(browser, lang, lease, payday(today)).path.rsplit("/", 1)[1]
    return browser, lease, reference


def quote_count(services: Services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(PayoffQuote)) or 0


def cells(page: Page) -> list[list[str]]:
    return [
        [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
        for row in page.soup.select("table.quote tbody tr")
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_quote_is_issued_kept_and_shown_by_its_reference(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    words = TEXT[lang]
    lease = ended_lease(services, jean, today)
    browser = signed_in(app, lang=lang)
    payoff_day = payday(today + timedelta(days=10))
    page = ask(browser, lang, lease, payoff_day)

    assert page.redirected and page.status == 200 and page.h1 == words["title"]
    reference = page.path.rsplit("/", 1)[1]
    assert page.path == f"/{lang}/overview/quotes/{reference}" and REFERENCE.match(reference)
    heading = page.soup.select_one(".reference")
    assert heading is not None
    assert reference in heading.get_text() and words["province"] in heading.get_text()
    assert cells(page) == LINES[lang]
    total = page.soup.select_one("table.quote tfoot td")
    assert total is not None and " ".join(total.get_text().split()) == words["total"]
    text = page.text
    keys = ("valid", "scheduled", "taxes", "online", "cheque", "wire", "address", "contact")
    for key in (*keys, "payee", "cheque_for"):
        assert words[key] in text, key
    assert f"{words['valid']} {long_date(payoff_day, lang)}" in text
    methods = page.soup.select_one(".methods")
    assert methods is not None and "LO-22-000007" in methods.get_text()  # the account number
    assert page.soup.select_one('a[href="tel:+18665550164"]') is not None

    with services.db.read() as session:
        row = session.scalars(select(PayoffQuote)).one()
        taxes = session.scalars(select(PayoffQuoteTax).order_by(PayoffQuoteTax.position)).all()
    assert (row.reference, row.contract_id, row.identity_id) == (reference, lease, jean)
    assert (row.payoff_date, row.total_cents, row.language, row.province) == (
        payoff_day,
        21_385_35,
        lang,
        "QC",
    )
    assert [(t.tax, t.rate_pcm, t.base_cents, t.cents) for t in taxes] == [
        ("GST", 5000, 18_600_00, 930_00),
        ("QST", 9975, 18_600_00, 1_855_35),
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_quote_is_among_the_contracts_documents_with_its_pdf(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    words = TEXT[lang]
    browser, lease, reference = issued(app, services, jean, today, lang)
    overview = browser.get(f"/{lang}/overview")
    first = rows(overview, f"#contract-{lease} table.documents")[0]
    assert first[0] == long_date(today, lang)
    assert first[1].startswith(f"{words['documents_kind']} {reference}")
    assert words["total"] in first[1]
    link = overview.link(reference)
    assert link == f"/{lang}/overview/quotes/{reference}.pdf"
    response = browser.client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"{words['pdf_name']}{reference}.pdf" in disposition


PDF_TEXT = {
    "fr": [
        "Citation de remboursement",
        "Référence",
        "TPS 5 % sur 18 600,00 $",
        "TVQ 9,975 % sur 18 600,00 $",
        "1 855,35 $",
        "21 385,35 $",
        "Comment payer",
        "Services bancaires en ligne",
        "Services financiers MINI",
        "Numéro de compte",
        "Chèque",
        "C.P. 4850, succursale A",
        "Virement télégraphique",
        "Nous joindre",
        "1 866 555-0164",
        "ne sont pas taxés de nouveau",  # the remaining payments
    ],
    "en": [
        "Payoff quote",
        "Reference",
        "GST 5% on $18,600.00",
        "QST 9.975% on $18,600.00",
        "$1,855.35",
        "$21,385.35",
        "How to pay",
        "Online banking",
        "MINI Financial Services",
        "Account number",
        "Cheque",
        "PO Box 4850, Station A",
        "Wire transfer",
        "Contact us",
        "1-866-555-0164",
        "not taxed again",  # the remaining payments
    ],
}


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader would copy it, lines joined, no-break spaces as spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_pdf_shows_reference_taxes_and_how_to_pay(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    browser, _, reference = issued(app, services, jean, today, lang)
    response = browser.client.get(f"/{lang}/overview/quotes/{reference}.pdf")
    text = pdf_text(response.data)
    for expected in [*PDF_TEXT[lang], reference, "LO-22-000007", "MINI Cooper S 2024"]:
        assert expected in text, expected
    other = "en" if lang == "fr" else "fr"  # the same quote, read in the other language
    in_other = pdf_text(browser.client.get(f"/{other}/overview/quotes/{reference}.pdf").data)
    assert PDF_TEXT[other][2] in in_other and reference in in_other


@pytest.mark.parametrize(
    ("lang", "interest", "note"),
    [
        ("fr", "Intérêts courus sur 11 jours", TEXT["fr"]["no_tax"]),
        ("en", "Interest accrued over 11 days", TEXT["en"]["no_tax"]),
    ],
)
def test_a_loan_quote_has_interest_and_no_tax(
    app: Flask, services: Services, jean: int, today: date, lang: str, interest: str, note: str
) -> None:
    """1 234,56 $ at 4,99 % for 11 days: 1 234,56 × 0,0499 × 11 / 365 (or 366) = 1,86 $."""
    on = payday(today)
    loan = contract(services, identity_id=jean, last_payment_date=on - timedelta(days=11))
    page = ask(signed_in(app, lang=lang), lang, loan, on)
    assert [c[0] for c in cells(page)] == [
        "Capital restant dû" if lang == "fr" else "Outstanding principal",
        interest,
    ]
    assert not page.soup.select("table.quote tr.tax")
    assert note in page.text
    pdf = pdf_text(page.browser.client.get(f"{page.path}.pdf").data)
    assert note in pdf


def test_only_a_post_issues_a_quote(app: Flask, services: Services, jean: int, today: date) -> None:
    lease = ended_lease(services, jean, today)
    browser = signed_in(app)
    page = f"/fr/payoff-quote?contract={lease}"
    for path in ("/fr/overview", page, f"{page}&date={payday(today).isoformat()}"):
        assert browser.client.get(path).status_code == 200
        assert browser.client.head(path).status_code == 200
    assert quote_count(services) == 0
    form = payoff_form(browser.get(page))
    data = {"contract": str(lease), "date": payday(today).isoformat()}
    no_token = browser.client.post(form.action, data=data)
    assert no_token.status_code == 400 and quote_count(services) == 0
    token = form.values["csrf_token"]
    answer = browser.client.post(form.action, data={**data, "csrf_token": token})
    assert answer.status_code == 303 and quote_count(services) == 1


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
    page = browser.get(f"/{lang}/payoff-quote?contract={loan}")
    answer = payoff_form(page).fill(date=asked).submit()
    assert answer.status == 200 and answer.path.startswith(f"/{lang}/payoff-quote/")
    assert answer.field_errors == {"date": message}
    field = answer.soup.select_one("input[name=date]")
    assert field is not None and field["value"] == asked
    assert quote_count(services) == 0


def test_someone_elses_quote_answers_404(
    app: Flask, services: Services, jean: int, today: date
) -> None:
    _, lease, reference = issued(app, services, jean, today)
    identity(services, "other@example.com", first_name="Marie")
    other = signed_in(app, "other@example.com")
    for path in (f"/fr/overview/quotes/{reference}", f"/fr/overview/quotes/{reference}.pdf"):
        assert other.client.get(path).status_code == 404
    mine = signed_in(app)
    for wrong in ("Q-2026-AAAA-AAAA", "nothing", reference.replace("Q-", "X-")):
        assert mine.client.get(f"/fr/overview/quotes/{wrong}").status_code == 404
    assert mine.client.get(f"/fr/overview/quotes/{reference.lower()}").status_code == 200
    # Once the contract is no longer linked to this MINI ID, its quotes go with it.
    with services.db.write() as session:
        found = session.get(Contract, lease)
        assert found is not None
        found.identity_id = None
    assert mine.client.get(f"/fr/overview/quotes/{reference}").status_code == 404


def test_a_quote_page_after_its_date_says_to_ask_again(
    app: Flask, services: Services, jean: int, today: date
) -> None:
    lease = ended_lease(services, jean, today)
    browser = signed_in(app, lang="en")
    on = payday(today)
    page = ask(browser, "en", lease, on)
    services.clock.advance(on - today + timedelta(days=1))
    later = signed_in(app, lang="en").get(page.path)  # the first session has expired
    assert later.status == 200
    assert "which has passed: ask for a new quote" in " ".join(later.notices)


def test_one_client_address_cannot_fill_the_table_with_quotes(make_app: Any, today: date) -> None:
    """Each quote asked for is kept: ten a minute from one address, then 429 and none kept."""
    app = make_app(RATELIMIT_ENABLED=True)
    services: Services = app.extensions["moncompte"]
    lease = ended_lease(services, identity(services), today)
    browser = signed_in(app)
    page = f"/fr/payoff-quote?contract={lease}"
    form = payoff_form(browser.get(page))
    data = {"csrf_token": form.values["csrf_token"], "contract": str(lease)}
    statuses = [
        browser.client.post(
            form.action, data={**data, "date": payday(today).isoformat()}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [303] * 10 + [429]
    assert quote_count(services) == 10
    assert browser.client.get(page).status_code == 200  # reading is never throttled


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_message_about_the_quote_starts_with_the_contract_and_the_reference(
    app: Flask, services: Services, jean: int, today: date, lang: str
) -> None:
    lease = ended_lease(services, jean, today)
    browser = signed_in(app, lang=lang)
    quote = ask(browser, lang, lease, payday(today + timedelta(days=10)))
    reference = quote.path.rsplit("/", 1)[1]
    compose = browser.get(quote.link("Envoyer un message" if lang == "fr" else "Send a message"))
    assert compose.status == 200 and compose.path.startswith(f"/{lang}/messages/new?")
    chosen = {
        name: compose.soup.select_one(f"select[name={name}] option[selected]")
        for name in ("subject", "contract")
    }
    assert chosen["subject"] is not None and chosen["subject"]["value"] == "payoff"
    assert chosen["contract"] is not None and chosen["contract"]["value"] == str(lease)
    body = compose.soup.select_one("textarea[name=body]")
    assert body is not None and reference in body.get_text()


def test_a_link_fills_in_a_first_form_but_never_a_secret(app: Flask) -> None:
    page = Browser(app).get("/fr/login?email=jean.t@example.com&password=devine&csrf_token=x")
    values = page.form().values
    assert values["email"] == "jean.t@example.com" and values["password"] == ""
    assert values["csrf_token"] != "x"
