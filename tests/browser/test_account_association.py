"""«Associez votre compte» in a real browser, the whole procedure in both languages, with
axe-core finding nothing on each screen: Sophie (demo) links her loan, remembers the
device, signs in again without a code, then forgets it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from flows import demo
from tests.browser.conftest import accessible, shoot, speaks_in
from tests.support import SMTPServer, newest
from web.cli import papers
from web.services import Services

pytestmark = pytest.mark.browser

TEXT = {
    "fr": {
        "sign_in": "Se connecter",
        "link": "Associez votre compte",
        "continue": "Continuer",
        "required": "Ce champ est obligatoire.",
        "mismatch": "Ces renseignements ne correspondent pas à nos dossiers.",
        "authorize_h1": "Autoriser cet appareil",
        "send": "Envoyer le code",
        "code_h1": "Entrez le code",
        "authorize": "Autoriser l'appareil",
        "added": "Vos comptes des Services financiers MINI ont été ajoutés",
        "overview": "Présentation",
        "devices": "Où je suis connecté",
        "forget": "Oublier",
        "sign_out": "Se déconnecter",
        "signed_in": "Vous êtes connecté",
    },
    "en": {
        "sign_in": "Sign in",
        "link": "Link your account",
        "continue": "Continue",
        "required": "This field is required.",
        "mismatch": "This information does not match our records.",
        "authorize_h1": "Authorize this device",
        "send": "Send code",
        "code_h1": "Enter the code",
        "authorize": "Authorize device",
        "added": "Your MINI Financial Services accounts have been added",
        "overview": "Overview",
        "devices": "Where I am signed in",
        "forget": "Forget",
        "sign_out": "Sign out",
        "signed_in": "You are signed in",
    },
}


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def sign_in(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(demo.SOPHIE.email)
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()


def look(page: Page, name: str) -> None:
    accessible(page)
    shoot(page, name)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_sophie_links_her_loan_and_remembers_this_device(
    page: Page, live_server: str, app: Flask, demo_data: None, lang: str
) -> None:
    words = TEXT[lang]
    services: Services = app.extensions["moncompte"]
    [loan] = [c for c in demo.CONTRACTS if c.holder == demo.SOPHIE]
    vin, amount, customer_number = demo.to_link(loan)
    sign_in(page, live_server, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["link"])
    look(page, f"link-account-{lang}")

    page.get_by_role("button", name=words["continue"]).click()
    expect(page.locator("#first_name-error")).to_have_text(words["required"])
    look(page, f"link-account-errors-{lang}")

    page.locator("#first_name").fill("Sophie")
    page.locator("#last_name").fill("Tremblay")
    if lang == "fr":  # the VIN as it is typed from a certificate, and the last payment
        page.locator("#vin").fill(" ".join(vin[i : i + 4] for i in range(0, 17, 4)).lower())
        page.locator("#last_payment_amount").fill("578.00 $")
    else:  # «Numéro MINI»: the VIN's fields step aside
        page.locator("#method-customer_number").check()
        expect(page.locator("#vin")).to_be_hidden()
        page.locator("#customer_number").fill("MM0000000")
    page.get_by_role("button", name=words["continue"]).click()
    expect(page.get_by_role("alert").first).to_contain_text(words["mismatch"])
    look(page, f"link-account-mismatch-{lang}")

    if lang == "fr":
        page.locator("#last_payment_amount").fill(f"{amount} $")
    else:
        page.locator("#customer_number").fill(customer_number.lower())
    page.get_by_role("button", name=words["continue"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["authorize_h1"])
    expect(page.get_by_text("•••-•••-0117")).to_be_visible()
    look(page, f"device-channel-{lang}")

    page.locator("#channel-email" if lang == "fr" else "#channel-sms").check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["code_h1"])
    look(page, f"device-code-{lang}")

    to = demo.SOPHIE.email if lang == "fr" else demo.SOPHIE.phone
    page.locator("#code").fill(str(newest(services, to).extras["code"]))
    page.locator("#remember_device-yes").check()
    page.get_by_role("button", name=words["authorize"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["added"])
    look(page, f"accounts-added-{lang}")

    # Signed out and in again on this device: no code.
    page.get_by_role("button", name=words["sign_out"]).click()
    sign_in(page, live_server, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["overview"])
    expect(page.locator(".contract")).to_have_count(1)
    look(page, f"overview-linked-{lang}")

    page.get_by_role("link", name=words["devices"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["devices"])
    rows = page.locator("table.devices").nth(1).locator("tbody tr")  # after the sessions
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("HeadlessChrome")  # browser · system
    expect(rows).to_contain_text("Linux")
    look(page, f"devices-{lang}")
    rows.get_by_role("button", name=words["forget"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    look(page, f"devices-forgotten-{lang}")

    # Forgotten: the next sign-in asks for a code.
    page.get_by_role("button", name=words["sign_out"]).click()
    sign_in(page, live_server, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["authorize_h1"])
    services.clock.advance(timedelta(minutes=2))  # a new code to the same address: later
    page.locator("#channel-email").check()
    page.get_by_role("button", name=words["send"]).click()
    page.locator("#code").fill(str(newest(services, demo.SOPHIE.email).extras["code"]))
    page.get_by_role("button", name=words["authorize"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["overview"])
    # Back, to the sign-in's own page: it says it is done, and leads to the overview.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["signed_in"])
    look(page, f"signed-in-done-{lang}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_three_mismatches_lock_verification(
    page: Page, live_server: str, demo_data: None, lang: str
) -> None:
    words = TEXT[lang]
    sign_in(page, live_server, lang)
    page.locator("#first_name").fill("Sophie")
    page.locator("#last_name").fill("Tremblay")
    page.locator("#method-customer_number").check()
    for _ in range(3):
        page.locator("#customer_number").fill("MM0000000")
        page.get_by_role("button", name=words["continue"]).click()
    several = {"fr": "plusieurs tentatives", "en": "several unsuccessful attempts"}[lang]
    expect(page.get_by_role("alert")).to_contain_text(several)
    expect(page.get_by_text({"fr": "1 866 555-0164", "en": "1-866-555-0164"}[lang])).to_be_visible()
    look(page, f"link-account-locked-{lang}")


@pytest.fixture
def without_sms(make_app: Any, smtp_server: SMTPServer, lang: str) -> Iterator[str]:
    """A site outside development (a base URL, an SMTP server) with no SMS gateway; its
    demo customers speak LANG."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app: Flask = make_app(BASE_URL=base, SMTP_URL=smtp_server.url)
    with app.app_context():
        demo.load(app.extensions["moncompte"], Path(app.config["UPLOAD_FOLDER"]), papers)
    with app.extensions["moncompte"].db.write() as session:
        speaks_in(session, demo.SOPHIE.email, lang)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_an_sms_gateway_the_code_goes_by_email_and_the_page_says_so(
    page: Page, without_sms: str, lang: str
) -> None:
    words = TEXT[lang]
    [loan] = [c for c in demo.CONTRACTS if c.holder == demo.SOPHIE]
    sign_in(page, without_sms, lang)
    page.locator("#first_name").fill("Sophie")
    page.locator("#last_name").fill("Tremblay")
    page.locator("#method-customer_number").check()
    page.locator("#customer_number").fill(demo.to_link(loan)[2])
    page.get_by_role("button", name=words["continue"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["authorize_h1"])
    expect(page.locator("#channel-sms")).to_be_disabled()
    expect(page.locator("#channel-email")).to_be_checked()
    off = {"fr": "par message texte pour le moment", "en": "by text message at the moment"}
    expect(page.locator("label[for=channel-sms]")).to_contain_text(off[lang])
    look(page, f"link-account-no-sms-{lang}")
