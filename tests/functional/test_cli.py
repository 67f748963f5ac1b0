"""The moncompte command: schema, outbox, ConnectedDrive identities."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

from flask import Flask

from flows.access import Principal
from flows.accounts import passwords
from storage.identities import by_email
from tests.factories import PASSWORD
from tests.support import SMTPServer
from web.cli import main
from web.services import Services


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(main, list(args))
    return result.exit_code, result.output


def pbkdf2(password: str) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)
    return f"$pbkdf2-sha256$i=1000${b64(salt)}${b64(digest)}"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def wait_until_sent(services: Services) -> None:
    from sqlalchemy import select

    from storage.models import OutboxMessage

    for _ in range(100):
        with services.db.read() as session:
            if session.scalar(select(OutboxMessage.status)) == "sent":
                return
        time.sleep(0.05)
    raise AssertionError("the message was never marked sent")


def test_db_upgrade_is_idempotent(app: Flask) -> None:
    assert run(app, "db", "upgrade") == (0, "Schema up to date.\n")


def test_outbox_list_and_deliver(mail_app: Flask, smtp_server: SMTPServer) -> None:
    services: Services = mail_app.extensions["moncompte"]
    snap = services.engine.start("registration", by=Principal.tester("cli"), language="en")
    services.engine.send(
        snap.id,
        "submit",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        by=Principal.tester("cli"),
    )
    smtp_server.wait_for("ann@example.com")
    wait_until_sent(services)
    code, output = run(mail_app, "outbox", "list", "--to", "ANN@example.com", "--json")
    assert code == 0
    [message] = json.loads(output)
    assert message["status"] == "sent" and message["subject"] == (
        "Activate your MINI ID to get started"
    )
    # Delivered: the link it carried is kept only by its recipient.
    assert message["extras"] == {} and message["body"] == ""
    code, output = run(mail_app, "outbox", "list")
    assert "ann@example.com" in output and "link:" not in output
    assert run(mail_app, "outbox", "deliver") == (0, "Delivered 0, failed 0 (retried later).\n")


def test_deliver_without_smtp_explains(app: Flask) -> None:
    code, output = run(app, "outbox", "deliver")
    assert code == 0 and "development mailbox" in output


def test_failed_delivery_is_retried_later(make_app: object) -> None:
    app: Flask = make_app(SMTP_URL="smtp://127.0.0.1:9")  # type: ignore[operator]
    services: Services = app.extensions["moncompte"]
    snap = services.engine.start("registration", by=Principal.tester("cli"), language="fr")
    services.engine.send(
        snap.id,
        "submit",
        {
            "first_name": "Bo",
            "last_name": "Roy",
            "email": "bo@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        by=Principal.tester("cli"),
    )
    code, output = run(app, "outbox", "deliver")
    assert code == 1 and "failed 1" in output
    _, listed = run(app, "outbox", "list", "--json")
    [message] = json.loads(listed)
    assert message["status"] == "pending" and message["attempts"] == 1
    # Backing off: not tried again right away.
    assert run(app, "outbox", "deliver")[1] == "Delivered 0, failed 0 (retried later).\n"


def test_import_connecteddrive_identities(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    argon = passwords.hash_password("mon ancien mot de passe")
    csv = tmp_path / "cd.csv"
    csv.write_text(
        "email,first_name,last_name,language,password_hash\n"
        f'Luc.Cote@Example.com,Luc,Côté,fr,"{argon}"\n'
        f"amy@example.com,Amy,Wong,en,{pbkdf2('amy password here')}\n",
        encoding="utf-8",
    )
    assert run(app, "identities", "import", str(csv)) == (0, "Imported 2 new, updated 0.\n")
    assert run(app, "identities", "import", str(csv)) == (0, "Imported 0 new, updated 2.\n")
    with services.db.read() as session:
        luc = by_email(session, "luc.cote@example.com")
        amy = by_email(session, "AMY@example.com")
        assert luc is not None and luc.status == "active" and luc.source == "connecteddrive"
        assert luc.last_name == "Côté" and luc.language == "fr"
        assert amy is not None and passwords.verify(amy.password_hash, "amy password here")


def test_a_file_with_a_bad_row_loads_nothing(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "email,first_name,last_name,language,password_hash\n"
        f"good@example.com,Good,Row,fr,{pbkdf2('x')}\n"
        "not-an-address,,Row,de,plaintext\n"
        f'rlo@example.com,Jean\u202e,"Tremblay\r\nVotre compte",fr,{pbkdf2("z")}\n'
        "x@example.com,X,Y,fr,$argon2id$v=19$m=19456,t=2,p=1$abc$def\n"
        f"GOOD@example.com,Twice,Row,en,{pbkdf2('y')}\n",
        encoding="utf-8",
    )
    code, output = run(app, "identities", "import", str(csv))
    assert code == 1
    assert "line 3: email is not a valid address" in output
    assert "first_name is empty" in output and "language must be fr or en" in output
    assert "line 4: first_name has control or invisible characters" in output
    assert "last_name has control or invisible characters" in output
    assert "line 5: too many fields (an argon2 hash has commas: quote it)" in output
    assert "line 6: GOOD@example.com is already on line 2" in output
    assert "Nothing imported: 4 bad row(s)." in output
    with services.db.read() as session:
        assert by_email(session, "good@example.com") is None


def test_import_rejects_a_file_without_the_columns(app: Flask, tmp_path: Path) -> None:
    csv = tmp_path / "cols.csv"
    csv.write_text("mail,name\nx@example.com,X\n")
    code, output = run(app, "identities", "import", str(csv))
    assert code == 1 and "line 1: missing column(s): email, first_name" in output


def test_an_imported_identity_is_a_mini_id_already(app: Flask, tmp_path: Path) -> None:
    services: Services = app.extensions["moncompte"]
    csv = tmp_path / "cd.csv"
    csv.write_text(
        "email,first_name,last_name,language,password_hash\n"
        f"zoe@example.com,Zoé,Roy,fr,{pbkdf2('z')}\n",
        encoding="utf-8",
    )
    run(app, "identities", "import", str(csv))
    snap = services.engine.start("registration", by=Principal.tester("cli"), language="fr")
    services.engine.send(
        snap.id,
        "submit",
        {
            "first_name": "Zoé",
            "last_name": "Roy",
            "email": "zoe@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        by=Principal.tester("cli"),
    )
    _, listed = run(app, "outbox", "list", "--json")
    assert json.loads(listed)[0]["kind"] == "registration/email_already"
