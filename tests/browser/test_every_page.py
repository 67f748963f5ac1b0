"""Every page a person can reach that the other browser tests do not check, in both
languages on a 390 px phone, each checked by accessible() (axe-core, nothing scrolling
sideways, the HTML checker at the end): a visitor's, a customer's, an agent's and an
analyst's. One browser context per language, no waiting but for what a page needs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from flows import demo
from tests.browser.conftest import (
    PHONE,
    accessible,
    remember_device,
    shoot,
    switch_to_english,
    type_staff_code,
    watch,
)
from tests.factories import PASSWORD, identity, staff_member
from tests.support import newest
from web.services import Services

pytestmark = pytest.mark.browser
AGENT = "agent@servicesfinanciersmini.ca"
ANALYST = "analyste@servicesfinanciersmini.ca"
PENDING = "pas.encore@example.com"
RESET = "oublie@example.com"
WORDS = {
    "fr": {"sign_in": "Se connecter", "sign_out": "Se déconnecter", "open": "Ouvrir",
           "find": "Trouver", "staff_access": "Accès du personnel",
           "expired": "Cette démarche a expiré",
           "not_activated": "Votre MINI ID n'est pas encore activé",
           "resend": "Envoyer le courriel d'activation", "check": "Vérifiez vos courriels",
           "reset_done": "Connectez-vous avec votre nouveau mot de passe"},
    "en": {"sign_in": "Sign in", "sign_out": "Sign out", "open": "Open",
           "find": "Find", "staff_access": "Staff access",
           "expired": "This procedure has expired",
           "not_activated": "Your MINI ID is not activated yet",
           "resend": "Send the activation e-mail", "check": "Check your e-mail",
           "reset_done": "Sign in with your new password"},
}  # fmt: skip

# Signed out, then signed in as Émilie (two contracts, a conversation): the customers' pages
# no other browser test checks in both languages.
VISITOR = ("/", "/register", "/login", "/password-reset", "/faq", "/privacy")
CUSTOMER = ("/overview", "/messages", "/messages/new", "/profile",
            "/profile/password", "/profile/email", "/profile/language", "/profile/data",
            "/profile/close", "/link-account", "/send-document")  # fmt: skip


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = watch(chromium.new_context(viewport=PHONE, locale="fr-CA"))
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def look(page: Page, url: str, shot: str = "", status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response)
    accessible(page)
    if shot:
        shoot(page, shot)


def staff_sign_in(page: Page, app: Flask, live_server: str, lang: str, email: str) -> None:
    page.goto(f"{live_server}/staff/login")
    if lang == "en" and page.locator("html").get_attribute("lang") != "en-CA":
        switch_to_english(page)
    accessible(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=WORDS[lang]["sign_in"]).click()
    accessible(page)  # the code's page
    type_staff_code(page, app, email)
    accessible(page)  # the console's home


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_on_a_phone(
    phone: Page, live_server: str, app: Flask, demo_data: None, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    for path in VISITOR:
        look(phone, f"{live_server}/{lang}{path}")
    look(phone, f"{live_server}/{lang}/nowhere", status=404)
    look(phone, f"{live_server}/{lang}/register/link/not-a-real-link", status=404)
    look(phone, f"{live_server}/{lang}/login")
    phone.locator("#email").fill(demo.EMILIE.email)
    phone.locator("#password").fill("not the password")
    phone.locator("#password").press("Enter")
    expect(phone.locator(".error-summary")).to_be_visible()
    accessible(phone)
    look(phone, f"{live_server}/{lang}/password-reset")
    phone.locator("#email").fill(demo.EMILIE.email)
    phone.locator("#email").press("Enter")
    expect(phone.locator("#email")).to_have_count(0)  # sent: the page says to look
    accessible(phone)
    # The same page, looked at again now and then (the visit stays alive) for longer than
    # the step lasts (1 h), once the workers' sweep has passed: it ran out of time.
    for _ in range(3):
        services.clock.advance(timedelta(minutes=25))
        phone.reload()
    services.engine.sweep()
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text(words["expired"])
    accessible(phone)
    # A MINI ID not yet activated: sign-in offers the activation e-mail again.
    identity(services, PENDING, status="pending", language=lang)
    look(phone, f"{live_server}/{lang}/login")
    phone.locator("#email").fill(PENDING)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("#password").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text(words["not_activated"])
    accessible(phone)
    phone.get_by_role("button", name=words["resend"]).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(words["check"])
    accessible(phone)
    # A whole password reset: the form the e-mailed link opens, then done.
    identity(services, RESET, language=lang)
    look(phone, f"{live_server}/{lang}/password-reset")
    phone.locator("#email").fill(RESET)
    phone.locator("#email").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text(words["check"])
    look(phone, live_server + urlsplit(str(newest(services, RESET).extras["link"])).path)
    phone.locator("#password").fill("un nouveau départ en forêt")
    phone.locator("#password_confirm").fill("un nouveau départ en forêt")
    phone.locator("#password_confirm").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text(words["reset_done"])
    accessible(phone)
    look(phone, f"{live_server}/dev/mailbox")  # the developers' (in English only)
    phone.get_by_role("link", name="HTML").first.click()
    expect(phone.locator("iframe")).to_be_visible()
    accessible(phone)

    remember_device(phone, app, live_server, demo.EMILIE.email)
    phone.goto(f"{live_server}/{lang}/login")
    phone.locator("#email").fill(demo.EMILIE.email)
    phone.locator("#password").fill(demo.PASSWORD)
    phone.get_by_role("button", name=words["sign_in"]).click()
    expect(phone).to_have_url(f"{live_server}/{lang}/overview")
    for path in CUSTOMER:
        look(phone, f"{live_server}/{lang}{path}")
    shoot(phone, f"every-send-document-{lang}")
    look(phone, f"{live_server}/{lang}/devices", f"every-devices-{lang}")
    look(phone, f"{live_server}/{lang}/faq")  # signed in: the header changes
    look(phone, f"{live_server}/{lang}/messages")
    phone.locator(".conversation .subject button").first.click()
    expect(phone.locator(".thread")).to_be_visible()
    accessible(phone)
    phone.goto(f"{live_server}/{lang}/profile")
    phone.get_by_role("button", name=words["sign_out"]).first.click()

    staff_member(services, AGENT, role="agent")
    staff_sign_in(phone, app, live_server, lang, AGENT)
    look(phone, f"{live_server}/staff/messages", f"every-agent-queue-{lang}")
    phone.get_by_role("button", name=words["open"]).first.click()
    expect(phone.locator(".thread")).to_be_visible()
    accessible(phone)
    look(phone, f"{live_server}/staff/customers")
    phone.locator("#q").fill(demo.EMILIE.last_name)
    phone.get_by_role("button", name=words["find"], exact=True).click()
    accessible(phone)
    phone.get_by_role("link", name=f"{demo.EMILIE.first_name} {demo.EMILIE.last_name}").click()
    accessible(phone)
    shoot(phone, f"every-support-customer-{lang}")
    look(phone, f"{live_server}/staff/quotes")
    look(phone, f"{live_server}/staff/flows", status=403)  # not an agent's page: it says so
    phone.get_by_role("button", name=words["sign_out"]).click()

    staff_member(services, ANALYST)
    staff_sign_in(phone, app, live_server, lang, ANALYST)
    look(phone, f"{live_server}/staff/flows")
    for definition in services.registry:  # each its own words, tables and drawing
        look(phone, f"{live_server}/staff/flows/{definition.name}")
    shoot(phone, f"every-analyst-flow-{lang}")
    look(phone, f"{live_server}/staff/flows/secure_message/changes", f"every-changes-{lang}")
    look(phone, f"{live_server}/staff/trail?flow=secure_message", f"every-trail-{lang}")
    phone.locator("table.data tbody a").first.click()
    accessible(phone)
    look(phone, f"{live_server}/staff/trail")
    phone.get_by_role("link", name=words["staff_access"]).click()
    expect(phone.locator("table.data tbody tr").first).to_be_visible()
    accessible(phone)
