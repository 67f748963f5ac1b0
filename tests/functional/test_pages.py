"""Pages every visitor sees, languages, and the web rules of SECURITY.md."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.factories import PASSWORD, contract, identity
from tests.support import Browser, Page, code_in, misquoted, newest, outbox, own_form
from web.services import Services


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        (None, "/fr/"),
        ("en-CA,en;q=0.9", "/en/"),
        ("fr-CA,fr;q=0.9,en;q=0.5", "/fr/"),
        ("de-DE", "/fr/"),
        ("en-US,fr;q=0.2", "/en/"),
    ],
)
def test_root_picks_the_language(app: Flask, accept: str | None, target: str) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = app.test_client().get("/", headers=headers)
    assert response.status_code == 302 and response.headers["Location"] == target


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            [
                "Mon Compte MINI",
                "S'inscrire maintenant",
                "Se connecter",
                "Découvrez la liste complète des questions",
            ],
        ),
        (
            "en",
            [
                "Mon Compte MINI",
                "Register now",
                "Sign in",
                "Discover the complete list of questions",
            ],
        ),
    ],
)
def test_home_in_each_language(browser: Browser, lang: str, words: list[str]) -> None:
    page = browser.get(f"/{lang}/")
    assert page.status == 200
    html = page.soup.find("html")
    assert html is not None and html["lang"] == ("fr-CA" if lang == "fr" else "en-CA")
    for word in words:
        assert word in page.text
    assert page.link("English" if lang == "fr" else "Français") == (
        "/en/" if lang == "fr" else "/fr/"
    )


def test_security_headers_on_every_answer(app: Flask) -> None:
    client = app.test_client()
    for path in ["/fr/", "/en/register", "/fr/nowhere", "/static/site.css"]:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_carry_no_inline_script_or_style(browser: Browser) -> None:
    for path in ["/fr/", "/en/register"]:
        page = browser.get(path)
        assert not page.soup.find("style") and not page.soup.select("[style]")
        assert all(s.get("src") for s in page.soup.find_all("script"))


def test_session_cookie_flags(browser: Browser) -> None:
    browser.get("/fr/register")
    response = browser.client.post("/fr/register", data={})  # refused (CSRF), cookie set earlier
    cookie = browser.client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert response.status_code == 400


def test_over_https_cookies_are_host_prefixed_and_hsts_covers_subdomains(
    make_app: object,
) -> None:
    app = make_app(BASE_URL="https://moncompte.example.ca")  # type: ignore[operator]
    client = app.test_client()
    answer = client.get("/fr/register", base_url="https://moncompte.example.ca")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    hsts = "max-age=31536000; includeSubDomains"
    assert answer.headers["Strict-Transport-Security"] == hsts
    alone = make_app(  # type: ignore[operator]
        BASE_URL="https://moncompte.example.ca", HSTS_INCLUDE_SUBDOMAINS=False
    )
    answer = alone.test_client().get("/fr/", base_url="https://moncompte.example.ca")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("path", "title"), [("/fr/nulle-part", "Page introuvable"), ("/en/nowhere", "Page not found")]
)
def test_not_found_in_the_visitors_language(browser: Browser, path: str, title: str) -> None:
    page = browser.get(path)
    assert page.status == 404 and page.h1 == title


def test_what_a_customer_typed_is_escaped(browser: Browser) -> None:
    page = (
        browser.get("/en/register")
        .form()
        .fill(
            first_name="<script>alert(1)</script>",
            last_name="O'Brien",
            email="bad",
            password="",
            password_confirm="",
        )
        .submit()
    )
    assert "<script>alert(1)</script>" not in page.response.get_data(as_text=True)
    assert page.form().values["first_name"] == "<script>alert(1)</script>"


def test_development_mailbox_only_without_smtp_or_sms_and_from_this_machine(
    make_app: object, browser: Browser
) -> None:
    assert browser.get("/dev/mailbox").status == 200
    remote = browser.client.get("/dev/mailbox", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 404
    with_smtp = make_app(SMTP_URL="smtp://127.0.0.1:1")  # type: ignore[operator]
    assert with_smtp.test_client().get("/dev/mailbox").status_code == 200  # text messages
    both = make_app(  # type: ignore[operator]
        SMTP_URL="smtp://127.0.0.1:1", SMS_WEBHOOK_URL="http://127.0.0.1:1/sms"
    )
    assert both.test_client().get("/dev/mailbox").status_code == 404


def test_no_development_mailbox_outside_development_even_from_this_machine(
    make_app: object,
) -> None:
    """A site with a base URL (behind a reverse proxy on this host, every client comes
    from loopback) and no SMS gateway holds text messages nobody may read."""
    site = make_app(  # type: ignore[operator]
        BASE_URL="https://moncompte.example.ca", SMTP_URL="smtp://127.0.0.1:1"
    )
    client = site.test_client()
    assert client.get("/dev/mailbox", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    assert client.get("/dev/mailbox/1").status_code == 404


NEW = "un nouveau départ en forêt"


def _journeys(app: Flask, lang: str) -> Iterator[Page]:
    """The pages of every procedure, refusals included, and the signed-in ones."""
    services: Services = app.extensions["moncompte"]
    jean = identity(services, f"jean.{lang}@example.com", language=lang)
    contract(services, identity_id=jean)
    identity(services, f"pending.{lang}@example.com", status="pending", language=lang)
    browser = Browser(app)
    for path in ["", "faq", "register", "login", "password-reset"]:
        yield browser.get(f"/{lang}/{path}")
    form = browser.get(f"/{lang}/register").form()
    yield form.submit()
    for email in (f"luc.{lang}@example.com", f"jean.{lang}@example.com"):
        details = {"first_name": "Luc", "last_name": "Côté", "email": email}
        form = Browser(app).get(f"/{lang}/register").form()
        yield form.fill(**details, password=PASSWORD, password_confirm=PASSWORD).submit()
    pending = {"email": f"pending.{lang}@example.com", "password": PASSWORD}
    not_activated = Browser(app).get(f"/{lang}/login").form().fill(**pending).submit()
    yield not_activated
    yield not_activated.form().submit("resend")
    for email in (f"jean.{lang}@example.com", f"nobody.{lang}@example.com"):
        yield Browser(app).get(f"/{lang}/password-reset").form().fill(email=email).submit()
    for link in [str(m.extras["link"]) for m in outbox(services) if m.extras.get("link")]:
        page = Browser(app).get(urlsplit(link).path)
        yield page
        if "password" in page.form().fields:
            yield page.form().fill(password="short", password_confirm="other").submit()
            yield page.form().fill(password=NEW, password_confirm=NEW).submit()
        else:
            yield page.form().submit()
        yield Browser(app).get(urlsplit(link).path)  # used: gone
    yield browser.get(f"/{lang}/nowhere")
    signed_in = browser.get(f"/{lang}/login").form()
    channel = signed_in.fill(email=f"jean.{lang}@example.com", password=NEW).submit()
    yield channel  # a device not remembered: a code first
    asked = own_form(channel).fill(channel="email").submit()
    yield asked
    code = code_in(newest(services, "jean.t@example.com").body_text)  # the contract's address
    authorized = own_form(asked).fill(code=code).submit()
    assert authorized.path == f"/{lang}/overview"
    yield authorized
    for path in ["", "overview", "messages", "send-document", "link-account", "devices"]:
        yield browser.get(f"/{lang}/{path}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_quotes_follow_each_language_on_every_page_and_e_mail(app: Flask, lang: str) -> None:
    """English quotes with “ ”; French « » with no-break spaces, never alone on a line."""
    pages = list(_journeys(app, lang))
    assert all(page.status in (200, 404, 410) for page in pages)
    found = {p.path: misquoted(p.response.get_data(as_text=True), lang) for p in pages}
    for mail in outbox(app.extensions["moncompte"]):
        texts = (mail.subject, mail.body_text, mail.body_html or "")
        found[f"e-mail {mail.kind}"] = [q for t in texts for q in misquoted(t, mail.language)]
    assert {where: quotes for where, quotes in found.items() if quotes} == {}
    assert len(pages) > 20


@pytest.mark.parametrize("path", ["/fr/", "/en/faq", "/fr/privacy"])
def test_public_pages_may_be_kept_and_say_what_they_are(app: Flask, path: str) -> None:
    client = app.test_client()
    first = client.get(path)
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    page = Browser(app).get(path)
    description = page.soup.select_one("meta[name=description]")
    assert description is not None and len(str(description["content"])) > 50
    icon = page.soup.select_one("link[rel=icon]")
    assert icon is not None and client.get(str(icon["href"])).status_code == 200
    assert client.get("/favicon.ico").headers["Location"] == icon["href"]


def test_public_pages_are_kept_nowhere_once_signed_in(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    identity(services)
    browser = Browser(app)
    own_form(browser.get("/fr/login")).fill(email="jean.t@example.com", password=PASSWORD).submit()
    answer = browser.client.get("/fr/faq")
    assert answer.headers["Cache-Control"] == "no-store" and "ETag" not in answer.headers
    assert browser.client.get("/fr/overview").headers["Cache-Control"] == "no-store"
