"""The staff's second factor through the real forms: enrolment at the first sign-in (QR
code, URI, key; recovery codes shown once), codes at every sign-in, replays, delays,
recovery codes, `moncompte staff reset-2fa`."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from storage import staff as store
from storage.models import StaffAccess, StaffRecoveryCode, WebSession
from tests.factories import PASSWORD, STAFF_TOTP, staff_code, staff_member
from tests.functional.test_head import database
from tests.functional.test_limit_races import Client as Http
from tests.functional.test_limit_races import Site, at_once
from tests.functional.test_staff import ANALYST, CODE_PAGE, CONSOLE, form, sign_in
from tests.support import Browser, Page
from web.cli import main
from web.services import Services

CONTINUE = "/staff/login/continue"
HEADINGS = {
    "fr": {"enrol": "Configurez votre authentificateur", "code": "Code de vérification"},
    "en": {"enrol": "Set up your authenticator", "code": "Verification code"},
}
WRONG = {
    "fr": "Ce code est incorrect. Après plusieurs tentatives, patientez quelques minutes avant "
    "de réessayer.",
    "en": "This code is not correct. After several attempts, wait a few minutes before trying "
    "again.",
}
FORMAT = "Entrez les 6 chiffres qu'affiche votre application d'authentification, ou l'un de vos codes de récupération."  # noqa: E501
USED = "Ce code a déjà été utilisé. Attendez que votre application d'authentification affiche le suivant."  # noqa: E501
ENDED = "Le délai pour entrer le code est écoulé. Connectez-vous de nouveau."


def password(browser: Browser, email: str = ANALYST, lang: str = "fr") -> Page:
    """The sign-in page's first step: the right password; the code page follows."""
    page = browser.get("/staff/login")
    if lang == "en":
        page = form(page, "/staff/language").submit()
    asked = form(page, "/staff/login").fill(email=email, password=PASSWORD).submit()
    assert asked.path == CODE_PAGE, asked.text
    return asked


def shown_key(page: Page) -> str:
    key = page.soup.select_one(".key code")
    assert key is not None, "no key on the page"
    return key.get_text().replace(" ", "")


def enrol(page: Page) -> Page:
    """Set up an authenticator with the key PAGE shows: the recovery codes' page."""
    services: Services = page.browser.app.extensions["moncompte"]
    code = pyotp.TOTP(shown_key(page)).at(services.clock())
    return form(page, CODE_PAGE).fill(code=code).submit()


def recovery_codes(page: Page) -> list[str]:
    return [li.get_text(strip=True) for li in page.soup.select(".recovery-codes li")]


def code_for(services: Services, step: int = 0) -> str:
    """STAFF_TOTP's code STEP steps from now."""
    return pyotp.TOTP(STAFF_TOTP).at(services.clock() + timedelta(seconds=30 * step))


def access(services: Services) -> list[tuple[str, str, str | None]]:
    """The staff access records, oldest first: event, outcome, reason."""
    with services.db.read() as session:
        rows = session.execute(
            select(StaffAccess.event, StaffAccess.outcome, StaffAccess.reason).order_by(
                StaffAccess.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_first_sign_in_enrols_an_authenticator(app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services, enrolled=False)
    browser = Browser(app)
    page = password(browser, lang=lang)
    assert page.h1 == HEADINGS[lang]["enrol"]
    svg = page.soup.select_one(".qr svg")
    assert svg is not None and svg.get("role") == "img" and svg.get("aria-label")
    key = shown_key(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    uri = next(c.get_text() for c in page.soup.select("code") if "otpauth://" in c.get_text())
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/Mon Compte MINI:{ANALYST}"
    assert parse_qs(parts.query)["secret"] == [key]
    # Shown again (the same key) until confirmed; nothing of the console yet.
    assert shown_key(browser.get(CODE_PAGE)) == key
    for path in CONSOLE:
        assert browser.get(path).status == 404, path
    refused = form(page, CODE_PAGE).fill(code="000000").submit()
    assert refused.path == CODE_PAGE and refused.notices == [WRONG[lang]]
    assert shown_key(refused) == key
    codes_page = enrol(refused)
    codes = recovery_codes(codes_page)
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[2-9a-z]{5}-[2-9a-z]{5}", c) for c in codes)
    home = form(codes_page, CONTINUE).submit()
    assert home.path == "/staff/"
    everything = repr(database(services))
    assert key not in everything and not any(c in everything for c in codes)
    # Never shown again: the next sign-in asks for a code, with no key and no codes.
    form(home, "/staff/logout").submit()
    again = password(Browser(app), lang=lang)
    assert again.h1 == HEADINGS[lang]["code"] and not again.soup.select(".qr, .key")
    following = pyotp.TOTP(key).at(services.clock() + timedelta(seconds=30))
    signed_in = type_code_as(again, following)  # now's step was taken by the enrolment
    assert signed_in.path == "/staff/" and not recovery_codes(signed_in)


def test_each_password_gives_a_new_key_until_one_is_confirmed(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services, enrolled=False)
    first = password(Browser(app))
    second = password(Browser(app))
    assert shown_key(first) != shown_key(second)
    stale = enrol(first)  # the key someone saw before is worth nothing
    assert stale.path == CODE_PAGE and stale.notices == [WRONG["fr"]]
    assert recovery_codes(enrol(second))
    assert [e for e, o, _r in access(services) if o == "taken"] == ["sign_in", "sign_in", "enrol"]


def test_the_password_alone_opens_nothing(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    browser = Browser(app)
    password(browser)
    for path in CONSOLE:
        assert browser.get(path).status == 404, path
    assert browser.post(CONTINUE, {}, follow=False).status in {400, 404}


def test_the_code_page_without_a_password_leads_back_to_it(app: Flask) -> None:
    page = Browser(app).get(CODE_PAGE)
    assert page.path == "/staff/login" and page.redirected


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_code_page_speaks_the_consoles_language(app: Flask, lang: str) -> None:
    staff_member(app.extensions["moncompte"])
    page = password(Browser(app), lang=lang)
    assert page.h1 == HEADINGS[lang]["code"]
    assert page.soup.html is not None and page.soup.html["lang"] == f"{lang}-CA"
    refused = form(page, CODE_PAGE).fill(code="000000").submit()
    assert refused.notices == [WRONG[lang]]


def test_a_code_is_taken_once(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    code = code_for(services)
    first = Browser(app)
    assert type_code_as(password(first), code).path == "/staff/"
    replayed = type_code_as(password(Browser(app)), code)
    assert replayed.path == CODE_PAGE and replayed.notices == [USED]
    # An older step than the one taken is a replay too; a newer one is taken.
    older = type_code_as(password(Browser(app)), code_for(services, -1))
    assert older.notices == [USED]
    assert type_code_as(password(Browser(app)), code_for(services, 1)).path == "/staff/"
    reasons = [r for e, _o, r in access(services) if e == "second_factor"]
    assert reasons == [None, "replay", "replay", None]


def type_code_as(page: Page, code: str) -> Page:
    return form(page, CODE_PAGE).fill(code=code).submit()


def test_codes_two_steps_away_are_refused(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    for step in (-2, 2):
        page = type_code_as(password(Browser(app)), code_for(services, step))
        assert page.notices == [WRONG["fr"]]


def test_wrong_codes_count_with_wrong_passwords(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    browser = Browser(app)
    for _ in range(2):  # wrong passwords and wrong codes, on one counter
        assert sign_in(browser, password="pas le bon mot de passe").path == "/staff/login"
    for _ in range(2):
        type_code_as(password(browser), "000000")
    # The right password does not forget the failures: only a right code would.
    page = type_code_as(password(browser), "000000")
    assert page.notices == [WRONG["fr"]]
    waiting = type_code_as(page, staff_code(services, ANALYST))
    assert waiting.path == CODE_PAGE  # the right code, during the 30 s: refused
    assert sign_in(Browser(app)).path == "/staff/login"  # the password too
    services.clock.advance(timedelta(seconds=31))
    assert sign_in(Browser(app)).path == "/staff/"
    reasons = [r for e, _o, r in access(services) if e == "second_factor"]
    assert reasons == ["code", "code", "code", "waiting", None]


def test_a_recovery_code_stands_in_once(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services, enrolled=False)
    codes = recovery_codes(enrol(password(Browser(app))))
    typed = codes[0].upper().replace("-", " ")  # as read out from paper
    assert type_code_as(password(Browser(app)), typed).path == "/staff/"
    again = type_code_as(password(Browser(app)), codes[0])
    assert again.path == CODE_PAGE and again.notices == [WRONG["fr"]]
    assert type_code_as(password(Browser(app)), codes[1]).path == "/staff/"
    with services.db.read() as session:
        member = store.by_email(session, ANALYST)
        assert member is not None
        assert store.unused_recovery_codes(session, member.id) == 8
    outcomes = [o for e, o, _r in access(services) if e == "recovery_code"]
    assert outcomes == ["taken", "rejected", "taken"]


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abcdef", "12345", "1234567890", "12\x003456", "123 456", "é" * 41, "\u202e123456"],
    ids=["empty", "spaces", "letters", "five", "ten", "nul", "space", "long", "override"],
)
def test_a_malformed_code_is_told_beside_its_field(app: Flask, typed: str) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    page = type_code_as(password(Browser(app)), typed)
    assert page.status == 200 and page.path == CODE_PAGE
    assert set(page.field_errors) == {"code"}
    assert "second_factor" not in [e for e, _o, _r in access(services)]  # not counted


def test_a_malformed_code_gets_the_consoles_words(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    page = type_code_as(password(Browser(app)), "abcdef")
    assert page.field_errors == {"code": FORMAT}


def test_the_code_waits_five_minutes(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    browser = Browser(app)
    page = password(browser)
    services.clock.advance(timedelta(minutes=5, seconds=1))
    late = type_code_as(page, staff_code(services, ANALYST))
    assert late.path == "/staff/login" and late.notices == [ENDED]
    assert browser.get(CODE_PAGE).path == "/staff/login"
    assert browser.get("/staff/").status == 404


def test_reset_2fa_ends_sessions_and_the_account_enrols_again(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services, enrolled=False)
    browser = Browser(app)
    form(enrol(password(browser)), CONTINUE).submit()
    assert browser.get("/staff/").status == 200
    result = app.test_cli_runner().invoke(main, ["staff", "reset-2fa", ANALYST.upper()])
    assert result.exit_code == 0, result.output
    assert f"Reset {ANALYST}: its authenticator and recovery codes are forgotten" in result.output
    assert browser.get("/staff/").status == 404
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StaffRecoveryCode)) == 0
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    page = password(Browser(app))
    assert page.h1 == HEADINGS["fr"]["enrol"] and page.soup.select_one(".qr svg")
    assert recovery_codes(enrol(page))
    with services.db.read() as session:
        reset = session.scalars(select(StaffAccess).where(StaffAccess.event == "reset_2fa")).one()
        assert (reset.actor, reset.outcome, reset.account) == ("cli", "taken", ANALYST)


def test_reset_2fa_of_an_unknown_address_changes_nothing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["staff", "reset-2fa", "nobody@example.com"])
    assert result.exit_code == 1
    assert "Not changed: No staff account has this address." in result.output


def test_a_disabled_account_cannot_finish_its_sign_in(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    page = password(Browser(app))
    app.test_cli_runner().invoke(main, ["staff", "disable", ANALYST])
    late = type_code_as(page, staff_code(services, ANALYST))
    assert late.path == "/staff/login" and late.notices == [ENDED]


def test_a_key_sealed_under_another_secret_key_takes_no_code(make_app: object) -> None:
    first: Flask = make_app()  # type: ignore[operator]
    staff_member(first.extensions["moncompte"])
    moved: Flask = make_app(SECRET_KEY="another-secret-key")  # type: ignore[operator]
    services: Services = moved.extensions["moncompte"]
    page = type_code_as(password(Browser(moved)), staff_code(services, ANALYST))
    assert page.path == CODE_PAGE and page.notices == [WRONG["fr"]]
    assert [r for e, _o, r in access(services) if e == "second_factor"] == ["key"]


def test_one_right_code_sent_twice_at_once_is_taken_once(make_app: Any, postgres_url: str) -> None:
    """On PostgreSQL (SQLite serialises every writer and would hide the race): two browsers
    past the password send the same right code at the same moment; one is signed in."""
    app: Flask = make_app(DATABASE_URL=postgres_url)
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        clients = [Http(Site(app, base)), Http(Site(app, base))]
        for client in clients:
            client.post("/staff/login", {"email": ANALYST, "password": PASSWORD})
        code = staff_code(services, ANALYST)
        answers = at_once([partial(c.post, CODE_PAGE, {"code": code}) for c in clients])
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert sorted(a.status_code for a in answers) == [200, 303]
    reasons = [r for e, _o, r in access(services) if e == "second_factor"]
    assert sorted(reasons, key=str) == [None, "replay"]
