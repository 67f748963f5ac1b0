"""Privacy in a real browser, both languages, desktop and phone, axe on every page: the
privacy page from the footer, downloading my data, closing my MINI ID."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from flows import retention
from flows.accounts import export
from tests.browser.conftest import accessible, assert_focus_on_error_summary, shoot
from tests.factories import PASSWORD, identity
from web.services import Services

pytestmark = pytest.mark.browser

EMAIL = "jean.t@example.com"
WORDS = {
    "fr": {
        "privacy": "Confidentialité",
        "closed_kept": "30 jours après sa fermeture; les dossiers ne gardent ensuite aucun nom",
        "email": "Adresse de courriel",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "profile": "Mon profil",
        "data": "Télécharger mes données",
        "prepare": "Préparer mon archive",
        "preparing": "Votre archive est en préparation",
        "refresh": "Actualiser",
        "ready": "Votre archive est prête",
        "download": "Télécharger mon archive",
        "close": "Fermer mon MINI ID",
        "confirm": "Je comprends, et je veux fermer mon MINI ID",
        "closed": "Votre MINI ID est fermé",
    },
    "en": {
        "privacy": "Privacy",
        "closed_kept": "30 days after it was closed; then the records keep no name",
        "email": "E-mail address",
        "password": "Password",
        "sign_in": "Sign in",
        "profile": "My profile",
        "data": "Download my data",
        "prepare": "Prepare my archive",
        "preparing": "Your archive is being prepared",
        "refresh": "Refresh",
        "ready": "Your archive is ready",
        "download": "Download my archive",
        "close": "Close my MINI ID",
        "confirm": "I understand, and I want to close my MINI ID",
        "closed": "Your MINI ID is closed",
    },
}


def sign_in(page: Page, live_server: str, lang: str) -> None:
    words = WORDS[lang]
    page.goto(f"{live_server}/{lang}/login")
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page.get_by_role("link", name=words["profile"])).to_be_visible()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_privacy_page_from_every_footer(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/")
    page.get_by_role("contentinfo").get_by_role("link", name=WORDS[lang]["privacy"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[lang]["privacy"])
    expect(page.locator(".officer")).not_to_be_empty()
    # The retention schedule, in the reader's language, a row for each kind of record.
    expect(page.locator("table.stacked tbody tr")).to_have_count(len(retention.SCHEDULE))
    expect(page.locator("table.stacked")).to_contain_text(WORDS[lang]["closed_kept"])
    shoot(page, f"privacy-{lang}")
    accessible(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_download_my_data(page: Page, live_server: str, app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    identity(services, EMAIL, language=lang)
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/{lang}/profile")
    page.get_by_role("link", name=words["data"]).click()
    shoot(page, f"data-export-{lang}")
    accessible(page)
    page.get_by_role("button", name=words["prepare"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["preparing"])
    accessible(page)
    assert export.prepare_due(services) == 1  # the background worker
    page.get_by_role("link", name=words["refresh"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["ready"])
    shoot(page, f"data-export-ready-{lang}")
    accessible(page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name=words["download"]).click()
    assert downloading.value.suggested_filename.endswith(".zip")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_close_my_mini_id(page: Page, live_server: str, app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    identity(services, EMAIL, language=lang)
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/{lang}/profile")
    page.get_by_role("link", name=words["close"]).click()
    page.get_by_role("button", name=words["close"]).click()  # the box is not checked
    assert_focus_on_error_summary(page)
    shoot(page, f"close-refused-{lang}")
    accessible(page)
    page.get_by_label(words["confirm"]).check()
    page.get_by_role("button", name=words["close"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["closed"])
    expect(page.get_by_role("link", name=words["profile"])).to_have_count(0)  # signed out
    shoot(page, f"closed-{lang}")
    accessible(page)
