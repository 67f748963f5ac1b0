"""A payoff quote in a real browser: asked for, shown with its reference and how to pay,
found again in the documents and by an agent; on a desktop and on a 390 px phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from flows import demo
from flows.contracts import payoff
from flows.contracts.schedule import today as local_today
from tests.browser.conftest import (
    accessible,
    remember_device,
    shoot,
    speaks_in,
    switch_to_english,
    type_staff_code,
)
from tests.factories import PASSWORD, staff_member
from web.services import Services

pytestmark = pytest.mark.browser
SATURDAY = 5

TEXT = {
    "fr": {
        "sign_in": "Se connecter",
        "get_quote": "Obtenir une citation de remboursement",
        "how": "Comment payer",
        "more_documents": "Afficher 2 documents précédents",
        "kind": "Citation de remboursement",
        "see": "Voir la citation",
    },
    "en": {
        "sign_in": "Sign in",
        "get_quote": "Get a payoff quote",
        "how": "How to pay",
        "more_documents": "Show 2 earlier documents",
        "kind": "Payoff quote",
        "see": "See the quote",
    },
}


def days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


def sign_in(page: Page, app: Flask, live_server: str, lang: str, email: str) -> None:
    """Sign in on a device the MINI ID remembers (no code: see test_account_association)."""
    remember_device(page, app, live_server, email)
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_quote_is_issued_shown_and_kept_among_the_documents(
    page: Page,
    app: Flask,
    live_server: str,
    demo_data: None,
    lang: str,
) -> None:
    words = TEXT[lang]
    sign_in(page, app, live_server, lang, demo.EMILIE.email)
    lease = page.locator(".contract").filter(has_text="LO-24-019284")
    # A Saturday first: refused, the procedure's own page says why and asks again.
    services: Services = app.extensions["moncompte"]
    first, last = payoff.date_window(local_today(services.clock()), "QC")
    saturday = next(d for d in days(first, last) if d.weekday() == SATURDAY)
    lease.locator("input[type=date]").fill(saturday.isoformat())
    lease.get_by_role("button", name=words["get_quote"]).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/payoff-quote/\w+$"))
    procedure = page.url
    expect(page.locator("input[type=date]")).to_have_attribute("aria-invalid", "true")
    accessible(page)
    page.locator("input[type=date]").fill(first.isoformat())
    page.get_by_role("button", name=words["get_quote"]).click()

    expect(page).to_have_url(re.compile(rf"/{lang}/overview/quotes/Q-\d{{4}}-\w{{4}}-\w{{4}}$"))
    reference = page.url.rsplit("/", 1)[1]
    expect(page.locator(".reference")).to_contain_text(reference)
    expect(page.locator("table.quote tr.tax")).to_have_count(2)  # GST and QST: a Quebec lease
    expect(page.get_by_role("heading", name=words["how"])).to_be_visible()
    accessible(page)
    shoot(page, f"quote-{lang}")
    page.goto(procedure)  # the procedure, done: where the quote is kept
    expect(page.get_by_role("link", name=words["see"])).to_be_visible()
    accessible(page)

    page.goto(f"{live_server}/{lang}/overview")
    card = page.locator(".contract").filter(has_text="LO-24-019284")
    newest = card.locator("table.documents").first.locator("tbody tr").first
    expect(newest).to_contain_text(words["kind"])
    expect(newest.get_by_role("link", name=reference)).to_have_attribute(
        "href", f"/{lang}/overview/quotes/{reference}.pdf"
    )
    more = card.locator("details.more").last
    summary = more.locator("summary")
    expect(summary).to_have_text(words["more_documents"])
    expect(more.locator("table")).to_be_hidden()  # folded until asked, no script needed
    summary.click()
    expect(more.locator("table")).to_be_visible()
    accessible(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_agent_finds_the_quote_by_its_reference(
    page: Page,
    live_server: str,
    app: Flask,
    demo_data: None,
    lang: str,
) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    with services.db.write() as session:
        speaks_in(session, demo.DAVID.email, "en")  # David asks in English; the agent reads LANG
    sign_in(page, app, live_server, "en", demo.DAVID.email)
    page.get_by_role("button", name="Get a payoff quote").click()
    reference = page.url.rsplit("/", 1)[1]
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(page)
    page.locator("#email").fill("agent@servicesfinanciersmini.ca")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    type_staff_code(page, app, "agent@servicesfinanciersmini.ca")
    quotes = "Citations de remboursement" if lang == "fr" else "Payoff quotes"
    page.get_by_role("link", name=quotes).first.click()
    page.locator("#reference").fill(reference.lower().replace("-", " "))  # as read out
    find = "Trouver la citation" if lang == "fr" else "Find the quote"
    page.get_by_role("button", name=find).click()
    panel = page.locator("section.panel")
    expect(panel).to_contain_text(reference)
    expect(panel).to_contain_text("LO-25-027716")
    expect(panel).to_contain_text(demo.DAVID.email)
    expect(panel.locator("tr.tax")).to_contain_text("HST" if lang == "en" else "TVH")  # Ontario
    accessible(page)
    shoot(page, f"staff-quote-{lang}")
