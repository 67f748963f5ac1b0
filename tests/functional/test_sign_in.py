"""Sign in, sign out and sessions, through the real forms."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from flask import Flask

from storage import passkeys as stored_passkeys
from tests.factories import PASSWORD, contract, identity, passkey
from tests.functional.test_api import TOKEN, Api
from tests.support import (
    ROUNDS,
    WARMUP,
    Browser,
    Form,
    Page,
    SMTPServer,
    assert_as_long,
    body_text,
    interleaved_medians,
    link_in,
    remember_device,
)
from web.services import Services

EMAIL = "jean.t@example.com"
REFUSED = {
    "fr": "L'adresse de courriel ou le mot de passe est incorrect. Après plusieurs tentatives, "
    "patientez quelques minutes avant de réessayer, ou réinitialisez votre mot de passe.",
    "en": "The e-mail address or the password is incorrect. After several attempts, wait a "
    "few minutes before trying again, or reset your password.",
}


def sign_in(
    browser: Browser,
    email: str = EMAIL,
    password: str = PASSWORD,
    lang: str = "fr",
    *,
    remembered: bool = True,
) -> Page:
    """Sign in through the form; on a device the MINI ID remembers, unless REMEMBERED is
    False (then a MINI ID with contracts is asked for a code: tests/functional/
    test_account_association.py)."""
    if remembered:
        remember_device(browser, email)
    return browser.get(f"/{lang}/login").form().fill(email=email, password=password).submit()


def sign_out(browser: Browser, page: Page) -> Page:
    form = next(f for f in page.soup.find_all("form") if "logout" in str(f.get("action")))
    return browser.post(str(form["action"]), {"csrf_token": Form(page, form).values["csrf_token"]})


def cookie(browser: Browser) -> str | None:
    found = browser.client.get_cookie("session")
    return found.value if found else None


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_register_activate_sign_in_sign_out(
    lang: str, mail_app: Flask, smtp_server: SMTPServer
) -> None:
    email = f"marie.{lang}@example.com"
    browser = Browser(mail_app)
    browser.get(f"/{lang}/register").form().fill(
        first_name="Marie",
        last_name="Bouchard",
        email=email,
        password=PASSWORD,
        password_confirm=PASSWORD,
    ).submit()
    link = link_in(body_text(smtp_server.wait_for(email)[0]))
    browser.get(link).form().submit()

    home = browser.get(f"/{lang}/")
    login = browser.get(home.link("Se connecter" if lang == "fr" else "Sign in"))
    assert login.h1 == ("MINI ID — Connectez-vous" if lang == "fr" else "MINI ID — Sign in")
    assert "MINI ID" in login.text
    assert login.link("Mot de passe oublié?" if lang == "fr" else "Forgot your password?")
    # No contract linked yet: «Associez votre compte» first.
    linking = sign_in(browser, email, lang=lang)
    assert linking.path == f"/{lang}/link-account"
    assert linking.h1 == ("Associez votre compte" if lang == "fr" else "Link your account")
    overview = browser.get(f"/{lang}/overview")
    assert overview.h1 == ("Présentation" if lang == "fr" else "Overview")
    assert "Marie" in overview.text

    out = sign_out(browser, overview)
    assert out.path == f"/{lang}/"
    assert ("Vous êtes déconnecté." if lang == "fr" else "You are signed out.") in out.text
    assert browser.get(f"/{lang}/overview").path == f"/{lang}/login"


def test_a_page_for_customers_brings_them_back_after_sign_in(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services)
    browser = Browser(app)
    login = browser.get("/en/overview")
    assert login.path == "/en/login"
    assert sign_in(browser, lang="en").path == "/en/overview"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_signed_in_customer_is_sent_to_the_overview_not_to_register(
    app: Flask, lang: str
) -> None:
    identity(app.extensions["moncompte"])
    browser = Browser(app)
    register_now = "S'inscrire maintenant" if lang == "fr" else "Register now"
    assert register_now in browser.get(f"/{lang}/").text
    sign_in(browser, lang=lang)
    home = browser.get(f"/{lang}/")
    assert register_now not in home.text
    assert home.link("Présentation" if lang == "fr" else "Overview") == f"/{lang}/overview"
    for start in ("register", "password-reset", "login"):
        response = browser.client.get(f"/{lang}/{start}")
        assert response.status_code == 303, start
        assert response.headers["Location"] == f"/{lang}/overview"


def test_the_session_identifier_changes_at_sign_in_and_sign_out(app: Flask) -> None:
    identity(app.extensions["moncompte"])
    browser = Browser(app)
    browser.get("/fr/login")
    before = cookie(browser)
    assert before
    overview = sign_in(browser)
    during = cookie(browser)
    assert during and during != before
    thief = Browser(app)  # someone who planted or stole the old identifier
    thief.client.set_cookie("session", before)
    assert thief.get("/fr/overview").path == "/fr/login"
    sign_out(browser, overview)
    after = cookie(browser)
    assert after != during
    stale = Browser(app)
    stale.client.set_cookie("session", during)
    assert stale.get("/fr/overview").path == "/fr/login"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_failures_get_one_answer_in_the_customers_language(app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services)
    identity(services, "locked@example.com")
    for _ in range(100):
        services.clock.advance(timedelta(minutes=16))
        sign_in(Browser(app), "locked@example.com", "wrong password!", lang)
    services.clock.advance(timedelta(minutes=16))
    pages = {
        "wrong password": sign_in(Browser(app), EMAIL, "wrong password!", lang),
        "unknown address": sign_in(Browser(app), "nobody@example.com", PASSWORD, lang),
        "locked": sign_in(Browser(app), "locked@example.com", PASSWORD, lang),
    }
    for page in pages.values():
        assert page.status == 200 and page.notices == [REFUSED[lang]]
        assert page.field_errors == {}
    bodies = {
        k: p.text.replace(EMAIL, "@")
        .replace("nobody@example.com", "@")
        .replace("locked@example.com", "@")
        for k, p in pages.items()
    }
    assert len(set(bodies.values())) == 1


def test_failures_take_as_long_whether_the_address_is_known_or_not(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    for i in range(WARMUP + ROUNDS):
        identity(services, f"known{i}@example.com")
    browser = Browser(app)
    token = browser.get("/fr/login").form().values["csrf_token"]

    def fail(kind: str, i: int) -> None:
        # Each address once: a known one checks its own hash, never waits out a delay.
        data = {"csrf_token": token, "email": f"{kind}{i}@example.com", "password": "wrong!"}
        assert browser.client.post("/fr/login", data=data).status_code == 303

    # Both verify one argon2id hash; what is left is noise.
    assert_as_long(interleaved_medians({k: partial(fail, k) for k in ("known", "nobody")}))


def test_idle_sessions_end_after_30_minutes(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services)
    browser = Browser(app)
    sign_in(browser)
    services.clock.advance(timedelta(minutes=29))
    assert browser.get("/fr/overview").path == "/fr/overview"
    services.clock.advance(timedelta(minutes=31))
    assert browser.get("/fr/overview").path == "/fr/login"


def test_sessions_end_after_12_hours_whatever_happens(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services)
    browser = Browser(app)
    sign_in(browser)
    for _ in range(11 * 3):
        services.clock.advance(timedelta(minutes=20))
        assert browser.get("/fr/overview").path == "/fr/overview"
    services.clock.advance(timedelta(minutes=61))
    assert browser.get("/fr/overview").path == "/fr/login"


def test_a_mini_id_waiting_for_activation_can_ask_for_the_email(
    mail_app: Flask, smtp_server: SMTPServer
) -> None:
    identity(mail_app.extensions["moncompte"], "late@example.com", status="pending", language="en")
    browser = Browser(mail_app)
    page = sign_in(browser, "late@example.com", lang="en")
    assert page.h1 == "Your MINI ID is not activated yet"
    sent = page.form().submit("resend")
    assert sent.h1 == "Check your e-mail"
    link = link_in(body_text(smtp_server.wait_for("late@example.com")[0]))
    assert link.startswith("/en/login/link/")
    done = Browser(mail_app).get(link).form().submit()
    assert "Your MINI ID has been activated" in done.text
    assert sign_in(Browser(mail_app), "late@example.com", lang="en").path == "/en/link-account"


def test_a_pending_mini_id_with_a_wrong_password_learns_nothing(app: Flask) -> None:
    identity(app.extensions["moncompte"], "late@example.com", status="pending")
    page = sign_in(Browser(app), "late@example.com", "wrong password!", "en")
    assert page.notices == [REFUSED["en"]]


@pytest.mark.parametrize(
    ("email", "password", "errors"),
    [
        ("", PASSWORD, {"email": "Ce champ est obligatoire."}),
        (
            "pas-une-adresse",
            PASSWORD,
            {"email": "Entrez une adresse de courriel valide, par exemple nom@exemple.com."},
        ),
        (EMAIL, "", {"password": "Ce champ est obligatoire."}),
        (
            "x" * 300,
            "y" * 5000,
            {"email": "Cette valeur est trop longue.", "password": "Cette valeur est trop longue."},
        ),
    ],
)
def test_bad_input_on_the_sign_in_form(
    browser: Browser, email: str, password: str, errors: dict[str, str]
) -> None:
    page = sign_in(browser, email, password)
    assert page.status == 200 and page.field_errors == errors


def test_the_sign_in_form_needs_its_csrf_token(browser: Browser) -> None:
    response = browser.client.post("/fr/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400


def test_a_crafted_next_page_cannot_lead_elsewhere(app: Flask) -> None:
    identity(app.extensions["moncompte"])
    browser = Browser(app)
    with browser.client.session_transaction() as session:
        session["next"] = "//evil.example.com/fr/overview"
    assert sign_in(browser).path == "/fr/link-account"  # where a MINI ID lands by itself


def test_one_client_address_is_throttled(make_app: Any) -> None:
    app = make_app(RATELIMIT_ENABLED=True)
    browser = Browser(app)
    token = browser.get("/fr/login").form().values["csrf_token"]
    statuses = [
        browser.client.post(
            "/fr/login",
            data={"csrf_token": token, "email": f"x{i}@example.com", "password": "wrong password!"},
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [303] * 20
    assert statuses[20] == 429
    page = browser.get("/fr/login")
    assert page.status == 200  # reading the form is never throttled
    answer = browser.client.post(
        "/fr/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    )
    assert answer.status_code == 429 and "Trop de tentatives" in answer.get_data(as_text=True)


def test_an_ipv6_client_is_throttled_by_its_64_network(make_app: Any) -> None:
    """A subscriber's network picks any address in its /64: one limit for all of them."""
    app = make_app(RATELIMIT_ENABLED=True)
    browser = Browser(app)
    token = browser.get("/fr/login").form().values["csrf_token"]

    def attempt(address: str) -> int:
        data = {"csrf_token": token, "email": "x@example.com", "password": "wrong password!"}
        environ = {"REMOTE_ADDR": address}
        return browser.client.post("/fr/login", data=data, environ_base=environ).status_code

    statuses = [attempt(f"2001:db8:1:2:{n:x}::1") for n in range(21)]
    assert statuses[:20] == [303] * 20 and statuses[20] == 429
    assert attempt("2001:db8:1:3::1") == 303  # the next network is someone else


# -- with a passkey (created by passkey_registration) --------------------------------------

PASSKEY_EMAIL = "nadia.roy@example.com"
SITE = "http://localhost/"  # the test client's, where the passkeys are made


def passkey_sign_in(api: Api, email: str = PASSKEY_EMAIL) -> tuple[str, str]:
    """A sign-in, the e-mail address typed, «Utiliser une clé d'accès» chosen: its
    id and the options it hands out."""
    instance = api.start("sign_in")["id"]
    status, body = api.event(instance, "use_passkey", {"email": email})
    assert status == 200 and body["state"] == "passkey", body
    return instance, body["told"]["passkey_options"]


def refused(api: Api, instance: str, credential: str, lang: str = "fr") -> dict[str, str]:
    status, body = api.event(instance, "verify_passkey", {"credential": credential}, lang=lang)
    assert status == 422, body
    return dict(body["errors"]["event"])


@pytest.fixture
def passkey_api(make_app: Any) -> Api:
    return Api(make_app(API_TOKEN=TOKEN))


def test_a_passkey_signs_in_with_no_password_and_no_code(passkey_api: Api) -> None:
    services: Services = passkey_api.app.extensions["moncompte"]
    nadia = identity(services, PASSKEY_EMAIL)
    contract(services, identity_id=nadia)  # a password alone would be asked a code
    device = passkey(services, nadia, base_url=SITE)
    instance, options = passkey_sign_in(passkey_api)
    assert json.loads(options)["allowCredentials"] == []  # says nothing of who has one
    status, body = passkey_api.event(
        instance, "verify_passkey", {"credential": device.get(options)}
    )
    assert status == 200 and body["state"] == "signed_in", body
    # No password typed: «Mon profil» asks for it before a change of password or address.
    assert "password_at" not in body["told"]
    # An address with no MINI ID gets the same page and options.
    _, unknown = passkey_sign_in(passkey_api, "personne@example.com")
    assert json.loads(unknown).keys() == json.loads(options).keys()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_passkey_is_refused_replayed_phished_late_cloned_or_another_customers(
    passkey_api: Api, lang: str
) -> None:
    api = passkey_api
    services: Services = api.app.extensions["moncompte"]
    device = passkey(services, identity(services, PASSKEY_EMAIL), base_url=SITE)
    other = passkey(services, identity(services, "voisin@example.com"), base_url=SITE)
    message = {
        "fr": "La clé d'accès n'a pas pu être utilisée. Réessayez, ou connectez-vous avec "
        "votre mot de passe.",
        "en": "The passkey could not be used. Try again, or sign in with your password.",
    }[lang]

    first, options = passkey_sign_in(api)
    used = device.get(options)
    assert api.send(first, "verify_passkey", {"credential": used}).status_code == 200
    # Replayed: on the same sign-in (over), then on a new one (another challenge).
    assert api.send(first, "verify_passkey", {"credential": used}).status_code == 409
    second, options = passkey_sign_in(api)
    assert refused(api, second, used, lang) == {"reason": "passkey_invalid", "message": message}

    # Signed for another site (a phishing page's origin).
    phished = device.get(options, origin="https://mini-financement.example")
    assert refused(api, second, phished, lang)["reason"] == "passkey_invalid"

    # Another customer's passkey, for Nadia's address.
    assert refused(api, second, other.get(options), lang) == {
        "reason": "passkey_unknown",
        "message": {
            "fr": "Cette clé d'accès ne permet pas de se connecter avec cette adresse de "
            "courriel. Réessayez, ou connectez-vous avec votre mot de passe.",
            "en": "This passkey cannot sign in with this e-mail address. Try again, or sign "
            "in with your password.",
        }[lang],
    }

    # A cloned authenticator: its counter is behind the one kept.
    device.credentials[0].sign_count = 0
    assert refused(api, second, device.get(options), lang)["reason"] == "passkey_invalid"

    # Too late: 5 minutes. A new challenge, then it works; «Use my password» goes back.
    services.clock.advance(timedelta(minutes=5, seconds=1))
    device.credentials[0].sign_count = 10
    assert refused(api, second, device.get(options), lang)["reason"] == "passkey_expired"
    renewed = api.event(second, "again")[1]["told"]["passkey_options"]
    assert api.event(second, "verify_passkey", {"credential": device.get(renewed)})[0] == 200
    third, _ = passkey_sign_in(api)
    assert api.event(third, "use_password")[1]["state"] == "credentials"


def test_a_synced_passkey_is_kept_as_such_and_may_not_stop_being_one(passkey_api: Api) -> None:
    services: Services = passkey_api.app.extensions["moncompte"]
    nadia = identity(services, PASSKEY_EMAIL)
    device = passkey(services, nadia, base_url=SITE, synced=True)
    with services.db.read() as session:
        [kept] = stored_passkeys.of_customer(session, nadia)
        assert kept.backup_eligible and kept.backed_up
    device.synced = False  # the same credential, now said never to be copied: a forgery
    instance, options = passkey_sign_in(passkey_api)
    assert refused(passkey_api, instance, device.get(options))["reason"] == "passkey_invalid"


def test_after_the_password_a_passkey_authorizes_the_device_instead_of_a_code(
    passkey_api: Api,
) -> None:
    api = passkey_api
    services: Services = api.app.extensions["moncompte"]
    nadia = identity(services, PASSKEY_EMAIL)
    contract(services, identity_id=nadia)
    device = passkey(services, nadia, base_url=SITE)
    other = passkey(services, identity(services, "voisin@example.com"), base_url=SITE)
    instance = api.start("sign_in")["id"]
    status, body = api.event(instance, "submit", {"email": PASSKEY_EMAIL, "password": PASSWORD})
    assert status == 200 and body["state"] == "choosing_channel", body
    options = body["told"]["passkey_options"]
    # Her password is right: her own passkeys are named (no one else's).
    allowed = [c["id"] for c in json.loads(options)["allowCredentials"]]
    assert allowed == [json.loads(device.get(options))["id"]]

    def refusal(credential: str) -> str:
        status, body = api.event(instance, "authorize_passkey", {"credential": credential})
        assert status == 422, body
        return str(body["errors"]["event"]["reason"])

    assert refusal(other.get(options)) == "passkey_not_yours"
    assert refusal(device.get(options, origin="https://mini-financement.example")) == (
        "passkey_failed"
    )
    services.clock.advance(timedelta(minutes=5, seconds=1))
    assert refusal(device.get(options)) == "passkey_expired"
    renewed = api.event(instance, "renew_passkey")[1]["told"]["passkey_options"]
    status, body = api.event(instance, "authorize_passkey", {"credential": device.get(renewed)})
    assert status == 200 and body["state"] == "signed_in", body
    assert "password_at" in body["told"]  # the password was typed: a privileged session
    assert "offer" not in body["told"]  # no passkey to offer: one was just used
