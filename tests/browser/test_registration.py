"""Registration in a real browser, as a customer does it, in both languages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.browser.conftest import accessible, assert_focus_on_error_summary, shoot
from tests.factories import PASSWORD
from web.services import Services

pytestmark = pytest.mark.browser

TEXT = {
    "fr": (
        "S'inscrire maintenant",
        "S'inscrire",
        "Ce champ est obligatoire.",
        "Vérifiez vos courriels",
        "Activer maintenant",
        "Votre MINI ID a été activé",
    ),
    "en": (
        "Register now",
        "Register",
        "This field is required.",
        "Check your e-mail",
        "Activate now",
        "Your MINI ID has been activated",
    ),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_register_and_activate(page: Page, live_server: str, app: Flask, lang: str) -> None:
    home_button, submit, required, check, activate, activated = TEXT[lang]
    page.goto(f"{live_server}/{lang}/")
    shoot(page, f"home-{lang}")
    page.get_by_role("link", name=home_button).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(submit)

    page.get_by_label("E-mail address" if lang == "en" else "Adresse de courriel").fill("x")
    page.get_by_role("button", name=submit).click()
    expect(page.locator("#first_name-error")).to_have_text(required)
    assert_focus_on_error_summary(page)
    shoot(page, f"register-errors-{lang}")
    accessible(page)

    page.locator("#first_name").fill("Émilie")
    page.locator("#last_name").fill("Gagnon")
    page.locator("#email").fill(f"emilie.{lang}@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    page.get_by_role("button", name=submit).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(check)
    shoot(page, f"check-email-{lang}")
    accessible(page)

    services: Services = app.extensions["moncompte"]
    with services.db.read() as session:
        message = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        assert message is not None
    page.goto(live_server + urlsplit(str(message.extras["link"])).path)
    accessible(page)
    page.get_by_role("button", name=activate).click()
    expect(page.get_by_text(activated)).to_be_visible()
    shoot(page, f"activated-{lang}")
    accessible(page)
