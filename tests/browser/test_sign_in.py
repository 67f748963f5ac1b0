"""Signing in and resetting a password in a real browser."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.browser.conftest import accessible, assert_focus_on_error_summary, shoot
from tests.factories import PASSWORD, identity
from web.services import Services

pytestmark = pytest.mark.browser


def test_sign_in_wrong_then_right_then_sign_out(page: Page, live_server: str, app: Flask) -> None:
    identity(app.extensions["moncompte"], "jean.t@example.com")
    page.goto(f"{live_server}/fr/")
    page.get_by_role("link", name="Se connecter").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MINI ID — Connectez-vous")
    page.get_by_label("Adresse de courriel").fill("jean.t@example.com")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("L'adresse de courriel ou le mot de passe")
    assert_focus_on_error_summary(page)
    shoot(page, "sign-in-refused-fr")
    accessible(page)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # No contract linked yet: «Associez votre compte» comes first.
    expect(page.get_by_role("heading", level=1)).to_have_text("Associez votre compte")
    shoot(page, "signed-in-fr")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")


def test_forgot_password_in_english(page: Page, live_server: str, app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services, "jean.t@example.com", language="en")
    page.goto(f"{live_server}/en/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("button", name="Send link").click()
    expect(page.locator("#email-error")).to_have_text("This field is required.")
    assert_focus_on_error_summary(page)
    accessible(page)
    page.get_by_label("E-mail address").fill("jean.t@example.com")
    shoot(page, "forgot-en")
    page.get_by_role("button", name="Send link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    with services.db.read() as session:
        mail = session.scalar(select(OutboxMessage))
        assert mail is not None
    page.goto(live_server + urlsplit(str(mail.extras["link"])).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm the new password").fill("short")
    page.get_by_role("button", name="Save my password").click()
    expect(page.locator("#password-error")).to_have_text("Use at least 12 characters.")
    assert_focus_on_error_summary(page)
    shoot(page, "change-password-error-en")
    accessible(page)
    page.get_by_label("New password", exact=True).fill("un nouveau départ en forêt")
    page.get_by_label("Confirm the new password").fill("un nouveau départ en forêt")
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been reset")
    shoot(page, "password-reset-en")
