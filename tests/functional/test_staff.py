"""Staff accounts: `moncompte staff add`, the console's own sign-in, who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from flows.accounts import passwords
from storage import staff as store
from tests.factories import PASSWORD, identity, staff_code, staff_member
from tests.support import Browser, Form, Page
from web.cli import main
from web.services import Services

ANALYST = "analyste@servicesfinanciersmini.ca"
AGENT = "agent@servicesfinanciersmini.ca"
CONSOLE = ["/staff/", "/staff/flows", "/staff/flows/registration", "/staff/trail", "/staff/quotes"]
ANALYSTS_ONLY = [
    "/staff/flows",
    "/staff/flows/registration",
    "/staff/flows/registration/diagram.svg",
    "/staff/flows/registration/counts.csv",
    "/staff/trail",
    "/staff/trail/export.csv",
]
CODE_PAGE = "/staff/login/code"
REFUSED = {
    "fr": "L'adresse de courriel ou le mot de passe est incorrect. Après plusieurs tentatives, "
    "patientez quelques minutes avant de réessayer.",
    "en": "The e-mail address or the password is incorrect. After several attempts, wait a "
    "few minutes before trying again.",
}


def form(page: Page, endpoint: str) -> Form:
    """The page's POST form whose action ends with ENDPOINT."""
    found = page.soup.find("form", action=lambda a: bool(a) and a.endswith(endpoint))
    assert found is not None, f"no form to {endpoint} on {page.path}"
    return Form(page, found)


def sign_in(browser: Browser, email: str = ANALYST, password: str = PASSWORD) -> Page:
    """The password, then the code of the account's authenticator (tests.factories)."""
    page = browser.get("/staff/login")
    typed = form(page, "/staff/login").fill(email=email, password=password).submit()
    return type_code(typed, email)


def type_code(page: Page, email: str) -> Page:
    """PAGE, or past it when it asks for the code of EMAIL's authenticator (the key
    tests.factories.staff_member gives)."""
    if page.path != CODE_PAGE:
        return page
    services: Services = page.browser.app.extensions["moncompte"]
    return form(page, CODE_PAGE).fill(code=staff_code(services, email)).submit()


def cookie(browser: Browser) -> str | None:
    found = browser.client.get_cookie("session")
    return found.value if found else None


def test_staff_add_reads_the_password_from_stdin(app: Flask) -> None:
    command = ["staff", "add", "Analyste@ServicesFinanciersMINI.ca", "--role", "analyst"]
    result = app.test_cli_runner().invoke(main, [*command, "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 0, result.output
    # Found by any letter case of the address, whose domain is kept in lower case.
    assert "Added Analyste@servicesfinanciersmini.ca (analyst)" in result.output
    services: Services = app.extensions["moncompte"]
    with services.db.read() as session:
        member = store.by_email(session, ANALYST)
        assert member is not None and member.role == "analyst" and member.status == "active"
        assert member.password_hash.startswith("$argon2id$")
        assert passwords.verify(member.password_hash, PASSWORD)


def test_staff_add_keeps_a_display_name(app: Flask) -> None:
    command = [
        "staff",
        "add",
        AGENT,
        "--role",
        "agent",
        "--name",
        " Julie Roy ",
        "--password-stdin",
    ]
    result = app.test_cli_runner().invoke(main, command, input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert f"Added Julie Roy, {AGENT} (agent)" in result.output
    services: Services = app.extensions["moncompte"]
    with services.db.read() as session:
        member = store.by_email(session, AGENT)
        assert member is not None and member.display_name == "Julie Roy"


def test_staff_add_refuses_a_display_name_that_is_not_one(app: Flask) -> None:
    for name, said in [("Julie\nRoy", "characters"), ("J" * 101, "too long")]:
        command = ["staff", "add", AGENT, "--role", "agent", "--name", name, "--password-stdin"]
        result = app.test_cli_runner().invoke(main, command, input=PASSWORD)
        assert result.exit_code == 1 and "Not added:" in result.output
        assert said in result.output.lower(), result.output
    with app.extensions["moncompte"].db.read() as session:
        assert store.by_email(session, AGENT) is None


@pytest.mark.parametrize(
    ("lang", "role", "greeting"),
    [
        ("fr", "agent", "Bonjour, Julie Roy"),
        ("en", "agent", "Hello, Julie Roy"),
        ("fr", "analyst", "Bonjour, Julie Roy"),
        ("en", "analyst", "Hello, Julie Roy"),
    ],
)
def test_the_console_greets_by_the_display_name(
    app: Flask, lang: str, role: str, greeting: str
) -> None:
    staff_member(app.extensions["moncompte"], AGENT, role=role, name="Julie Roy")
    browser = Browser(app)
    if lang == "en":
        form(browser.get("/staff/login"), "/staff/language").fill(lang="en").submit()
    home = sign_in(browser, AGENT)
    assert home.h1 == greeting
    assert AGENT not in home.text


def test_staff_add_asks_twice_without_showing_the_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        main, ["staff", "add", AGENT, "--role", "agent"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("args", "password", "said"),
    [
        (["--role", "analyst"], "court", "Use at least 12 characters."),
        (["--role", "analyst"], "analyste servicesfinanciersmini", "may not contain your name"),
        (["--role", "boss"], PASSWORD, "Invalid value for '--role'"),
    ],
    ids=["short", "personal", "role"],
)
def test_staff_add_refuses_what_the_rules_refuse(
    app: Flask, args: list[str], password: str, said: str
) -> None:
    command = ["staff", "add", ANALYST, *args, "--password-stdin"]
    result = app.test_cli_runner().invoke(main, command, input=password + "\n")
    assert result.exit_code != 0 and said in result.output


def test_staff_add_refuses_an_address_that_has_an_account(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    command = ["staff", "add", ANALYST.upper(), "--role", "agent", "--password-stdin"]
    result = app.test_cli_runner().invoke(main, command, input=PASSWORD + "\n")
    assert result.exit_code == 1 and "already has a staff account" in result.output


def test_an_analyst_signs_in_and_out_with_new_session_identifiers(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    browser = Browser(app)
    browser.get("/staff/login")
    before = cookie(browser)
    home = sign_in(browser)
    assert home.path == "/staff/" and home.h1 == "Bonjour, " + ANALYST
    during = cookie(browser)
    assert during and during != before
    out = form(home, "/staff/logout").submit()
    assert out.path == "/staff/login" and "Vous êtes déconnecté." in out.text
    assert cookie(browser) != during
    stale = Browser(app)
    stale.client.set_cookie("session", str(during))
    assert stale.get("/staff/").status == 404


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_failures_get_one_answer(app: Flask, lang: str) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    staff_member(services, AGENT, role="agent")
    with services.db.write() as session:
        member = store.by_email(session, AGENT)
        assert member is not None
        member.status = "disabled"
    pages = []
    for email, password in [
        (ANALYST, "not the password"),
        ("nobody@servicesfinanciersmini.ca", PASSWORD),
        (AGENT, PASSWORD),
    ]:
        browser = Browser(app)
        browser.post("/staff/language", {"csrf_token": _token(browser), "lang": lang})
        pages.append(sign_in(browser, email, password))
    for page in pages:
        assert page.path == "/staff/login" and page.notices == [REFUSED[lang]]
    assert len({p.text.replace(p.form(1).values["email"], "@") for p in pages}) == 1


def _token(browser: Browser) -> str:
    return str(form(browser.get("/staff/login"), "/staff/login").values["csrf_token"])


def test_delays_after_five_failures_and_a_customer_is_not_counted_with_staff(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    identity(services, ANALYST)  # the same address as a customer's MINI ID
    for _ in range(5):
        assert sign_in(Browser(app), password="not the password").path == "/staff/login"
    assert sign_in(Browser(app)).path == "/staff/login"  # waiting out 30 s
    customer = Browser(app)
    signed_in = customer.get("/fr/login").form().fill(email=ANALYST, password=PASSWORD).submit()
    assert signed_in.path == "/fr/link-account"  # the customer's counter is their own
    services.clock.advance(timedelta(seconds=31))
    assert sign_in(Browser(app)).path == "/staff/"


def test_customers_and_visitors_do_not_see_the_console(app: Flask) -> None:
    identity(app.extensions["moncompte"])
    visitor = Browser(app)
    customer = Browser(app)
    customer.get("/fr/login").form().fill(email="jean.t@example.com", password=PASSWORD).submit()
    for browser in (visitor, customer):
        for path in [*CONSOLE, *ANALYSTS_ONLY, "/staff/trail/unknown"]:
            assert browser.get(path).status == 404, path
        assert browser.get("/staff/login").status == 200


def test_an_agent_gets_403_on_the_analysts_pages(app: Flask) -> None:
    staff_member(app.extensions["moncompte"], AGENT, role="agent")
    browser = Browser(app)
    home = sign_in(browser, AGENT)
    assert home.path == "/staff/" and "Procédures" not in home.text
    for path in ANALYSTS_ONLY:
        page = browser.get(path)
        assert page.status == 403, path
    assert browser.get("/staff/flows").h1 == "Réservé à un autre rôle"


def test_a_staff_session_is_not_a_customer_session(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    browser = Browser(app)
    sign_in(browser)
    assert browser.get("/fr/overview").path == "/fr/login"


def test_staff_sessions_idle_out_after_15_minutes_customers_after_30(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    identity(services)
    browser = Browser(app)
    sign_in(browser)
    customer = Browser(app)
    customer.get("/fr/login").form().fill(email="jean.t@example.com", password=PASSWORD).submit()
    services.clock.advance(timedelta(minutes=14))
    assert browser.get("/staff/").status == 200
    services.clock.advance(timedelta(minutes=15, seconds=1))
    assert browser.get("/staff/").status == 404
    assert customer.get("/fr/overview").path != "/fr/login"  # 29 min: still signed in


def test_the_console_speaks_french_then_the_language_chosen(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    browser = Browser(app)
    home = sign_in(browser)
    assert home.soup.html is not None and home.soup.html["lang"] == "fr-CA"
    flows = browser.get("/staff/flows")
    english = form(flows, "/staff/language").submit()
    assert english.path == "/staff/flows" and english.h1 == "Procedures"
    assert english.soup.html is not None and english.soup.html["lang"] == "en-CA"
    out = form(english, "/staff/logout").submit()
    assert "You are signed out." in out.text  # the choice outlives the session


def test_the_language_switch_only_returns_to_the_console(app: Flask) -> None:
    browser = Browser(app)
    for target in ["https://evil.example/", "//evil.example/", "/fr/overview"]:
        data = {"csrf_token": _token(browser), "lang": "en", "next": target}
        response = browser.client.post("/staff/language", data=data)
        assert response.headers["Location"] == "/staff/login"


def test_console_forms_need_their_csrf_token(app: Flask) -> None:
    staff_member(app.extensions["moncompte"])
    client = app.test_client()
    response = client.post("/staff/login", data={"email": ANALYST, "password": PASSWORD})
    assert response.status_code == 400


def test_an_empty_form_is_told_what_is_missing(app: Flask) -> None:
    page = form(Browser(app).get("/staff/login"), "/staff/login").submit()
    required = "Ce champ est obligatoire."
    assert page.field_errors == {"email": required, "password": required}
    assert page.error_summary == (
        "Veuillez corriger ce qui suit : Adresse de courriel : Ce champ est obligatoire. "
        "Mot de passe : Ce champ est obligatoire."
    )
