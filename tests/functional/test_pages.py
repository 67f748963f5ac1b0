"""Pages every visitor sees, languages, and the web rules of SECURITY.md."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support import Browser


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


def test_session_cookie_is_secure_when_served_over_https(make_app: object) -> None:
    app = make_app(BASE_URL="https://moncompte.example.ca")  # type: ignore[operator]
    assert app.config["SESSION_COOKIE_SECURE"] is True


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
