"""«Mon profil» through the real forms: the step-up, changing the password, the e-mail
address (and taking it back after a takeover), the language, where I am signed in, and
the notice of a sign-in from a new browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.factories import PASSWORD, identity
from tests.functional.test_api import TOKEN, Api
from tests.functional.test_flows_cli import run, run_json
from tests.functional.test_sign_in import sign_in
from tests.support import (
    Browser,
    Page,
    SMTPServer,
    body_text,
    identity_of,
    link_in,
    newest,
    outbox,
    own_form,
)
from web.services import Services

EMAIL = "jean.t@example.com"
NEW = "une autre saison sur la rive-sud"
THIEF = "voleur@example.net"
EXPIRED = "Ce lien a expiré."
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["moncompte"]
    return services


def signed_in(
    app: Flask, email: str = EMAIL, password: str = PASSWORD, lang: str = "fr"
) -> Browser:
    browser = Browser(app)
    page = sign_in(browser, email, password, lang)
    assert "/login" not in page.path, page.text
    return browser


def still_signed_in(browser: Browser, lang: str = "fr") -> bool:
    return browser.get(f"/{lang}/profile").path == f"/{lang}/profile"


def change_password(browser: Browser, lang: str = "fr", **fields: str) -> Page:
    page = browser.get(f"/{lang}/profile/password")
    values = {"password": NEW, "password_confirm": NEW, **fields}
    return own_form(page).fill(**values).submit()


# -- the profile page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "links"),
    [
        (
            "fr",
            "Mon profil",
            [
                "Changer mon mot de passe",
                "Changer mon adresse de courriel",
                "Changer la langue",
                "Où je suis connecté",
            ],
        ),
        (
            "en",
            "My profile",
            [
                "Change my password",
                "Change my e-mail address",
                "Change the language",
                "Where I am signed in",
            ],
        ),
    ],
)
def test_the_profile_is_linked_from_the_header_and_starts_each_procedure(
    app: Flask, lang: str, title: str, links: list[str]
) -> None:
    identity(services_of(app), EMAIL, language=lang)
    browser = signed_in(app, lang=lang)
    overview = browser.get(f"/{lang}/overview")
    profile = browser.get(overview.link(title))
    assert profile.h1 == title and EMAIL in profile.text
    for text in links:
        assert browser.get(profile.link(text)).status == 200
    assert Browser(app).get(f"/{lang}/profile").path == f"/{lang}/login"  # signed out: sign in


# -- the step-up and changing the password -----------------------------------------------


def test_a_password_typed_in_the_last_5_minutes_is_not_asked_again(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    browser = signed_in(app)
    form = own_form(browser.get("/fr/profile/password"))
    assert "current_password" not in form.fields
    services_of(app).clock.advance(timedelta(minutes=6))
    form = own_form(browser.get("/fr/profile/password"))
    assert "current_password" in form.fields  # the privileged session is over

    asked = form.fill(password=NEW, password_confirm=NEW).submit()
    assert asked.field_errors == {
        "current_password": "Pour votre sécurité, saisissez de nouveau votre mot de passe actuel."
    }
    wrong = change_password(
        browser, current_password="pas le bon mot de passe", password="court", password_confirm="x"
    )
    assert set(wrong.field_errors) == {"current_password", "password", "password_confirm"}
    assert "n'est pas exact" in wrong.field_errors["current_password"]
    done = change_password(browser, current_password=PASSWORD)
    assert done.h1 == "Votre mot de passe a été modifié"


def test_a_remembered_device_does_not_skip_the_step_up(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    browser = signed_in(app)  # on a remembered device
    services_of(app).clock.advance(timedelta(minutes=6))
    assert "current_password" in own_form(browser.get("/fr/profile/email")).fields


def test_a_weak_new_password_is_refused_with_every_problem_at_once(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    browser = signed_in(app)
    refused = change_password(browser, password="motdepasse", password_confirm="autre")
    assert set(refused.field_errors) == {"password", "password_confirm"}
    assert refused.error_summary
    assert identity_of(services_of(app), EMAIL).password_hash  # nothing changed
    assert sign_in(Browser(app), EMAIL, PASSWORD).path != "/fr/login"


@pytest.mark.parametrize(
    ("lang", "subject"),
    [("fr", "Votre mot de passe a été modifié"), ("en", "Your password has been changed")],
)
def test_changing_the_password_ends_every_other_session_and_tells_the_customer(
    mail_app: Flask, smtp_server: SMTPServer, lang: str, subject: str
) -> None:
    identity(services_of(mail_app), EMAIL, language=lang)
    here, elsewhere = signed_in(mail_app, lang=lang), signed_in(mail_app, lang=lang)
    done = change_password(here, lang)
    assert done.path.startswith(f"/{lang}/profile/password/")
    assert still_signed_in(here, lang) and not still_signed_in(elsewhere, lang)

    # The second browser was told as a new one; then the change.
    message = smtp_server.wait_for(EMAIL, count=2)[-1]
    assert message["Subject"] == subject
    text = body_text(message)
    assert "/password-reset" in link_in(text)  # what to do if it was not them
    assert "1 866" in text or "+1" in text or any(c.isdigit() for c in text)
    assert sign_in(Browser(mail_app), EMAIL, PASSWORD, lang).path.startswith(f"/{lang}/login")
    assert "/login" not in sign_in(Browser(mail_app), EMAIL, NEW, lang).path


# -- changing the e-mail address ---------------------------------------------------------


def ask_for(browser: Browser, address: str, lang: str = "fr") -> Page:
    return own_form(browser.get(f"/{lang}/profile/email")).fill(email=address).submit()


def test_a_new_address_changes_nothing_until_its_link_is_used(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    browser = signed_in(app)
    sent = ask_for(browser, "jean.nouveau@example.com")
    assert sent.h1 == "Consultez votre nouvelle adresse"
    assert identity_of(services, EMAIL).email == EMAIL  # nothing changed yet
    mail = newest(services, "jean.nouveau@example.com")
    assert mail.subject == "Confirmez votre nouvelle adresse de courriel"

    # The link is opened on a phone, signed out; the page confirms with a POST.
    phone = Browser(app)
    page = phone.get(str(mail.extras["link"]))
    assert page.h1 == "Confirmez votre nouvelle adresse de courriel"
    assert identity_of(services, EMAIL).email == EMAIL  # opening it changes nothing
    changed = page.form().submit()
    assert changed.h1 == "Votre adresse de courriel a été changée"
    assert identity_of(services, "jean.nouveau@example.com").email == "jean.nouveau@example.com"

    told = newest(services, EMAIL)  # the old address is told, with the undo link
    assert told.subject == "Votre MINI ID a une nouvelle adresse de courriel"
    assert "/profile/email/link/" in str(told.extras["link"])
    assert "/login" not in sign_in(Browser(app), "jean.nouveau@example.com", PASSWORD).path
    again = phone.get(str(mail.extras["link"]))
    assert again.status == 410 and "Ce lien a déjà été utilisé." in again.notices


def test_the_address_of_another_mini_id_gets_the_same_answer(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    identity(services, "marie@example.com", first_name="Marie", language="en")
    browser = signed_in(app)
    free = ask_for(browser, "libre@example.com")
    taken = ask_for(browser, "marie@example.com")
    assert (free.status, free.h1) == (taken.status, taken.h1)
    assert free.text.replace("libre@example.com", "@") == taken.text.replace(
        "marie@example.com", "@"
    )
    told = newest(services, "marie@example.com")
    assert told.subject == "Someone tried to use your address"  # in Marie's language
    assert "link" not in told.extras
    assert identity_of(services, EMAIL).email == EMAIL


def test_the_same_address_is_refused(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    refused = ask_for(signed_in(app), "JEAN.T@example.com")
    assert refused.field_errors == {"email": "C'est déjà l'adresse de votre MINI ID."}


def test_an_expired_confirmation_link_says_so(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    ask_for(signed_in(app), "jean.nouveau@example.com", "en")
    link = str(newest(services, "jean.nouveau@example.com").extras["link"])
    assert link.split("/")[3] == "fr"  # in the customer's language, wherever they asked
    services.clock.advance(timedelta(hours=24, seconds=1))
    page = Browser(app).get(link)
    assert page.status == 410 and EXPIRED in page.notices
    assert identity_of(services, EMAIL).email == EMAIL


def test_the_owner_takes_back_a_mini_id_whose_address_a_thief_changed(app: Flask) -> None:
    """Someone who knows the password changes the address to theirs, twice; the owner's
    undo link brings the address back, signs the thief out and sets a new password."""
    services = services_of(app)
    identity(services, EMAIL)
    thief = signed_in(app)
    ask_for(thief, THIEF)
    own_form(thief.get(str(newest(services, THIEF).extras["link"]))).submit()
    undo = str(newest(services, EMAIL).extras["link"])  # the owner's undo link
    ask_for(thief, "second." + THIEF)
    own_form(thief.get(str(newest(services, "second." + THIEF).extras["link"]))).submit()
    thiefs_undo = str(newest(services, THIEF).extras["link"])
    assert identity_of(services, "second." + THIEF)

    owner = Browser(app)
    page = owner.get(undo)
    assert page.h1 == "Annuler le changement d'adresse"
    weak = page.form().fill(password=PASSWORD, password_confirm=PASSWORD).submit()
    assert (
        weak.field_errors["password"]
        == "Choisissez un mot de passe différent de votre mot de passe actuel."
    )
    done = owner.get(undo).form().fill(password=NEW, password_confirm=NEW).submit()
    assert done.h1 == "Votre MINI ID est de nouveau à vous"

    assert identity_of(services, EMAIL).email == EMAIL
    assert not still_signed_in(thief)
    assert newest(services, EMAIL).subject == "Le changement d'adresse a été annulé"
    assert sign_in(Browser(app), "second." + THIEF, PASSWORD).path.startswith("/fr/login")
    assert "/login" not in sign_in(Browser(app), EMAIL, NEW).path
    # The thief's own undo link (to their first address) no longer works.
    refused = Browser(app).get(thiefs_undo)
    assert refused.status == 410


def test_the_undo_link_works_7_days(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    browser = signed_in(app)
    ask_for(browser, "jean.nouveau@example.com")
    own_form(browser.get(str(newest(services, "jean.nouveau@example.com").extras["link"]))).submit()
    undo = str(newest(services, EMAIL).extras["link"])
    services.clock.advance(timedelta(days=7, seconds=1))
    page = Browser(app).get(undo)
    assert page.status == 410 and EXPIRED in page.notices
    assert identity_of(services, "jean.nouveau@example.com")


# -- language ----------------------------------------------------------------------------


def test_choosing_english_switches_the_site_and_the_mails(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    browser = signed_in(app)
    form = own_form(browser.get("/fr/profile/language"))
    saved = form.fill(language="en").submit()
    assert saved.path.startswith("/en/profile/language/") and saved.h1 == "Language saved"
    assert identity_of(services, EMAIL).language == "en"
    change_password(browser, "fr")  # even from the French pages, the mail is in English
    assert newest(services, EMAIL).subject == "Your password has been changed"
    # The next sign-in, even on the French pages, opens the site in English.
    assert sign_in(Browser(app), EMAIL, NEW, "fr").path.startswith("/en/")


def test_an_unknown_language_is_refused(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    form = own_form(signed_in(app).get("/en/profile/language"))
    refused = form.fill(language="de").submit()
    assert refused.field_errors == {"language": "Choose one of the options offered."}


# -- where I am signed in ----------------------------------------------------------------


def test_where_i_am_signed_in_lists_the_sessions_and_ends_them(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    here = signed_in(app)
    firefox = Browser(app)
    firefox.client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    sign_in(firefox, EMAIL, PASSWORD)
    third = signed_in(app)

    page = here.get("/fr/devices")  # the route of «Appareils mémorisés» still works
    assert page.h1 == "Où je suis connecté"
    rows = page.soup.select("table.devices")[0].select("tbody tr")
    assert len(rows) == 3
    assert sum("Cette session" in r.get_text() for r in rows) == 1
    assert any("Firefox 128" in r.get_text() and "Windows 10" in r.get_text() for r in rows)

    # Sign Firefox out alone, then every other one.
    firefox_row = next(r for r in rows if "Firefox" in r.get_text())
    field = firefox_row.select_one("input[name=session]")
    assert field is not None
    handle = str(field["value"])
    token = page.form().values["csrf_token"]
    ended = here.post(
        "/fr/devices", {"csrf_token": token, "event": "end_session", "session": handle}
    )
    assert "La session a été fermée" in ended.text
    assert not still_signed_in(firefox) and still_signed_in(third)
    gone = here.post(
        "/fr/devices", {"csrf_token": token, "event": "end_session", "session": handle}
    )
    assert gone.field_errors.get("session") or "Cette session est déjà terminée." in gone.text
    here.post("/fr/devices", {"csrf_token": token, "event": "end_session", "session": "others"})
    assert not still_signed_in(third) and still_signed_in(here)


def test_a_sign_in_from_a_new_browser_is_told_by_email(app: Flask) -> None:
    services = services_of(app)
    identity(services, EMAIL)
    first = Browser(app)
    sign_in(first, EMAIL, PASSWORD)
    assert not [m for m in outbox(services, EMAIL) if m.kind == "sign_in/email_new_device"]
    sign_in(first, EMAIL, PASSWORD)  # the same browser again: nothing to tell

    other = Browser(app)
    other.client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    sign_in(other, EMAIL, PASSWORD)
    [notice] = [m for m in outbox(services, EMAIL) if m.kind == "sign_in/email_new_device"]
    assert notice.subject == "Nouvelle connexion à Mon Compte MINI"
    assert "Firefox 128 · Windows 10" in notice.body_text
    assert "/password-reset" in notice.body_text  # what to do if it was not them
    sign_in(other, EMAIL, PASSWORD)
    assert len([m for m in outbox(services, EMAIL) if m.kind == "sign_in/email_new_device"]) == 1


# -- the testers' API and the command line -----------------------------------------------


def test_the_api_drives_the_profile_procedures_and_always_asks_the_password(
    make_app: Any,
) -> None:
    api = Api(make_app(API_TOKEN=TOKEN))
    identity(services_of(api.app), EMAIL)
    changing = api.start("password_change", customer=EMAIL)
    fields = {"password": NEW, "password_confirm": NEW}
    refused = api.send(changing["id"], "save", fields)  # no session: no privileged one
    assert refused.status_code == 422
    assert (refused.json or {})["errors"]["current_password"]["reason"] == "step_up_required"
    done = api.send(changing["id"], "save", {**fields, "current_password": PASSWORD})
    assert done.status_code == 200 and (done.json or {})["state"] == "changed"

    moving = api.start("email_change", customer=EMAIL)
    api.send(moving["id"], "submit", {"current_password": NEW, "email": "api@example.com"})
    token = api.link_token("api@example.com")
    assert (api.send(moving["id"], "confirm", {"token": token}).json or {})["state"] == "changed"
    undo = {"token": api.link_token(EMAIL), "password": PASSWORD, "password_confirm": PASSWORD}
    assert (api.send(moving["id"], "undo", undo).json or {})["state"] == "undone"
    history = api.get(f"/flows/{moving['id']}/history")
    assert [r["event"] for r in history["history"] if r["outcome"] == "taken"][-3:] == [
        "submit",
        "confirm",
        "undo",
    ]


def test_the_command_line_chooses_a_language(app: Flask) -> None:
    identity(services_of(app), EMAIL)
    started = run_json(app, "flows", "start", "language_choice", "--customer", EMAIL)
    code, output = run(app, "flows", "send", started["id"], "save", "language=de")
    assert code != 0 and "language: Choose one of the options offered. [invalid_choice]" in output
    sent = run_json(app, "flows", "send", started["id"], "save", "language=en")
    assert sent["snapshot"]["state"] == "saved" and sent["told"] == {"language": "en"}
    assert identity_of(services_of(app), EMAIL).language == "en"
