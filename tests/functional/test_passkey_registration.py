"""A passkey on this device: created through the testers' API with a software
authenticator and through the pages, listed and removed in «Mon profil», removed with a
password reset and by an agent; the ceremony's refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from webauthn.helpers import bytes_to_base64url

from flows.accounts.passkeys import OPTIONS
from storage import passkeys
from tests.factories import PASSWORD, contract, identity, passkey
from tests.functional.test_agents import agent
from tests.functional.test_api import TOKEN, Api
from tests.support import Browser, Form, Page, own_form, remember_device
from tests.webauthn import SoftAuthenticator
from web.services import Services

EMAIL = "nadia.roy@example.com"
ORIGIN = "http://localhost"  # the test client's site


@pytest.fixture
def api(make_app: Any) -> Api:
    return Api(make_app(API_TOKEN=TOKEN))


@pytest.fixture
def nadia(api: Api) -> int:
    return identity(services_of(api), EMAIL, first_name="Nadia", last_name="Roy")


def services_of(api: Api) -> Services:
    services: Services = api.app.extensions["moncompte"]
    return services


def offered(api: Api, name: str = "Pixel 9") -> tuple[str, str]:
    """A passkey_registration of Nadia's, named: its id and the options it hands out."""
    instance = api.start("passkey_registration", customer=EMAIL)["id"]
    status, body = api.event(instance, "create", {"name": name})
    assert status == 200 and body["state"] == "creating", body
    return instance, body["told"][OPTIONS]


def test_a_tester_creates_a_passkey_with_a_software_authenticator(api: Api, nadia: int) -> None:
    device = SoftAuthenticator(ORIGIN)
    instance, options = offered(api)
    found = json.loads(options)
    assert found["rp"] == {"id": "localhost", "name": "Mon Compte MINI"}
    assert found["authenticatorSelection"]["userVerification"] == "required"
    assert found["attestation"] == "none" and found["excludeCredentials"] == []
    assert EMAIL not in found["user"]["id"]  # the user handle says nothing of who she is

    status, body = api.event(instance, "register", {"credential": device.create(options)})
    assert status == 200 and body["state"] == "created" and body["final"], body
    with services_of(api).db.read() as session:
        [kept] = passkeys.of_customer(session, nadia)
        assert kept.name == "Pixel 9"
        assert kept.credential_id == bytes_to_base64url(device.credentials[0].id)
    history = api.get(f"/flows/{instance}/history")
    assert history["history"][-1]["data"] == {"credential": "[redacted]"}  # not kept there

    # A second passkey is not created on the same authenticator.
    _, again = offered(api, "Pixel 9 (2)")
    assert [c["id"] for c in json.loads(again)["excludeCredentials"]] == [kept.credential_id]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_ceremony_refuses_another_site_a_late_answer_and_a_known_passkey(
    api: Api, nadia: int, lang: str
) -> None:
    device = SoftAuthenticator(ORIGIN)
    instance, options = offered(api)
    phished = device.create(options, origin="https://mini-financement.example")
    status, body = api.event(instance, "register", {"credential": phished}, lang=lang)
    assert status == 422 and body["errors"]["event"]["reason"] == "passkey_not_created"
    assert (
        body["errors"]["event"]["message"]
        == {
            "fr": "La clé d'accès n'a pas pu être créée sur cet appareil. Réessayez, ou continuez "
            "de vous connecter avec un code.",
            "en": "The passkey could not be created on this device. Try again, or keep signing in "
            "with a code.",
        }[lang]
    )
    status, body = api.event(instance, "register", {"credential": "{not json"}, lang=lang)
    assert status == 422 and body["errors"]["event"]["reason"] == "passkey_not_created"

    services_of(api).clock.advance(timedelta(minutes=5, seconds=1))
    status, body = api.event(
        instance, "register", {"credential": device.create(options)}, lang=lang
    )
    assert status == 422 and body["errors"]["event"]["reason"] == "passkey_expired"
    status, body = api.event(instance, "again", {}, lang=lang)
    assert status == 200 and body["told"][OPTIONS] != options
    created = device.create(body["told"][OPTIONS])
    assert api.event(instance, "register", {"credential": created})[0] == 200

    # The same credential again (a broken or cloned authenticator): refused.
    second, options = offered(api)
    copy = device.create(options, credential=device.credentials[-1])
    status, body = api.event(second, "register", {"credential": copy}, lang=lang)
    assert status == 422 and body["errors"]["event"]["reason"] == "passkey_known"
    with services_of(api).db.read() as session:
        assert len(passkeys.of_customer(session, nadia)) == 1


def sign_in_page(browser: Browser, lang: str) -> Page:
    """The sign-in form, e-mail typed, sent with «Utiliser une clé d'accès»."""
    return browser.get(f"/{lang}/login").form().fill(email=EMAIL).submit("use_passkey")


def event_form(page: Page, event: str) -> Form:
    """The form of PAGE that sends EVENT (a hidden field names it)."""
    forms = [f for f in page.soup.find_all("form") if str(f.get("method")).lower() == "post"]
    [found] = [f for f in forms if f.find("input", attrs={"name": "event", "value": event})]
    return Form(page, found)


def passkey_form_options(page: Page) -> str:
    form = page.soup.find("form", attrs={"data-passkey": True})
    assert form is not None, page.text
    return str(form["data-options"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_pages_create_list_use_and_remove_a_passkey(app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    nadia = identity(services, EMAIL, first_name="Nadia", last_name="Roy", language=lang)
    contract(services, identity_id=nadia)
    browser = Browser(app)
    remember_device(browser, EMAIL)
    browser.get(f"/{lang}/login").form().fill(email=EMAIL, password=PASSWORD).submit()
    device = SoftAuthenticator(ORIGIN)

    naming = browser.get(f"/{lang}/profile/passkey")
    creating = own_form(naming).fill(name="Téléphone de Nadia").submit()
    options = passkey_form_options(creating)
    created = own_form(creating).fill(credential=device.create(options)).submit()
    assert created.h1 == {"fr": "Clé d'accès créée", "en": "Passkey created"}[lang]

    listed = browser.get(f"/{lang}/devices")
    assert "Téléphone de Nadia" in listed.text

    # On a browser not remembered, a contract linked: the e-mail address and the passkey,
    # no password, no code.
    other = Browser(app)
    page = sign_in_page(other, lang)
    signed = page.form().fill(credential=device.get(passkey_form_options(page))).submit()
    assert signed.path == f"/{lang}/overview", signed.text

    removed = event_form(listed, "remove_passkey").submit()
    assert {"fr": "a été supprimée", "en": "was removed"}[lang] in removed.text
    page = sign_in_page(Browser(app), lang)
    refused = page.form().fill(credential=device.get(passkey_form_options(page))).submit()
    assert refused.notices == [
        {
            "fr": "Cette clé d'accès ne permet pas de se connecter avec cette adresse de "
            "courriel. Réessayez, ou connectez-vous avec votre mot de passe.",
            "en": "This passkey cannot sign in with this e-mail address. Try again, or sign "
            "in with your password.",
        }[lang]
    ]


def test_a_password_reset_and_an_agent_remove_every_passkey(api: Api, nadia: int) -> None:
    services = services_of(api)
    passkey(services, nadia)
    passkey(services, nadia, "Portable")
    reset = api.start("password_reset")["id"]
    api.event(reset, "submit", {"email": EMAIL})
    token = api.link_token(EMAIL)
    new = "un autre printemps au lac"
    status, body = api.event(
        reset, "save", {"token": token, "password": new, "password_confirm": new}
    )
    assert status == 200, body
    with services.db.read() as session:
        assert passkeys.of_customer(session, nadia) == []

    passkey(services, nadia)
    who = "agent.passkeys@servicesfinanciersmini.ca"
    agent(services, who)
    case = api.start("customer_support", customer=EMAIL)["id"]
    body = {"event": "forget_devices", "data": {"reason": "Téléphone perdu"}, "as": who}
    answer = api.call("POST", f"/flows/{case}/events", body)
    assert answer.status_code == 200, answer.json
    with services.db.read() as session:
        assert passkeys.of_customer(session, nadia) == []


def test_a_passkey_removed_meanwhile_or_of_another_customer_is_not_removed(
    api: Api, nadia: int
) -> None:
    """Two tabs of «Où je suis connecté»: the second removal is told the passkey is gone;
    the number of another customer's passkey removes nothing."""
    services = services_of(api)
    passkey(services, nadia, "Portable")
    marc = identity(services, "marc.roy@example.com", first_name="Marc", last_name="Roy")
    passkey(services, marc, "Tablette de Marc")
    with services.db.read() as session:
        [mine] = passkeys.of_customer(session, nadia)
        [his] = passkeys.of_customer(session, marc)

    first, second = (api.start("remembered_devices", customer=EMAIL)["id"] for _ in range(2))
    status, body = api.event(first, "remove_passkey", {"passkey": str(his.id)})
    assert status == 422 and body["errors"]["passkey"]["reason"] == "passkey_gone", body
    status, body = api.event(first, "remove_passkey", {"passkey": str(mine.id)})
    assert status == 200 and body["state"] == "removed", body
    status, body = api.event(second, "remove_passkey", {"passkey": str(mine.id)})
    assert status == 422 and body["errors"]["passkey"]["reason"] == "passkey_gone", body
    assert body["errors"]["passkey"]["message"] == (
        "Cette clé d'accès n'est plus une de celles de votre MINI ID."
    )
    with services.db.read() as session:
        assert [p.name for p in passkeys.of_customer(session, marc)] == ["Tablette de Marc"]
        assert passkeys.of_customer(session, nadia) == []
