"""Live tokens are kept nowhere in clear: not in delivered messages, not in the logs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from storage.models import Base, OutboxMessage
from tests.functional.test_registration import fill_details
from tests.support import Browser, SMTPServer, body_html, body_text, link_in
from web.ops import worker
from web.services import Services

API_TOKEN = "tester-token-0123456789"
EMAIL = "emilie@example.com"


def everything(services: Services) -> str:
    """Every value of every row of the database, as text."""
    with services.db.read() as session:
        return "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )


def wait_until_sent(services: Services, timeout: float = 15) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.db.read() as session:
            message = session.scalars(select(OutboxMessage)).one()
        if message.status == "sent":
            return message
        time.sleep(0.05)
    raise AssertionError("the message was not delivered")


@pytest.fixture
def delivering(make_app: Any, smtp_server: SMTPServer) -> Iterator[Flask]:
    smtp_server.messages.clear()
    app: Flask = make_app(SMTP_URL=smtp_server.url, API_TOKEN=API_TOKEN)
    background = worker(app, interval=0.2).start()
    yield app
    background.stop()


def test_a_delivered_message_keeps_no_link(delivering: Flask, smtp_server: SMTPServer) -> None:
    services: Services = delivering.extensions["moncompte"]
    browser = Browser(delivering)
    fill_details(browser.get("/fr/register"), EMAIL)
    mail = smtp_server.wait_for(EMAIL)[0]
    link = link_in(body_text(mail))
    token = link.rsplit("/", 1)[-1]
    assert token in body_html(mail)
    wait_until_sent(services)

    assert token not in everything(services)
    answer = delivering.test_client().get(
        f"/api/v1/outbox?to={EMAIL}", headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    [message] = (answer.json or {})["messages"]
    # What an agent needs is still there.
    assert message["to"] == EMAIL and message["kind"] == "steps/activation/email_link"
    assert message["subject"] == "Activez vos identifiants MINI pour commencer"
    assert message["status"] == "sent" and message["created_at"] and message["sent_at"]
    assert message["body"] == "" and message["extras"] == {}
    # The link itself still works: its hash is what the site keeps.
    activated = browser.get(link).form().submit()
    assert activated.status == 200 and "Votre MINI ID a été activé" in activated.text


def test_the_development_mailbox_shows_undelivered_messages(app: Flask) -> None:
    browser = Browser(app)
    fill_details(browser.get("/fr/register"), EMAIL)
    mailbox = browser.get("/dev/mailbox")
    assert mailbox.status == 200
    link = link_in(mailbox.text)
    assert link.startswith("/fr/register/link/")
    services: Services = app.extensions["moncompte"]
    with services.db.read() as session:
        message = session.scalars(select(OutboxMessage)).one()
    assert message.status == "held"
    html = browser.client.get(f"/dev/mailbox/{message.id}/body").get_data(as_text=True)
    assert link in html


def test_the_access_log_never_holds_a_token(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    browser = Browser(app)
    fill_details(browser.get("/fr/register"), EMAIL)
    link = link_in(browser.get("/dev/mailbox").text)
    token = link.rsplit("/", 1)[-1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            answer = requests.get(f"http://127.0.0.1:{server.server_port}{link}", timeout=10)
            missing = requests.get(
                f"http://127.0.0.1:{server.server_port}/en/password-reset/link/{token}x?a=1",
                timeout=10,
            )
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert answer.status_code == 200 and missing.status_code == 404
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(logged) == 2
    assert token not in caplog.text
    assert '"GET /fr/register/link/[token] HTTP/1.1" 200' in logged[0]
    assert "GET /en/password-reset/link/[token]?a=1 HTTP/1.1" in logged[1]
