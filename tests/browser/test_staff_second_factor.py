"""The staff's second factor in a real browser: enrolment (QR code, key), the recovery
codes, the code page; axe-core finds nothing on any of them, in either language."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    accessible,
    assert_focus_on_error_summary,
    shoot,
    switch_to_english,
)
from tests.factories import PASSWORD, staff_member
from web.services import Services

pytestmark = pytest.mark.browser

ANALYST = "analyste@servicesfinanciersmini.ca"
WORDS = {
    "fr": {
        "sign_in": "Se connecter",
        "enrol": "Configurez votre authentificateur",
        "confirm": "Confirmer",
        "codes": "Vos codes de récupération",
        "kept": "Je les ai conservés, continuer",
        "code": "Code de vérification",
        "out": "Se déconnecter",
    },
    "en": {
        "sign_in": "Sign in",
        "enrol": "Set up your authenticator",
        "confirm": "Confirm",
        "codes": "Your recovery codes",
        "kept": "I have kept them, continue",
        "code": "Verification code",
        "out": "Sign out",
    },
}


def type_password(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/staff/login")
    if lang == "en" and page.locator("html").get_attribute("lang") != "en-CA":
        switch_to_english(page)
    page.locator("#email").fill(ANALYST)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=WORDS[lang]["sign_in"]).click()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_staff_member_enrols_then_signs_in_with_a_code(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    words = WORDS[lang]
    services: Services = app.extensions["moncompte"]
    staff_member(services, enrolled=False)
    type_password(page, live_server, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["enrol"])
    expect(page.locator(".qr svg")).to_be_visible()
    shoot(page, f"staff-enrol-{lang}")
    accessible(page)
    page.locator("#code").fill("000000")
    page.get_by_role("button", name=words["confirm"]).click()
    assert_focus_on_error_summary(page)
    accessible(page)
    key = page.locator(".key code").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(key).at(services.clock()))
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["codes"])
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    shoot(page, f"staff-recovery-codes-{lang}")
    accessible(page)
    page.get_by_role("button", name=words["kept"]).click()
    expect(page).to_have_url(f"{live_server}/staff/")
    page.get_by_role("button", name=words["out"]).click()

    type_password(page, live_server, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["code"])
    shoot(page, f"staff-code-{lang}")
    accessible(page)
    following = pyotp.TOTP(key).at(services.clock() + timedelta(seconds=30))
    page.locator("#code").fill(following)
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page).to_have_url(f"{live_server}/staff/")
