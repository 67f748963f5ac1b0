"""«Télécharger mes données»: the archive of a demo customer with messages, files, quotes and
devices, checked against its schema, holding no secret and nothing of anyone else."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
from flask import Flask
from sqlalchemy import select
from webauthn.helpers import bytes_to_base64url

from flows import demo
from flows.accounts import export
from flows.contracts import payoff
from flows.contracts.schedule import today
from storage import contracts
from storage.models import Staff
from tests.factories import TESTER, passkey
from tests.functional.test_sign_in import sign_in
from tests.support import Browser, identity_of, newest, own_form
from web.cli import papers
from web.services import Services

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "data-export.schema.json").read_text()
)


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["moncompte"]
    return services


def demo_app(app: Flask) -> Services:
    services = services_of(app)
    with app.app_context():
        demo.load(services, Path(app.config["UPLOAD_FOLDER"]), papers)
    return services


def ask(browser: Browser, lang: str = "fr") -> str:
    """Ask for the archive; the instance's page."""
    page = own_form(browser.get(f"/{lang}/profile/data")).submit()
    assert page.h1 in ("Votre archive est en préparation", "Your archive is being prepared")
    return page.path


def test_emilies_archive_holds_her_data_and_no_secret(app: Flask) -> None:
    services = demo_app(app)
    emilie = identity_of(services, demo.EMILIE.email).id
    with services.db.read() as session:
        first = contracts.of_customer(session, emilie)[0]
    loan = first.id
    quote = services.engine.start("payoff_quote", by=TESTER, language="fr", customer_id=emilie)
    on = payoff.date_window(today(services.clock()), first.province)[0].isoformat()
    assert services.engine.send(quote.id, "ask", {"contract": str(loan), "date": on}, by=TESTER).ok
    key = passkey(services, emilie, "iPhone d'Émilie").credentials[0]
    browser = Browser(app)
    sign_in(browser, demo.EMILIE.email, demo.PASSWORD)
    where = ask(browser)
    assert export.prepare_due(services) == 1  # the background worker's turn
    assert newest(services, demo.EMILIE.email).subject == "Vos données sont prêtes"
    page = browser.get(where)
    assert page.h1 == "Votre archive est prête"
    answer = browser.client.get(page.link("Télécharger mon archive"))
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "attachment" in answer.headers["Content-Disposition"]

    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    data = json.loads(archive.read("data.json"))
    jsonschema.validate(data, SCHEMA)
    assert data["mini_id"]["email"] == demo.EMILIE.email
    assert {c["number"] for c in data["contracts"]} and data["conversations"]
    assert data["payoff_quotes"] and data["trail"]
    assert [p["name"] for p in data["passkeys"]] == ["iPhone d'Émilie"]
    for entry in data["contracts"]:
        for d in entry["documents"]:
            assert d["file"] in archive.namelist()
    page_text = archive.read("index.html").decode()
    assert "Vos données chez Services financiers MINI" in page_text

    everything = archive.read("data.json").decode() + page_text
    for other in (demo.DAVID, demo.SOPHIE):
        assert other.email not in everything and other.last_name not in everything
    assert "argon2" not in everything and "$argon2" not in everything  # no password hash
    assert "/link/" not in everything  # no e-mailed link
    assert bytes_to_base64url(key.id) not in everything  # nor a passkey's credential
    with services.db.read() as session:  # staff are never named: "an agent"
        for member in session.scalars(select(Staff)):
            assert member.email not in everything
            assert not member.last_name or member.last_name not in everything
    assert "un agent" in everything
    # Each download is in the instance's trail; a HEAD downloads nothing.
    assert browser.client.head(page.link("Télécharger mon archive")).status_code == 200
    instance = where.rsplit("/", 1)[1]
    events = [r["event"] for r in services.engine.history(instance, by=TESTER)]
    assert events.count("download") == 1


def test_the_archive_is_the_customers_alone_and_lasts_7_days(app: Flask) -> None:
    services = demo_app(app)
    browser = Browser(app)
    sign_in(browser, demo.EMILIE.email, demo.PASSWORD)
    where = ask(browser)
    export.prepare_due(services)
    link = browser.get(where).link("Télécharger mon archive")
    other = Browser(app)
    sign_in(other, demo.DAVID.email, demo.PASSWORD)
    assert other.client.get(link).status_code == 404  # David's session: not his
    assert Browser(app).client.get(link).status_code in (302, 303)  # signed out: sign in
    services.clock.advance(timedelta(days=7, seconds=1))
    assert browser.client.get(link).status_code in (404, 302, 303)


def test_a_wrong_password_prepares_nothing(app: Flask) -> None:
    services = demo_app(app)
    browser = Browser(app)
    sign_in(browser, demo.EMILIE.email, demo.PASSWORD)
    services.clock.advance(timedelta(minutes=6))
    form = own_form(browser.get("/en/profile/data"))
    refused = form.fill(current_password="not the password").submit()
    assert "current_password" in refused.field_errors
    assert export.prepare_due(services) == 0
