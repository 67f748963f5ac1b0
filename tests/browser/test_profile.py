"""«Mon profil» in a real browser, in both languages, on a desktop and a 390 px phone:
each procedure with its refusals, axe-core on every page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessible, assert_focus_on_error_summary, shoot
from tests.factories import PASSWORD, identity
from tests.support import newest
from web.services import Services

pytestmark = pytest.mark.browser

EMAIL = "jean.t@example.com"
NEW = "une autre saison sur la rive-sud"

WORDS = {
    "fr": {
        "sign_in": "Se connecter",
        "email": "Adresse de courriel",
        "password": "Mot de passe",
        "profile": "Mon profil",
        "change_password": "Changer mon mot de passe",
        "current": "Mot de passe actuel",
        "new": "Nouveau mot de passe",
        "confirm": "Confirmez le nouveau mot de passe",
        "wrong": "Votre mot de passe actuel n'est pas exact.",
        "short": "Utilisez au moins 12 caractères.",
        "changed": "Votre mot de passe a été modifié",
        "change_email": "Changer mon adresse de courriel",
        "new_email": "Nouvelle adresse de courriel",
        "send_link": "Envoyer le lien de confirmation",
        "check": "Consultez votre nouvelle adresse",
        "confirm_address": "Confirmer ma nouvelle adresse",
        "confirm_title": "Confirmez votre nouvelle adresse de courriel",
        "address_changed": "Votre adresse de courriel a été changée",
        "used": "Ce lien a déjà été utilisé.",
        "expired": "Ce lien a expiré.",
        "undo_title": "Annuler le changement d'adresse",
        "undo": "Annuler le changement et choisir un nouveau mot de passe",
        "undone": "Votre MINI ID est de nouveau à vous",
        "language": "Changer la langue",
        "save": "Enregistrer",
        "where": "Où je suis connecté",
        "this_session": "Cette session",
        "sign_out_others": "Déconnecter toutes les autres sessions",
        "others_ended": "Toutes les autres sessions ont été fermées",
    },
    "en": {
        "sign_in": "Sign in",
        "email": "E-mail address",
        "password": "Password",
        "profile": "My profile",
        "change_password": "Change my password",
        "current": "Current password",
        "new": "New password",
        "confirm": "Confirm the new password",
        "wrong": "Your current password is not correct.",
        "short": "Use at least 12 characters.",
        "changed": "Your password has been changed",
        "change_email": "Change my e-mail address",
        "new_email": "New e-mail address",
        "send_link": "Send the confirmation link",
        "check": "Check your new address",
        "confirm_address": "Confirm my new address",
        "confirm_title": "Confirm your new e-mail address",
        "address_changed": "Your e-mail address has been changed",
        "used": "This link has already been used.",
        "expired": "This link has expired.",
        "undo_title": "Undo the change of address",
        "undo": "Undo the change and choose a new password",
        "undone": "Your MINI ID is yours again",
        "language": "Change the language",
        "save": "Save",
        "where": "Where I am signed in",
        "this_session": "This session",
        "sign_out_others": "Sign out every other session",
        "others_ended": "Every other session was ended",
    },
}


def sign_in(page: Page, live_server: str, lang: str) -> None:
    words = WORDS[lang]
    page.goto(f"{live_server}/{lang}/login")
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page.get_by_role("link", name=words["profile"])).to_be_visible()


def open_link(page: Page, live_server: str, link: str) -> None:
    page.goto(live_server + urlsplit(link).path)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_change_my_password_with_the_step_up(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    identity(services, EMAIL, language=lang)
    sign_in(page, live_server, lang)
    page.get_by_role("link", name=words["profile"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["profile"])
    shoot(page, f"profile-{lang}")
    accessible(page)

    page.get_by_role("link", name=words["change_password"]).click()
    expect(page.get_by_label(words["current"])).to_have_count(0)  # typed a moment ago
    services.clock.advance(timedelta(minutes=6))
    page.reload()
    page.get_by_label(words["current"]).fill("pas le bon mot de passe")
    page.get_by_label(words["new"], exact=True).fill("court")
    page.get_by_label(words["confirm"]).fill("court")
    page.get_by_role("button", name=words["change_password"]).click()
    expect(page.locator("#current_password-error")).to_contain_text(words["wrong"])
    expect(page.locator("#password-error")).to_have_text(words["short"])  # all at once
    assert_focus_on_error_summary(page)
    shoot(page, f"password-change-refused-{lang}")
    accessible(page)

    page.get_by_label(words["current"]).fill(PASSWORD)
    page.get_by_label(words["new"], exact=True).fill("court")
    page.get_by_label(words["confirm"]).fill("court")
    page.get_by_role("button", name=words["change_password"]).click()
    expect(page.locator("#password-error")).to_have_text(words["short"])
    accessible(page)
    page.get_by_label(words["new"], exact=True).fill(NEW)
    page.get_by_label(words["confirm"]).fill(NEW)
    page.get_by_role("button", name=words["change_password"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["changed"])
    shoot(page, f"password-changed-{lang}")
    accessible(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_change_my_address_then_take_it_back(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    identity(services, EMAIL, language=lang)
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/{lang}/profile")
    page.get_by_role("link", name=words["change_email"]).click()
    page.get_by_label(words["new_email"]).fill("pas une adresse")
    page.get_by_role("button", name=words["send_link"]).click()
    assert_focus_on_error_summary(page)
    shoot(page, f"email-change-refused-{lang}")
    accessible(page)
    page.get_by_label(words["new_email"]).fill("jean.nouveau@example.com")
    page.get_by_role("button", name=words["send_link"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["check"])
    shoot(page, f"email-change-sent-{lang}")
    accessible(page)

    confirm = str(newest(services, "jean.nouveau@example.com").extras["link"])
    open_link(page, live_server, confirm)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["confirm_title"])
    accessible(page)
    page.get_by_role("button", name=words["confirm_address"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["address_changed"])
    shoot(page, f"email-changed-{lang}")
    accessible(page)
    open_link(page, live_server, confirm)  # used: gone
    expect(page.locator(".notice")).to_contain_text(words["used"])
    accessible(page)

    undo = str(newest(services, EMAIL).extras["link"])
    open_link(page, live_server, undo)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["undo_title"])
    page.get_by_label(words["new"], exact=True).fill(NEW)
    page.get_by_label(words["confirm"]).fill("autre chose encore")
    page.get_by_role("button", name=words["undo"]).click()
    assert_focus_on_error_summary(page)
    shoot(page, f"email-undo-refused-{lang}")
    accessible(page)
    page.get_by_label(words["new"], exact=True).fill(NEW)
    page.get_by_label(words["confirm"]).fill(NEW)
    page.get_by_role("button", name=words["undo"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["undone"])
    shoot(page, f"email-undone-{lang}")
    accessible(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_another_mini_ids_address_and_the_undo_link_after_7_days(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    identity(services, EMAIL, language=lang)
    identity(services, "marie@example.com", first_name="Marie")
    sign_in(page, live_server, lang)
    # Another MINI ID's address: the same page as any other (that address is told).
    page.goto(f"{live_server}/{lang}/profile/email")
    page.get_by_label(words["new_email"]).fill("marie@example.com")
    page.get_by_role("button", name=words["send_link"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["check"])
    accessible(page)
    page.goto(f"{live_server}/{lang}/profile/email")
    page.get_by_label(words["new_email"]).fill("jean.nouveau@example.com")
    page.get_by_role("button", name=words["send_link"]).click()
    open_link(page, live_server, str(newest(services, "jean.nouveau@example.com").extras["link"]))
    page.get_by_role("button", name=words["confirm_address"]).click()
    undo = str(newest(services, EMAIL).extras["link"])
    services.clock.advance(timedelta(days=7, seconds=1))
    open_link(page, live_server, undo)
    expect(page.locator(".notice")).to_contain_text(words["expired"])
    accessible(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_my_language_and_where_i_am_signed_in(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    other = "en" if lang == "fr" else "fr"
    identity(services, EMAIL, language=lang)
    elsewhere = page.context.browser.new_context() if page.context.browser else None
    assert elsewhere is not None
    sign_in(elsewhere.new_page(), live_server, lang)
    sign_in(page, live_server, lang)

    page.goto(f"{live_server}/{lang}/profile")
    page.get_by_role("link", name=words["where"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["where"])
    expect(page.get_by_text(words["this_session"])).to_have_count(1)
    shoot(page, f"where-signed-in-{lang}")
    accessible(page)
    page.get_by_role("button", name=words["sign_out_others"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["others_ended"])
    accessible(page)
    elsewhere.close()

    page.goto(f"{live_server}/{lang}/profile")
    page.get_by_role("link", name=words["language"]).click()
    shoot(page, f"language-{lang}")
    accessible(page)
    page.get_by_label("English" if other == "en" else "Français").check()
    page.get_by_role("button", name=words["save"]).click()
    expect(page).to_have_url(
        f"{live_server}/{other}/profile/language/" + page.url.rsplit("/", 1)[1]
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Language saved" if other == "en" else "Langue enregistrée"
    )
    accessible(page)
