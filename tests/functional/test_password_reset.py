"""«Mot de passe oublié?» through the real forms, with a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from flask import Flask

from tests.factories import PASSWORD, identity
from tests.functional.test_sign_in import sign_in
from tests.support import (
    ROUNDS,
    WARMUP,
    Browser,
    Page,
    SMTPServer,
    assert_as_long,
    body_html,
    body_text,
    interleaved_medians,
    link_in,
)

EMAIL = "jean.t@example.com"
NEW = "un nouveau départ en forêt"

WORDS = {
    "fr": (
        "Mot de passe oublié?",
        "Envoyer le lien",
        "Demande de réinitialisation du mot de passe",
        "Réinitialiser le mot de passe",
        "Changer votre mot de passe",
        "Sauvegarder mon mot de passe",
        "Votre mot de passe a été réinitialisé",
    ),
    "en": (
        "Forgot your password?",
        "Send link",
        "Password reset request",
        "Reset password",
        "Change your password",
        "Save my password",
        "Your password has been reset",
    ),
}


def ask(browser: Browser, email: str, lang: str = "fr") -> Page:
    return browser.get(f"/{lang}/password-reset").form().fill(email=email).submit()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_forgot_password_then_sign_in_with_the_new_one(
    lang: str, mail_app: Flask, smtp_server: SMTPServer
) -> None:
    forgot, send, subject, button, change, save, done = WORDS[lang]
    identity(mail_app.extensions["moncompte"], EMAIL, language=lang)
    browser = Browser(mail_app)
    login = browser.get(f"/{lang}/login")
    form_page = browser.get(login.link(forgot))
    assert form_page.h1 == forgot
    assert send in form_page.text
    sent = form_page.form().fill(email=EMAIL).submit()
    assert EMAIL in sent.text

    [message] = smtp_server.wait_for(EMAIL)
    assert message["Subject"] == subject
    assert button in body_html(message)
    link = link_in(body_text(message))

    reader = Browser(mail_app)
    page = reader.get(link)
    assert page.h1 == change and save in page.text
    assert page.form().fields == ["csrf_token", "state", "password", "password_confirm"]
    finished = page.form().fill(password=NEW, password_confirm=NEW).submit()
    assert done in finished.text

    notice = smtp_server.wait_for(EMAIL, count=2)[1]
    changed = {"fr": "Votre mot de passe a été modifié", "en": "Your password has been changed"}
    assert notice["Subject"] == changed[lang]  # in the MINI ID's language
    # In, with no contract linked yet: «Associez votre compte».
    assert sign_in(Browser(mail_app), EMAIL, NEW, lang).path == f"/{lang}/link-account"
    old = sign_in(Browser(mail_app), EMAIL, PASSWORD, lang)
    assert old.path.startswith(f"/{lang}/login")


def test_known_and_unknown_addresses_get_the_same_answer(app: Flask) -> None:
    identity(app.extensions["moncompte"], EMAIL)
    known = ask(Browser(app), EMAIL)
    unknown = ask(Browser(app), "nobody@example.com")
    assert (known.status, known.h1) == (unknown.status, unknown.h1)
    assert known.text.replace(EMAIL, "@") == unknown.text.replace("nobody@example.com", "@")


def test_known_and_unknown_addresses_take_as_long(app: Flask) -> None:
    for i in range(WARMUP + ROUNDS):
        identity(app.extensions["moncompte"], f"known{i}@example.com")
    browser = Browser(app)
    token = browser.get("/fr/password-reset").form().values["csrf_token"]

    def ask(kind: str, i: int) -> None:  # each address once: every request does the full work
        data = {"csrf_token": token, "email": f"{kind}{i}@example.com"}
        assert browser.client.post("/fr/password-reset", data=data).status_code == 303

    assert_as_long(interleaved_medians({k: partial(ask, k) for k in ("known", "nobody")}))


def test_a_used_link_cannot_be_used_again(mail_app: Flask, smtp_server: SMTPServer) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    ask(Browser(mail_app), EMAIL)
    link = link_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    Browser(mail_app).get(link).form().fill(password=NEW, password_confirm=NEW).submit()
    again = Browser(mail_app).get(link)
    assert again.status == 410 and "Ce lien a déjà été utilisé." in again.notices


def test_an_expired_link_says_so(mail_app: Flask, smtp_server: SMTPServer) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    ask(Browser(mail_app), EMAIL, "en")
    link = link_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    mail_app.extensions["moncompte"].clock.advance(timedelta(minutes=61))
    page = Browser(mail_app).get(link)
    assert page.status == 410 and "This link has expired." in page.notices


def test_an_older_link_stops_working(mail_app: Flask, smtp_server: SMTPServer) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    ask(Browser(mail_app), EMAIL)
    older = link_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    ask(Browser(mail_app), EMAIL)
    newer = link_in(body_text(smtp_server.wait_for(EMAIL, count=2)[1]))
    page = Browser(mail_app).get(older)
    assert page.status == 410
    assert "Un courriel plus récent a été envoyé : utilisez le lien du plus récent." in page.notices
    assert Browser(mail_app).get(newer).status == 200


def test_a_tampered_link_is_refused(mail_app: Flask, smtp_server: SMTPServer) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    ask(Browser(mail_app), EMAIL)
    link = link_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    assert Browser(mail_app).get(link[:-3] + "xyz").status == 404


def test_a_reset_ends_every_other_session(mail_app: Flask, smtp_server: SMTPServer) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    phone, laptop = Browser(mail_app), Browser(mail_app)
    sign_in(phone)
    sign_in(laptop)
    assert phone.get("/fr/overview").path == "/fr/overview"
    ask(Browser(mail_app), EMAIL)
    # The laptop was told as a new browser; then the reset link.
    link = link_in(body_text(smtp_server.wait_for(EMAIL, count=2)[-1]))
    Browser(mail_app).get(link).form().fill(password=NEW, password_confirm=NEW).submit()
    assert phone.get("/fr/overview").path == "/fr/login"
    assert laptop.get("/fr/overview").path == "/fr/login"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"password": "", "password_confirm": ""},
            {
                "password": "Ce champ est obligatoire.",
                "password_confirm": "Ce champ est obligatoire.",
            },
        ),
        (
            {"password": "court", "password_confirm": "court"},
            {"password": "Utilisez au moins 12 caractères."},
        ),
        (
            {"password": PASSWORD, "password_confirm": PASSWORD},
            {"password": "Choisissez un mot de passe différent de votre mot de passe actuel."},
        ),
        (
            {"password": NEW, "password_confirm": NEW + "!"},
            {"password_confirm": "Les deux mots de passe ne correspondent pas."},
        ),
        (  # every problem at once
            {"password": "court", "password_confirm": "autre"},
            {
                "password": "Utilisez au moins 12 caractères.",
                "password_confirm": "Les deux mots de passe ne correspondent pas.",
            },
        ),
        (
            {"password": "court", "password_confirm": ""},
            {
                "password": "Utilisez au moins 12 caractères.",
                "password_confirm": "Ce champ est obligatoire.",
            },
        ),
    ],
)
def test_bad_new_passwords_are_shown_beside_their_field(
    mail_app: Flask, smtp_server: SMTPServer, values: dict[str, Any], errors: dict[str, str]
) -> None:
    identity(mail_app.extensions["moncompte"], EMAIL)
    ask(Browser(mail_app), EMAIL)
    link = link_in(body_text(smtp_server.wait_for(EMAIL)[0]))
    page = Browser(mail_app).get(link).form().fill(**values).submit()
    assert page.path == link and page.h1 == "Changer votre mot de passe"
    assert page.field_errors == errors


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "Ce champ est obligatoire."),
        ("nope", "Entrez une adresse de courriel valide, par exemple nom@exemple.com."),
        ("a\x02b@example.com", "Cette valeur contient des caractères non permis."),
    ],
)
def test_bad_addresses_are_shown_beside_the_field(browser: Browser, email: str, error: str) -> None:
    page = ask(browser, email)
    assert page.field_errors == {"email": error}


def test_the_reset_forms_need_their_csrf_token(browser: Browser) -> None:
    assert browser.client.post("/fr/password-reset", data={"email": EMAIL}).status_code == 400
