"""A passkey in a real browser, in both languages, on a desktop and a 390 px phone, with
Chromium's virtual authenticator (WebAuthn over the DevTools protocol) answering for the
device: Jean, whose loan is linked, signs in with his password and a code; the overview
offers a passkey once; he names the device and creates the passkey; signs out, then in
again with his e-mail address and the passkey (no password, no code), then with his
password and the passkey instead of the code; removes it in «Où je
suis connecté»; the passkey the device still holds is then refused at sign-in, and his
password asks for a code again. axe-core on every page.

WebAuthn wants the site's name, not an address: the pages are opened on http://localhost
(the site takes its relying party from the request's host). The virtual authenticator
belongs to one tab: the whole walk stays in it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import CDPSession, Locator, Page, expect

from tests.browser.conftest import accessible, shoot
from tests.factories import PASSWORD, contract, identity
from tests.support import newest
from web.services import Services

pytestmark = pytest.mark.browser

EMAIL = "jean.t@example.com"
DEVICE = "Mon ordinateur de la cuisine"

WORDS = {
    "fr": {
        "email": "Adresse de courriel",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "authorize_h1": "Autoriser cet appareil",
        "send": "Envoyer le code",
        "code_h1": "Entrez le code",
        "authorize": "Autoriser l'appareil",
        "overview": "Présentation",
        "offer": "utilisez une clé d'accès sur cet appareil",
        "name_h1": "Utiliser une clé d'accès sur cet appareil",
        "name": "Nom de cet appareil",
        "continue": "Continuer",
        "create": "Créer la clé d'accès",
        "created": "Clé d'accès créée",
        "with_passkey": "Se connecter avec une clé d'accès",
        "passkey_button": "Utiliser une clé d'accès",
        "or_passkey": "Ou utilisez votre clé d'accès",
        "use_passkey": "Utiliser ma clé d'accès",
        "use_password": "Utiliser mon mot de passe",
        "where": "Où je suis connecté",
        "passkeys": "Clés d'accès",
        "remove": "Supprimer",
        "removed": "a été supprimée",
        "refused": (
            "Cette clé d'accès ne permet pas de se connecter avec cette adresse de "
            "courriel. Réessayez, ou connectez-vous avec votre mot de passe."
        ),
    },
    "en": {
        "email": "E-mail address",
        "password": "Password",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "authorize_h1": "Authorize this device",
        "send": "Send code",
        "code_h1": "Enter the code",
        "authorize": "Authorize device",
        "overview": "Overview",
        "offer": "use a passkey on this device",
        "name_h1": "Use a passkey on this device",
        "name": "Name of this device",
        "continue": "Continue",
        "create": "Create the passkey",
        "created": "Passkey created",
        "with_passkey": "Sign in with a passkey",
        "passkey_button": "Use a passkey",
        "or_passkey": "Or use your passkey",
        "use_passkey": "Use my passkey",
        "use_password": "Use my password",
        "where": "Where I am signed in",
        "passkeys": "Passkeys",
        "remove": "Remove",
        "removed": "was removed",
        "refused": (
            "This passkey cannot sign in with this e-mail address. Try again, or sign in "
            "with your password."
        ),
    },
}


class Authenticator:
    """Chromium's virtual authenticator in one tab: a device that keeps its passkeys
    (resident keys) and always recognises its owner (user verification)."""

    def __init__(self, page: Page) -> None:
        self.session: CDPSession = page.context.new_cdp_session(page)
        self.session.send("WebAuthn.enable")
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            "automaticPresenceSimulation": True,
        }
        added = self.session.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        self.id = str(added["authenticatorId"])

    def passkeys(self) -> list[dict[str, Any]]:
        """The passkeys the device holds."""
        held = self.session.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return list(held["credentials"])


def on_localhost(live_server: str) -> str:
    return live_server.replace("127.0.0.1", "localhost")


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def look(page: Page, name: str) -> None:
    accessible(page)
    shoot(page, name)


def sign_in_with_password(page: Page, site: str, lang: str) -> None:
    words = WORDS[lang]
    page.goto(f"{site}/{lang}/login")
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"], exact=True).click()


def sign_in_with_passkey(page: Page, site: str, lang: str) -> None:
    """The e-mail address, then «Utiliser une clé d'accès»: the passkey's page."""
    words = WORDS[lang]
    page.goto(f"{site}/{lang}/login")
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_role("button", name=words["passkey_button"], exact=True).click()
    expect(h1(page)).to_have_text(words["with_passkey"])


def type_the_code(page: Page, services: Services, lang: str) -> None:
    """«Autoriser cet appareil»: the code by e-mail, typed (the device not remembered)."""
    words = WORDS[lang]
    expect(h1(page)).to_have_text(words["authorize_h1"])
    page.locator("#channel-email").check()
    page.get_by_role("button", name=words["send"]).click()
    expect(h1(page)).to_have_text(words["code_h1"])
    page.locator("#code").fill(str(newest(services, EMAIL).extras["code"]))
    page.get_by_role("button", name=words["authorize"]).click()


def sign_out(page: Page, lang: str) -> None:
    page.locator("header").get_by_role("button", name=WORDS[lang]["sign_out"]).click()
    expect(
        page.locator("header").get_by_role("button", name=WORDS[lang]["sign_out"])
    ).to_have_count(0)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_create_a_passkey_sign_in_with_it_then_remove_it(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    words = WORDS[lang]
    site = on_localhost(live_server)
    contract(services, identity_id=identity(services, EMAIL, language=lang))
    device = Authenticator(page)

    # 1. Password, then a code: the overview offers a passkey on this device.
    sign_in_with_password(page, site, lang)
    type_the_code(page, services, lang)
    expect(page).to_have_url(re.compile(rf"/{lang}/overview$"))
    offer = page.get_by_role("link", name=words["offer"])
    expect(offer).to_be_visible()
    look(page, f"passkey-offered-{lang}")

    # 2. The device named, the passkey created by the authenticator.
    offer.click()
    expect(h1(page)).to_have_text(words["name_h1"])
    expect(page.get_by_label(words["name"])).to_have_value(re.compile(r"Chrom"))  # suggested
    look(page, f"passkey-name-{lang}")
    page.get_by_label(words["name"]).fill(DEVICE)
    page.get_by_role("button", name=words["continue"]).click()
    expect(h1(page)).to_have_text(words["create"])
    expect(page.get_by_text(DEVICE)).to_be_visible()
    look(page, f"passkey-create-{lang}")
    assert device.passkeys() == []
    page.get_by_role("button", name=words["create"]).click()
    expect(h1(page)).to_have_text(words["created"])
    [held] = device.passkeys()
    assert held["isResidentCredential"]
    assert held["rpId"] == "localhost"
    look(page, f"passkey-created-{lang}")

    # 3. Signed out, then in with the e-mail address and the passkey: no code.
    sign_out(page, lang)
    sign_in_with_passkey(page, site, lang)
    look(page, f"passkey-sign-in-{lang}")
    page.get_by_role("button", name=words["use_passkey"]).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/overview$"))
    expect(h1(page)).to_have_text(words["overview"])
    expect(page.get_by_role("link", name=words["offer"])).to_have_count(0)  # has one now

    # 3b. With the password, the passkey instead of the code.
    sign_out(page, lang)
    sign_in_with_password(page, site, lang)
    expect(h1(page)).to_have_text(words["authorize_h1"])
    expect(page.get_by_role("heading", name=words["or_passkey"])).to_be_visible()
    look(page, f"passkey-instead-of-code-{lang}")
    page.get_by_role("button", name=words["use_passkey"]).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/overview$"))

    # 4. «Où je suis connecté» lists it; removed.
    page.get_by_role("link", name=words["where"]).click()
    expect(h1(page)).to_have_text(words["where"])
    passkeys = page.get_by_role("region", name=words["passkeys"])
    expect(passkeys.locator("tbody tr")).to_have_count(1)
    expect(passkeys.locator("tbody tr")).to_contain_text(DEVICE)
    look(page, f"passkey-listed-{lang}")
    passkeys.get_by_role("button", name=f"{words['remove']} {DEVICE}").click()
    removed = page.get_by_role("status")
    expect(removed).to_contain_text(DEVICE)
    expect(removed).to_contain_text(words["removed"])
    expect(page.get_by_role("region", name=words["passkeys"])).to_have_count(0)
    look(page, f"passkey-removed-{lang}")

    # 5. The device still holds it, but it signs in no more; the password asks for a code.
    assert len(device.passkeys()) == 1
    sign_out(page, lang)
    sign_in_with_passkey(page, site, lang)
    page.get_by_role("button", name=words["use_passkey"]).click()
    expect(page.get_by_text(words["refused"])).to_be_visible()
    expect(h1(page)).to_have_text(words["with_passkey"])
    look(page, f"passkey-refused-{lang}")
    page.get_by_role("button", name=words["use_password"]).click()
    expect(page.get_by_label(words["password"], exact=True)).to_be_visible()
    page.get_by_label(words["email"]).fill(EMAIL)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"], exact=True).click()
    expect(h1(page)).to_have_text(words["authorize_h1"])
