"""Registration through the real forms, with a real SMTP server receiving the e-mails."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask

from storage.identities import by_email
from tests.factories import PASSWORD, TESTER
from tests.support import Browser, SMTPServer, body_html, body_text, link_in, newest, token_of
from web.services import Services

WORDING = {
    "fr": {
        "home_button": "S'inscrire maintenant",
        "form_title": "S'inscrire",
        "step1": "Étape 1 sur 4",
        "check": "Vérifiez vos courriels",
        "subject": "Activez vos identifiants MINI pour commencer",
        "button": "Activer maintenant",
        "activated": "Votre MINI ID a été activé",
    },
    "en": {
        "home_button": "Register now",
        "form_title": "Register",
        "step1": "Step 1 of 4",
        "check": "Check your e-mail",
        "subject": "Activate your MINI ID to get started",
        "button": "Activate now",
        "activated": "Your MINI ID has been activated",
    },
}


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["moncompte"]
    return services


OTHER_PASSWORD = "une toute autre phrase secrète"


def fill_details(page: Any, email: str, **changes: str) -> Any:
    values = {
        "first_name": "Émilie",
        "last_name": "Gagnon",
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        **changes,
    }
    return page.form().fill(**values).submit()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_register_activate_in_each_language(
    lang: str, mail_app: Flask, mail_browser: Browser, smtp_server: SMTPServer
) -> None:
    words = WORDING[lang]
    email = f"emilie.{lang}@example.com"
    home = mail_browser.get(f"/{lang}/")
    form_page = mail_browser.get(home.link(words["home_button"]))
    assert form_page.h1 == words["form_title"]
    assert words["step1"] in form_page.text
    assert form_page.form().fields == [
        "csrf_token",
        "state",
        "first_name",
        "last_name",
        "email",
        "password",
        "password_confirm",
    ]
    sent = fill_details(form_page, email)
    assert sent.redirected and sent.status == 200
    assert sent.h1 == words["check"] and email in sent.text

    [message] = smtp_server.wait_for(email)
    assert message["Subject"] == words["subject"]
    html, text = body_html(message), body_text(message)
    assert words["button"] in html
    link = link_in(text)
    assert link == link_in(html) and link.startswith(f"/{lang}/register/link/")

    # A fresh browser, as when the link opens from the mail program. GET changes nothing.
    reader = Browser(mail_app)
    confirm = reader.get(link)
    assert confirm.status == 200 and words["button"] in confirm.text
    with services_of(mail_app).db.read() as session:
        person = by_email(session, email)
        assert person is not None and person.status == "pending"

    done = confirm.form().submit()
    assert done.status == 200 and words["activated"] in done.text
    with services_of(mail_app).db.read() as session:
        person = by_email(session, email)
        assert person is not None and person.status == "active" and person.language == lang


def test_a_used_link_cannot_be_used_again(
    mail_app: Flask, mail_browser: Browser, smtp_server: SMTPServer
) -> None:
    fill_details(mail_browser.get("/fr/register"), "once@example.com")
    link = link_in(body_text(smtp_server.wait_for("once@example.com")[0]))
    Browser(mail_app).get(link).form().submit()
    again = Browser(mail_app).get(link)
    assert again.status == 410
    assert "Ce lien a déjà été utilisé." in again.notices


def test_an_expired_link_says_so(
    mail_app: Flask, mail_browser: Browser, smtp_server: SMTPServer
) -> None:
    fill_details(mail_browser.get("/en/register"), "late@example.com")
    link = link_in(body_text(smtp_server.wait_for("late@example.com")[0]))
    services_of(mail_app).clock.advance(timedelta(hours=25))
    page = Browser(mail_app).get(link)
    assert page.status == 410 and "This link has expired." in page.notices
    with services_of(mail_app).db.read() as session:
        person = by_email(session, "late@example.com")
        assert person is not None and person.status == "pending"


@pytest.mark.parametrize("tamper", ["truncate", "change", "garbage"])
def test_a_tampered_link_is_refused(
    tamper: str, mail_app: Flask, mail_browser: Browser, smtp_server: SMTPServer
) -> None:
    fill_details(mail_browser.get("/fr/register"), "tamper@example.com")
    link = link_in(body_text(smtp_server.wait_for("tamper@example.com")[0]))
    bad = {
        "truncate": link[:-5],
        "change": link[:-1] + ("A" if link[-1] != "A" else "B"),
        "garbage": "/fr/register/link/%00%27%3Cscript%3E",
    }[tamper]
    page = Browser(mail_app).get(bad)
    assert page.status == 404
    assert "Ce lien n'est pas valide. Vérifiez que vous l'avez copié en entier." in page.notices


def test_registering_a_pending_address_again_keeps_the_first_registration(
    mail_app: Flask, smtp_server: SMTPServer
) -> None:
    """Someone else registers the owner's address before it is activated: the owner's
    link still works, and activates the owner's password; the other is never stored."""
    email = "premier@example.com"
    fill_details(Browser(mail_app).get("/fr/register"), email)
    theirs = {"first_name": "Mallory", "password": OTHER_PASSWORD}
    page = fill_details(
        Browser(mail_app).get("/fr/register"), email, **theirs, password_confirm=OTHER_PASSWORD
    )
    assert page.h1 == "Vérifiez vos courriels"  # the page any registration gets
    first, second = smtp_server.wait_for(email, count=2)
    assert second["Subject"] == "Votre MINI ID attend son activation"
    assert "/register/link/" not in body_text(second) and "Mallory" not in body_text(second)
    assert "/fr/password-reset" in body_text(second) and "/fr/login" in body_text(second)

    done = Browser(mail_app).get(link_in(body_text(first))).form().submit()
    assert "Votre MINI ID a été activé" in done.text
    signed_in = Browser(mail_app).get("/fr/login").form()
    # In, and asked to link a contract, as a MINI ID with none is.
    assert signed_in.fill(email=email, password=PASSWORD).submit().path == "/fr/link-account"
    refused = Browser(mail_app).get("/fr/login").form()
    refused.fill(email=email, password=OTHER_PASSWORD)
    assert refused.submit().path.startswith("/fr/login/")


def test_a_known_address_gets_the_same_page_and_a_different_email(
    mail_app: Flask, smtp_server: SMTPServer
) -> None:
    email = "known@example.com"
    first = Browser(mail_app)
    fill_details(first.get("/fr/register"), email)
    Browser(mail_app).get(link_in(body_text(smtp_server.wait_for(email)[0]))).form().submit()

    new_page = fill_details(Browser(mail_app).get("/fr/register"), "fresh@example.com")
    known_page = fill_details(Browser(mail_app).get("/fr/register"), email)
    assert (known_page.status, known_page.h1) == (new_page.status, new_page.h1)
    assert known_page.text.replace(email, "@") == new_page.text.replace("fresh@example.com", "@")

    second = smtp_server.wait_for(email, count=2)[1]
    assert second["Subject"] == "Vous avez déjà un MINI ID"
    assert "/fr/login" in body_text(second) and "/fr/password-reset" in body_text(second)
    assert "/register/link/" not in body_text(second)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Ce champ est obligatoire."),
        ({"last_name": "x" * 101}, "last_name", "Cette valeur est trop longue."),
        (
            {"email": "pas-une-adresse"},
            "email",
            "Entrez une adresse de courriel valide, par exemple nom@exemple.com.",
        ),
        (
            {"password": "court", "password_confirm": "court"},
            "password",
            "Utilisez au moins 12 caractères.",
        ),
        (
            {"password": "motdepasse123", "password_confirm": "motdepasse123"},
            "password",
            "Ce mot de passe est trop facile à deviner. "
            "Essayez une phrase plus longue faite de mots sans lien entre eux.",
        ),
        (
            {"password": "Émilie aime les pommes", "password_confirm": "Émilie aime les pommes"},
            "password",
            "Votre mot de passe ne peut pas contenir votre nom ni votre adresse de courriel.",
        ),
        (
            {"password_confirm": "vélo rouge sous la neige"},
            "password_confirm",
            "Les deux mots de passe ne correspondent pas.",
        ),
        (
            {"first_name": "a\x01b"},
            "first_name",
            "Cette valeur contient des caractères non permis.",
        ),
    ],
)
def test_bad_input_is_shown_beside_its_field(
    browser: Browser, changes: dict[str, str], field: str, message: str
) -> None:
    page = fill_details(browser.get("/fr/register"), **{"email": "bad@example.com", **changes})
    assert page.status == 200
    assert page.field_errors == {field: message}
    assert page.h1 == "S'inscrire"
    # What was typed comes back, except passwords.
    form = page.form()
    assert form.values["password"] == "" and form.values["password_confirm"] == ""
    if field != "email":
        assert form.values["email"] == "bad@example.com"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
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
        (
            {"email": "pas une adresse", "password": "motdepasse123", "first_name": ""},
            {
                "email": "Entrez une adresse de courriel valide, par exemple nom@exemple.com.",
                "first_name": "Ce champ est obligatoire.",
                "password": "Ce mot de passe est trop facile à deviner. "
                "Essayez une phrase plus longue faite de mots sans lien entre eux.",
                "password_confirm": "Les deux mots de passe ne correspondent pas.",
            },
        ),
    ],
)
def test_a_form_shows_every_problem_at_once(
    browser: Browser, changes: dict[str, str], errors: dict[str, str]
) -> None:
    first = browser.get("/fr/register")
    assert not first.title.startswith("Erreur")
    page = fill_details(first, **{"email": "bad@example.com", **changes})
    assert page.field_errors == errors
    assert page.title.startswith("Erreur : ")  # said first by a screen reader


def test_errors_are_in_english_on_the_english_pages(browser: Browser) -> None:
    page = fill_details(browser.get("/en/register"), "bad@example.com", password_confirm="nope")
    assert page.field_errors == {"password_confirm": "The two passwords do not match."}
    assert page.title.startswith("Error: ")


def test_switching_language_keeps_the_step(browser: Browser) -> None:
    sent = fill_details(browser.get("/fr/register"), "switch@example.com")
    english = browser.get(sent.link("English"))
    assert english.h1 == "Check your e-mail" and english.path.startswith("/en/register/")


@pytest.mark.parametrize(
    ("lang", "other", "switch", "message"),
    [
        ("fr", "en", "English", "The two passwords do not match."),
        ("en", "fr", "Français", "Les deux mots de passe ne correspondent pas."),
    ],
)
def test_switching_language_after_a_refusal_keeps_what_was_typed(
    browser: Browser, lang: str, other: str, switch: str, message: str
) -> None:
    refused = fill_details(
        browser.get(f"/{lang}/register"), "luc@example.com", last_name="Côté", password_confirm="x"
    )
    assert list(refused.field_errors) == ["password_confirm"]
    switched = browser.get(refused.link(switch))
    assert switched.path == refused.path.replace(f"/{lang}/", f"/{other}/", 1)
    assert switched.field_errors == {"password_confirm": message}
    assert message in switched.error_summary
    values = switched.form().values
    assert (values["first_name"], values["last_name"], values["email"]) == (
        "Émilie",
        "Côté",
        "luc@example.com",
    )
    assert values["password"] == values["password_confirm"] == ""
    # And back again, still there, until the form is sent again.
    back = browser.get(switched.link("Français" if other == "en" else "English"))
    assert back.form().values["email"] == "luc@example.com" and back.field_errors


def test_a_post_without_csrf_token_is_refused(browser: Browser, services: Services) -> None:
    response = browser.client.post(
        "/fr/register",
        data={
            "first_name": "A",
            "last_name": "B",
            "email": "csrf@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "Votre session a expiré" in response.get_data(as_text=True)
    with services.db.read() as session:
        assert by_email(session, "csrf@example.com") is None


def test_someone_elses_instance_answers_404(browser: Browser, app: Flask) -> None:
    sent = fill_details(browser.get("/fr/register"), "mine@example.com")
    stranger = Browser(app)
    assert stranger.get(sent.path).status == 404
    token = stranger.get("/fr/register").form().values["csrf_token"]
    assert stranger.client.post(sent.path, data={"csrf_token": token}).status_code == 404


def test_resend_button_is_throttled(browser: Browser) -> None:
    sent = fill_details(browser.get("/en/register"), "resend@example.com")
    again = sent.form().submit("resend")
    assert again.h1 == "Check your e-mail"
    assert (
        "An e-mail was sent less than a minute ago. Wait a moment, then try again." in again.notices
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "x" * 100_000},
        {"event": "activate"},
        {"event": "expire"},
        {"event": "nonsense"},
        {"password": "é" * 5000, "password_confirm": "é" * 5000},
    ],
)
def test_odd_posts_never_crash(browser: Browser, data: dict[str, str]) -> None:
    start = browser.get("/fr/register")
    page = start.form().fill(**data).submit()
    assert page.status == 200


def test_bytes_that_are_not_utf8_never_crash(browser: Browser) -> None:
    token = browser.get("/fr/register").form().values["csrf_token"]
    body = f"csrf_token={token}&first_name=%FF%FE&last_name=%C3&email=a%80@example.com"
    response = browser.client.post(
        "/fr/register", data=body.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 303
    page = browser.get(response.headers["Location"])
    assert page.status == 200
    assert page.field_errors["password"] == "Ce champ est obligatoire."


def registration_form(live_server: str, email: str) -> tuple[requests.Session, str, dict[str, str]]:
    """A registration started over HTTP: its session, its step's path and a filled form."""
    session = requests.Session()
    first = session.get(f"{live_server}/fr/register")
    token = first.text.split('name="csrf_token" value="')[1].split('"')[0]
    created = session.post(
        f"{live_server}/fr/register", data={"csrf_token": token}, allow_redirects=False
    )
    data = {
        "csrf_token": token,
        "state": "details",
        "first_name": "Rapide",
        "last_name": "Doigt",
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    return session, created.headers["Location"], data


def test_fifty_concurrent_submits_take_one_transition(
    app: Flask, live_server: str, services: Services
) -> None:
    session, step, data = registration_form(live_server, "race@example.com")
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def submit() -> None:
        client = requests.Session()
        client.cookies.update(session.cookies)
        barrier.wait()
        statuses.append(
            client.post(f"{live_server}{step}", data=data, allow_redirects=False).status_code
        )

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [303] * 50
    history = services.engine.history(step.rsplit("/", 1)[1], by=TESTER)
    submits = [h["outcome"] for h in history if h["event"] == "submit"]
    assert submits.count("taken") == 1
    assert submits.count("not_allowed") == 49
    with services.db.read() as db:
        from sqlalchemy import func, select

        from storage.models import Identity, OutboxMessage

        assert db.scalar(select(func.count()).select_from(Identity)) == 1
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_twenty_concurrent_posts_of_one_link_activate_once(
    app: Flask, live_server: str, services: Services
) -> None:
    """The link and its step are judged once the instance is locked, in the transaction
    that uses it: the first use wins, the others are told the link was used."""
    session, step, data = registration_form(live_server, "twice@example.com")
    sent = session.post(f"{live_server}{step}", data=data, allow_redirects=False)
    assert sent.status_code == 303
    link = f"{live_server}/fr/register/link/{token_of(newest(services, 'twice@example.com'))}"
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def activate() -> None:
        client = requests.Session()
        page = client.get(link)
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        barrier.wait()
        answer = client.post(link, data={"csrf_token": token}, allow_redirects=False)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=activate) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303] + [410] * 19
    instance_id = step.rsplit("/", 1)[1]
    activations = [
        h for h in services.engine.history(instance_id, by=TESTER) if h["event"] == "activate"
    ]
    assert [h["outcome"] for h in activations] == ["taken"]
