"""Delivering the outbox: each message once, each recipient's in order, through failures,
by several delivery processes at once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from flows.outbox.delivery import deliver_due
from storage import outbox
from storage.models import OutboxMessage
from tests.support import SMTPServer
from web.services import Services

MONCOMPTE = Path(sys.executable).parent / "moncompte"
RECIPIENTS = ["ana@example.com", "ben@example.com", "chloe@example.com"]


def write_mail(services: Services, count: int) -> None:
    """COUNT e-mails, round-robin over the recipients, numbered in their subject's text."""
    with services.db.write() as session:
        for n in range(count):
            services.mailer.email(
                session,
                to=RECIPIENTS[n % len(RECIPIENTS)],
                template="registration/email_already",
                language="fr",
                values={"first_name": f"n{n:03d}", "login_url": "x", "reset_url": "y"},
            )


def numbers(server: SMTPServer, to: str) -> list[int]:
    """The numbers of the messages TO received, in the order they arrived."""
    found = []
    for message in server.messages:
        if str(message["To"]) == to:
            body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
            match = re.search(r"\bn(\d{3})\b", str(body.get_content()))
            assert match, "the message names its number"
            found.append(int(match.group(1)))
    return found


def test_a_recipients_messages_wait_behind_one_that_failed(
    make_app: Any, smtp_server: SMTPServer
) -> None:
    app: Flask = make_app(SMTP_URL=smtp_server.url)
    services: Services = app.extensions["moncompte"]
    write_mail(services, 6)  # 0, 3 to ana; 1, 4 to ben; 2, 5 to chloe
    with services.db.write() as session:
        claimed = outbox.claim_due(session, services.clock())
    assert len(claimed) == 3  # the oldest of each recipient only
    with services.db.write() as session:
        first = session.get(OutboxMessage, claimed[0])
        assert first is not None
        outbox.failed(session, first, services.clock(), "the server said no")
        for other in claimed[1:]:
            outbox.delivered(session, other, services.clock())
    with services.db.write() as session:
        again = outbox.claim_due(session, services.clock())
    assert len(again) == 2  # ben's and chloe's second; ana's second waits behind her first
    with services.db.write() as session:
        for done in again:
            outbox.delivered(session, done, services.clock())
        assert outbox.claim_due(session, services.clock()) == []
    services.clock.advance(timedelta(seconds=31))  # the retry is due
    smtp_server.messages.clear()
    assert deliver_due(services, dict(app.config)) == (1, 0)
    assert deliver_due(services, dict(app.config)) == (1, 0)
    assert numbers(smtp_server, "ana@example.com") == [0, 3]


def test_smtp_down_then_back_delivers_each_message_once_in_order(
    make_app: Any, smtp_server: SMTPServer
) -> None:
    down = "smtp://127.0.0.1:1"  # nothing listens there
    app: Flask = make_app(SMTP_URL=down)
    services: Services = app.extensions["moncompte"]
    write_mail(services, 9)
    for _ in range(3):  # the server stays down a while: every try fails
        deliver_due(services, dict(app.config))
        services.clock.advance(timedelta(seconds=61))
    with services.db.read() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {"pending"}
    smtp_server.messages.clear()
    config = {**app.config, "SMTP_URL": smtp_server.url}
    for _ in range(10):
        deliver_due(services, config)
        services.clock.advance(timedelta(minutes=5))
    ids = [str(m["Message-ID"]) for m in smtp_server.messages]
    assert len(ids) == 9 and len(set(ids)) == 9
    # Keyed: a Message-ID tells no count of the messages sent before it.
    assert all(re.fullmatch(r"<[0-9a-f]{32}@[^>]+>", i.strip()) for i in ids), ids
    assert {str(m["Content-Language"]) for m in smtp_server.messages} <= {"fr-CA", "en-CA"}
    for n, to in enumerate(RECIPIENTS):
        assert numbers(smtp_server, to) == [n, n + 3, n + 6]


def test_two_delivery_processes_share_the_work_and_send_nothing_twice(
    make_app: Any, database_url: str, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    app: Flask = make_app(SMTP_URL=smtp_server.url)
    services: Services = app.extensions["moncompte"]
    write_mail(services, 60)
    smtp_server.messages.clear()
    env = {
        **os.environ,
        "MONCOMPTE_DATABASE_URL": database_url,
        "MONCOMPTE_SMTP_URL": smtp_server.url,
        "MONCOMPTE_SECRET_KEY": "test-secret-key",
    }
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command
            [str(MONCOMPTE), "outbox", "work", "--interval", "0.1"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        smtp_server.wait_for("@example.com", count=60, timeout=90)
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.wait(timeout=30) == 0, worker.stderr.read() if worker.stderr else ""
    ids = [str(m["Message-ID"]) for m in smtp_server.messages]
    assert len(ids) == 60 and len(set(ids)) == 60
    for n, to in enumerate(RECIPIENTS):
        assert numbers(smtp_server, to) == list(range(n, 60, 3))
    with services.db.read() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_message_given_up_on_keeps_no_link_or_code(make_app: Any) -> None:
    app: Flask = make_app(SMTP_URL="smtp://127.0.0.1:1")  # nothing listens there
    services: Services = app.extensions["moncompte"]
    with services.db.write() as session:
        services.mailer.email(
            session,
            to="ana@example.com",
            template="steps/activation/email_link",
            language="fr",
            values={"first_name": "Ana", "link": "https://x/fr/register/link/s3cr3t"},
        )
    for _ in range(outbox.MAX_ATTEMPTS):
        deliver_due(services, dict(app.config))
        services.clock.advance(timedelta(hours=2))
    with services.db.read() as session:
        [message] = session.scalars(select(OutboxMessage))
    assert message.status == "failed" and message.last_error
    assert (message.body_text, message.body_html, message.extras) == ("", None, {})
    assert message.subject == "Activez vos identifiants MINI pour commencer"  # what agents see
