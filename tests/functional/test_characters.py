"""Names never carry line breaks or invisible characters into the e-mails they are printed in."""

from __future__ import annotations

import unicodedata

import pytest
from flask import Flask

from storage.identities import by_email
from storage.models import OutboxMessage
from tests.functional.test_registration import fill_details
from tests.support import Browser, SMTPServer, body_text
from web.services import Services

REFUSED = {
    "fr": "Cette valeur contient des caractères non permis.",
    "en": "This contains characters that are not allowed.",
}
FORGED = "Jean\r\n\r\nVotre compte est suspendu: appelez le 1-900-555-0199"


@pytest.mark.parametrize(
    "name",
    [
        FORGED,
        "Jean\nTremblay",
        "Jean\tTremblay",
        "Jean\u202eyalbmerT",  # right-to-left override
        "Je\u200ban",  # zero-width space
        "\ufeffJean",  # byte order mark
        "Jean\u200d",  # zero-width joiner
        "Jean\x85",  # next line (C1 control)
        "Jean\u2028Votre compte est suspendu",  # line separator
        "Jean\u2029Tremblay",  # paragraph separator
    ],
    ids=["forged-lines", "lf", "tab", "rlo", "zwsp", "bom", "zwj", "nel", "ls", "ps"],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_name_with_control_or_invisible_characters_is_refused(
    browser: Browser, services: Services, name: str, lang: str
) -> None:
    page = fill_details(browser.get(f"/{lang}/register"), "victim@example.com", first_name=name)
    assert page.status == 200
    assert page.field_errors == {"first_name": REFUSED[lang]}
    with services.db.read() as session:
        assert by_email(session, "victim@example.com") is None
        assert session.query(OutboxMessage).count() == 0


def test_the_api_gives_the_reason_code(make_app: object) -> None:
    app: Flask = make_app(API_TOKEN="tester-token-0123456789")  # type: ignore[operator]
    client = app.test_client()
    auth = {"Authorization": "Bearer tester-token-0123456789"}
    started = client.post("/api/v1/flows", json={"flow": "registration"}, headers=auth).json
    assert started is not None
    data = {
        "first_name": FORGED,
        "last_name": "Gagnon\u2066",  # left-to-right isolate
        "email": "victim@example.com",
        "password": "vélo rouge sous la pluie",
        "password_confirm": "vélo rouge sous la pluie",
    }
    answer = client.post(
        f"/api/v1/flows/{started['id']}/events",
        json={"event": "submit", "data": data},
        headers=auth,
    )
    assert answer.status_code == 422 and answer.json is not None
    errors = answer.json["errors"]
    assert {k: v["reason"] for k, v in errors.items()} == {
        "first_name": "invalid_characters",
        "last_name": "invalid_characters",
    }


def test_names_are_kept_and_mailed_in_composed_form(
    mail_app: Flask, smtp_server: SMTPServer
) -> None:
    decomposed = unicodedata.normalize("NFD", "Émilie")
    assert decomposed != "Émilie"
    fill_details(Browser(mail_app).get("/fr/register"), "emilie@example.com", first_name=decomposed)
    services: Services = mail_app.extensions["moncompte"]
    with services.db.read() as session:
        identity = by_email(session, "emilie@example.com")
        assert identity is not None and identity.first_name == "Émilie"
    text = body_text(smtp_server.wait_for("emilie@example.com")[0])
    assert "Émilie" in text and decomposed not in text
