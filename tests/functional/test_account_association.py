"""«Associez votre compte» through the real forms, with codes read from a real SMTP server
and from a real HTTP endpoint standing in for the SMS gateway; remembered devices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, redirect
from sqlalchemy import select

from storage import contracts
from storage.devices import RememberedDevice
from tests.factories import contract, identity
from tests.functional.test_sign_in import sign_in, sign_out
from tests.paths.account_association import number_of, vin_of
from tests.support import (
    Browser,
    Form,
    Page,
    SMSGateway,
    SMTPServer,
    body_text,
    code_in,
    identity_of,
    outbox,
    remember_device,
)
from tests.support import own_form as form
from web.customer import devices
from web.customer.devices import COOKIE
from web.services import Services

EMAIL, PHONE = "jean.t@example.com", "+15145550123"  # the MINI ID's; the record's phone
TEXT = {
    "fr": {
        "link": "Associez votre compte",
        "authorize": "Autoriser cet appareil",
        "code": "Entrez le code",
        "added": "Vos comptes des Services financiers MINI ont été ajoutés",
        "overview": "Présentation",
        "devices": "Où je suis connecté",
    },
    "en": {
        "link": "Link your account",
        "authorize": "Authorize this device",
        "code": "Enter the code",
        "added": "Your MINI Financial Services accounts have been added",
        "overview": "Overview",
        "devices": "Where I am signed in",
    },
}


def button(page: Page, label: str) -> Form:
    """The form holding the button LABEL (the devices page has one per device)."""
    for index, element in enumerate(
        f for f in page.soup.find_all("form") if str(f.get("method")).lower() == "post"
    ):
        if any(label in b.get_text(" ", strip=True) for b in element.find_all("button")):
            return page.form(index)
    raise AssertionError(f"no button {label!r} on {page.path}")


@pytest.fixture
def lang() -> str:
    """The language of the pages and of the customer's MINI ID (a test may parametrize it)."""
    return "fr"


@pytest.fixture
def jean(sending_app: Flask, lang: str) -> int:
    """Jean's MINI ID (in LANG), and his loan and lease of record (one customer number),
    unlinked."""
    services: Services = sending_app.extensions["moncompte"]
    person = identity(services, EMAIL, language=lang)
    for number, kind in (("PR-25-000001", "loan"), ("LO-25-000002", "lease")):
        contract(services, number, kind=kind, vin=vin_of(person), customer_number=number_of(person))
    return person


def identify(page: Page, **data: str) -> Page:
    return form(page).fill(first_name="Jean", last_name="Tremblay", **data).submit()


def contracts_shown(page: Page) -> list[str]:
    return [" ".join(e.get_text(" ").split()) for e in page.soup.select(".contract .eyebrow")]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_link_by_vin_and_email_code_remember_the_device_then_forget_it(
    sending_app: Flask, smtp_server: SMTPServer, jean: int, lang: str
) -> None:
    words = TEXT[lang]
    browser = Browser(sending_app)
    page = sign_in(browser, lang=lang, remembered=False)
    # No contract yet: straight to «Associez votre compte».
    assert page.path == f"/{lang}/link-account" and page.h1 == words["link"]
    typed_vin = " ".join(vin_of(jean)[i : i + 4] for i in range(0, 17, 4)).lower()
    amount = "456,78 $" if lang == "fr" else "$456.78"
    page = identify(page, method="vin", vin=typed_vin, last_payment_amount=amount)
    assert page.h1 == words["authorize"]
    assert "•••-•••-0123" in page.text and "j•••@example.com" in page.text
    page = form(page).fill(channel="email").submit()
    assert page.h1 == words["code"] and "j•••@example.com" in page.text
    [mail] = smtp_server.wait_for(EMAIL)
    code = code_in(body_text(mail))
    answer = form(page).fill(code=code, remember_device="true").submit(follow=False)
    cookie = answer.response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=7776000" in cookie and "Secure" not in cookie  # local development
    page = browser.get(answer.response.headers["Location"])
    assert words["added"] in page.text
    overview = browser.get(f"/{lang}/overview")
    assert len(contracts_shown(overview)) == 2

    # A remembered device: in again without a code.
    sign_out(browser, overview)
    again = sign_in(browser, lang=lang, remembered=False)
    assert again.path == f"/{lang}/overview"

    # Forget it: the next sign-in asks for a code.
    devices = browser.get(f"/{lang}/devices")
    assert devices.h1 == words["devices"]
    remembered_rows = devices.soup.select("table.devices")[1].select("tbody tr")
    [row] = [" ".join(tr.get_text(" ").split()) for tr in remembered_rows]
    unknown = ("Navigateur inconnu · Système inconnu", "Cet appareil")  # Werkzeug's client
    if lang == "en":
        unknown = ("Unknown browser · Unknown system", "This device")
    assert row.startswith(" ".join(unknown))
    label = "Oublier" if lang == "fr" else "Forget"
    devices = button(devices, label).submit()
    assert devices.path.startswith(f"/{lang}/devices/")
    assert len(devices.soup.select("table.devices")) == 1  # the sessions only: none remembered
    assert browser.client.get_cookie(COOKIE) is None
    sign_out(browser, devices)
    asked = sign_in(browser, lang=lang, remembered=False)
    assert asked.h1 == words["authorize"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_link_by_customer_number_and_sms_code(
    sending_app: Flask, sms_gateway: SMSGateway, jean: int, lang: str
) -> None:
    words = TEXT[lang]
    browser = Browser(sending_app)
    page = sign_in(browser, lang=lang, remembered=False)
    page = identify(page, method="customer_number", customer_number=number_of(jean).lower())
    page = form(page).fill(channel="sms").submit()
    assert page.h1 == words["code"] and "•••-•••-0123" in page.text
    [sms] = sms_gateway.wait_for(PHONE)
    assert set(sms) == {"to", "body"} and len(sms["body"]) <= 160
    assert ("votre code" if lang == "fr" else "your code") in sms["body"]
    assert "PR-25" not in sms["body"] and "LO-25" not in sms["body"]
    page = form(page).fill(code=code_in(sms["body"])).submit()  # asked every time
    assert words["added"] in page.text
    assert browser.client.get_cookie(COOKIE) is None
    overview = browser.get(f"/{lang}/overview")
    assert len(contracts_shown(overview)) == 2
    sign_out(browser, overview)
    asked = sign_in(browser, lang=lang, remembered=False)
    assert asked.h1 == words["authorize"]
    services: Services = sending_app.extensions["moncompte"]
    services.clock.advance(timedelta(seconds=61))  # codes to one MINI ID wait 60 s
    page = form(asked).fill(channel="sms").submit()
    [_, second] = sms_gateway.wait_for(PHONE, count=2)
    assert form(page).fill(code=code_in(second["body"])).submit().path == f"/{lang}/overview"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_step_counter_counts_the_customers_screens(
    sending_app: Flask, sms_gateway: SMSGateway, jean: int, lang: str
) -> None:
    """1, 2, 3, 4: identity, where to send the code, the code, the accounts added (the
    FAQ's own numbers, 1, 3, 4, 4 here, stay in the analysts' traceability)."""
    browser = Browser(sending_app)
    identifying = sign_in(browser, lang=lang, remembered=False)
    choosing = identify(identifying, method="customer_number", customer_number=number_of(jean))
    entering = form(choosing).fill(channel="sms").submit()
    [sms] = sms_gateway.wait_for(PHONE)
    linked = form(entering).fill(code=code_in(sms["body"])).submit()
    assert TEXT[lang]["added"] in linked.text
    counters = [
        " ".join(p.soup.select_one(".progress").get_text().split())  # type: ignore[union-attr]
        for p in (identifying, choosing, entering, linked)
    ]
    counted = "Étape {} sur 4" if lang == "fr" else "Step {} of 4"
    assert counters == [counted.format(n) for n in (1, 2, 3, 4)]


def test_what_the_customer_typed_wrong_is_told_in_their_words(
    sending_app: Flask, jean: int
) -> None:
    browser = Browser(sending_app)
    page = sign_in(browser, remembered=False)
    page = identify(page, method="vin", vin="WMWLV7C0IN2R61530", last_payment_amount="abc")
    assert page.field_errors == {
        "vin": "Entrez les 17 caractères du NIV : des lettres et des chiffres, jamais I, O ni Q.",
        "last_payment_amount": "Entrez un montant en dollars et en cents, par exemple 512,37.",
    }
    assert form(page).values["vin"] == "WMWLV7C0IN2R61530"  # kept as typed
    wrong = vin_of(jean)[:8] + ("1" if vin_of(jean)[8] != "1" else "2") + vin_of(jean)[9:]
    page = identify(page, method="vin", vin=wrong, last_payment_amount="456,78")
    assert "le 9e est un chiffre de contrôle" in page.field_errors["vin"]
    assert "Il vous reste" not in page.text  # a format problem costs no attempt
    for left in ("Il vous reste 2 essais.", "Il vous reste 1 essai."):
        page = identify(page, method="vin", vin=vin_of(jean), last_payment_amount="456,79")
        assert page.field_errors == {}, left
        assert page.notices[0].startswith("Ces renseignements ne correspondent pas à nos dossiers.")
        assert left in page.text
    page = identify(page, method="vin", vin=vin_of(jean), last_payment_amount="456,79")
    assert page.h1 == "Nous n'avons pas pu vérifier votre identité"
    assert "1 866 555-0164" in page.text and "après plusieurs tentatives infructueuses" in page.text
    # Locked: coming back, from the overview or in English, shows the lock at once.
    for start, number in (
        ("/fr/link-account", "1 866 555-0164"),
        ("/en/link-account", "1-866-555-0164"),
    ):
        again = browser.get(start)
        assert again.soup.find("form", class_="association") is None, start
        assert number in again.text
    assert "Verification locked" in browser.get("/en/link-account").title


def test_names_are_compared_without_regard_to_letter_case(sending_app: Flask, jean: int) -> None:
    page = sign_in(Browser(sending_app), remembered=False)
    page = form(page).fill(
        first_name="jean", last_name="TREMBLAY", method="customer_number",
        customer_number=number_of(jean),
    ).submit()  # fmt: skip
    assert page.h1 == "Autoriser cet appareil"
    # Accents still count, as the FAQ says.
    page = sign_in(Browser(sending_app), remembered=False)
    page = form(page).fill(
        first_name="Jéan", last_name="Tremblay", method="customer_number",
        customer_number=number_of(jean),
    ).submit()  # fmt: skip
    assert page.notices[0].startswith("Ces renseignements ne correspondent pas à nos dossiers.")


@pytest.mark.parametrize("lang", ["en"])
def test_code_mistakes_resending_and_another_option(
    sending_app: Flask, smtp_server: SMTPServer, sms_gateway: SMSGateway, jean: int
) -> None:
    browser = Browser(sending_app)
    page = identify(sign_in(browser, lang="en", remembered=False), method="customer_number",
                    customer_number=number_of(jean))  # fmt: skip
    page = form(page).fill(channel="email").submit()
    code = code_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = form(page).fill(code=wrong).submit()
    assert page.field_errors == {
        "code": "This code is not correct. Check it and try again. You have 4 tries left."
    }
    services: Services = sending_app.extensions["moncompte"]
    services.clock.advance(timedelta(seconds=15))
    page = form(page).submit("resend_code")
    assert page.notices == [
        "A code was sent less than a minute ago. Wait a moment, then try again."
    ]
    assert "You can ask for a new code in 45 seconds." in page.text
    page = form(page).submit("choose_other")
    assert page.h1 == "Authorize this device"
    services.clock.advance(timedelta(seconds=46))
    page = form(page).fill(channel="sms").submit()
    assert "New code sent to •••-•••-0123." in page.text
    sms = sms_gateway.wait_for(PHONE)[0]
    assert form(page).fill(code=code).submit().field_errors  # the e-mailed one is over
    assert "have been added" in form(page).fill(code=code_in(sms["body"])).submit().text


def test_the_overview_leads_to_association_and_to_remembered_devices(
    sending_app: Flask, jean: int
) -> None:
    browser = Browser(sending_app)
    sign_in(browser, remembered=False)
    overview = browser.get("/fr/overview")
    assert overview.link("Associez votre compte") == "/fr/link-account"
    assert overview.link("Où je suis connecté") == "/fr/devices"
    services: Services = sending_app.extensions["moncompte"]
    with services.db.write() as session:
        found = contracts.by_number(session, "PR-25-000001")
        assert found is not None
        found.identity_id = jean  # one linked: the overview offers to link another
    overview = browser.get("/fr/overview")
    assert overview.link("Associer un autre contrat") == "/fr/link-account"
    assert browser.get("/fr/link-account").h1 == "Associez votre compte"


def test_link_account_is_for_signed_in_customers(app: Flask) -> None:
    assert Browser(app).get("/fr/link-account").path == "/fr/login"
    assert Browser(app).get("/en/devices").path == "/en/login"


def test_forgetting_every_device(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services, EMAIL)
    browser = Browser(app)
    other = Browser(app)
    remember_device(other, EMAIL)
    page = sign_in(browser)  # remembers this one too
    devices = browser.get("/en/devices")
    assert len(devices.soup.select("table.devices")[1].select("tbody tr")) == 2
    assert "This device" in devices.text
    devices = button(devices, "Forget every device").submit()
    assert "Every device was forgotten" in devices.text
    assert len(devices.soup.select("table.devices")) == 1 and page.status == 200
    assert browser.client.get_cookie(COOKIE) is None


def test_someone_elses_device_cannot_be_forgotten(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services, EMAIL)
    other = identity(services, "other@example.com")
    remember_device(Browser(app), "other@example.com")
    browser = Browser(app)
    sign_in(browser)
    token = form(browser.get("/fr/devices")).values["csrf_token"]
    with services.db.read() as session:
        query = select(RememberedDevice.id).where(RememberedDevice.identity_id == other)
        theirs = list(session.scalars(query))
    assert len(theirs) == 1
    for device_id in [*theirs, 2**63, 2**64, "x"]:
        answer = browser.post("/fr/devices", {"csrf_token": token, "device": str(device_id)})
        assert "Cet appareil n'est pas l'un de ceux que votre MINI ID mémorise." in answer.text
    assert identity_of(services, "other@example.com").id == other
    with services.db.read() as session:
        assert list(session.scalars(query)) == theirs


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_without_an_sms_gateway_codes_go_by_email_and_the_page_says_so(
    make_app: Any, smtp_server: SMTPServer, lang: str
) -> None:
    """Outside development a text message with no gateway would reach nobody: SMS is not
    offered, and a request for one (a tampered form, the API) is refused beside it."""
    app = make_app(BASE_URL="https://moncompte.example", SMTP_URL=smtp_server.url)
    services: Services = app.extensions["moncompte"]
    person = identity(services, EMAIL, language=lang)
    contract(services, vin=vin_of(person), customer_number=number_of(person))
    browser = Browser(app)
    page = sign_in(browser, lang=lang, remembered=False)
    page = identify(page, method="customer_number", customer_number=number_of(person))
    sms = page.soup.select_one("input#channel-sms")
    assert sms is not None and sms.has_attr("disabled") and not sms.has_attr("checked")
    off = {
        "fr": "Les codes ne peuvent pas être envoyés par message texte pour le moment.",
        "en": "Codes cannot be sent by text message at the moment.",
    }[lang]
    assert off in page.text
    assert form(page).values["channel"] == "email"
    refused = form(page).fill(channel="sms").submit()
    told = {
        "fr": "Les codes ne peuvent pas être envoyés par message texte pour le moment : "
        "choisissez l'adresse de courriel.",
        "en": "Codes cannot be sent by text message at the moment: choose the e-mail address.",
    }[lang]
    assert refused.h1 == TEXT[lang]["authorize"] and told in refused.notices
    sent = form(refused).fill(channel="email").submit()
    assert sent.h1 == TEXT[lang]["code"]
    assert [m.channel for m in outbox(services)] == ["email"]


def test_remembered_device_cookies_are_secure_over_https(make_app: Any) -> None:
    app = make_app(BASE_URL="https://moncompte.example")
    with app.test_request_context("/fr/link-account"):
        response = devices.hand_over(redirect("/"), {"device_token": "t0k3n"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"__Host-{COOKIE}=") and "Path=/" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
