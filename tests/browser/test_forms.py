"""Forms in a real browser, in both languages: switching language keeps what was typed
(never a password), and every password field has a show-password toggle."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessible, remember_device, shoot, switch_to_english
from tests.factories import PASSWORD, contract, identity, staff_member
from web.services import Services

pytestmark = pytest.mark.browser

OTHER = {"fr": "en", "en": "fr"}
SWITCH = {"fr": "English", "en": "Français"}
REGISTER = {"fr": "S'inscrire", "en": "Register"}
COMPOSE = {"fr": "Composez un message", "en": "Compose a message"}
SHOW = {"fr": "Afficher le mot de passe", "en": "Show password"}
TYPED = {
    "first_name": "Marc-André",
    "last_name": "Bélanger",
    "email": "marc-andre@example.com",
}


def switch_language(page: Page, lang: str) -> None:
    page.get_by_role("link", name=SWITCH[lang]).click()
    expect(page).to_have_url(re.compile(rf"/{OTHER[lang]}/"))


def nothing_kept_nor_in_the_address(page: Page) -> None:
    """What was typed is forgotten once restored, and was never in the address."""
    assert page.evaluate("sessionStorage.length") == 0
    assert "Marc" not in page.url and "example.com" not in page.url


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_switching_language_keeps_what_was_typed_on_registration(
    page: Page, live_server: str, lang: str
) -> None:
    page.goto(f"{live_server}/{lang}/register")
    for name, value in TYPED.items():
        page.locator(f"#{name}").fill(value)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)

    switch_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(REGISTER[OTHER[lang]])
    for name, value in TYPED.items():
        expect(page.locator(f"#{name}")).to_have_value(value)
    expect(page.locator("#password")).to_have_value("")  # never carried
    expect(page.locator("#password_confirm")).to_have_value("")
    nothing_kept_nor_in_the_address(page)
    accessible(page)
    shoot(page, f"register-switched-{lang}")

    # And back: what is in the form is what goes.
    page.locator("#first_name").fill("Marc")
    switch_language(page, OTHER[lang])
    expect(page.get_by_role("heading", level=1)).to_have_text(REGISTER[lang])
    expect(page.locator("#first_name")).to_have_value("Marc")
    expect(page.locator("#email")).to_have_value(TYPED["email"])
    nothing_kept_nor_in_the_address(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_switching_language_keeps_what_was_typed_on_compose(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    jean = identity(services, "jean.t@example.com", language=lang)
    contract(services, "PR-25-000001", identity_id=jean)
    contract(services, "LO-25-000002", kind="lease", identity_id=jean)
    remember_device(page, app, live_server, "jean.t@example.com")
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill("jean.t@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.goto(f"{live_server}/{lang}/messages")
    page.get_by_role("link", name=COMPOSE[lang]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPOSE[lang])
    page.locator("#subject").select_option("payments")
    page.locator("#contract").select_option(index=2)
    chosen = page.locator("#contract").input_value()
    body = "Puis-je déplacer mon prélèvement au 15?\nMerci, Jean"
    page.locator("#body").fill(body)

    switch_language(page, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPOSE[OTHER[lang]])
    expect(page.locator("#subject")).to_have_value("payments")
    expect(page.locator("#contract")).to_have_value(chosen)
    expect(page.locator("#body")).to_have_value(body)
    nothing_kept_nor_in_the_address(page)
    accessible(page)
    shoot(page, f"compose-switched-{lang}")


def toggles(page: Page, field: str, lang: str) -> None:
    """FIELD's toggle: off at first, shows the text, hides it again, by mouse and keyboard."""
    password = page.locator(f"#{field}")
    toggle = page.locator(f"button.show-password[aria-controls={field}]")
    expect(toggle).to_have_text(SHOW[lang])
    expect(toggle).to_have_attribute("type", "button")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(password).to_have_attribute("type", "password")
    password.fill(PASSWORD)
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(password).to_have_value(PASSWORD)
    toggle.click()
    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "text")
    outline = toggle.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline != "none"  # the keyboard's focus is seen
    page.keyboard.press("Enter")
    expect(password).to_have_attribute("type", "password")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_show_password_on_registration_and_sign_in(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/register")
    expect(page.get_by_role("button", name=SHOW[lang])).to_have_count(2)
    toggles(page, "password", lang)
    toggles(page, "password_confirm", lang)
    page.locator("button.show-password").first.click()  # shown…
    accessible(page)
    no_sideways_scroll(page)
    shoot(page, f"register-password-shown-{lang}")
    page.get_by_role("button", name=REGISTER[lang], exact=True).click()  # …sent hidden
    expect(page.locator("#password")).to_have_attribute("type", "password")

    page.goto(f"{live_server}/{lang}/login")
    toggles(page, "password", lang)
    accessible(page)
    no_sideways_scroll(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_show_password_on_staff_sign_in_and_password_change(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    page.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(page)
    toggles(page, "password", lang)
    accessible(page)
    no_sideways_scroll(page)

    identity(services, "jean.t@example.com", language=lang)
    remember_device(page, app, live_server, "jean.t@example.com")
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill("jean.t@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.goto(f"{live_server}/{lang}/profile/password")
    for field in ("current_password", "password", "password_confirm"):
        if page.locator(f"#{field}").count():
            toggles(page, field, lang)
    expect(page.locator("button.show-password")).not_to_have_count(0)
    accessible(page)
    no_sideways_scroll(page)
    shoot(page, f"password-change-toggles-{lang}")
