"""The mail server down for 60 s and the SMS gateway answering 500, then back: every
message is delivered once, each recipient's in the order they were written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.faults.conftest import MONCOMPTE, SECRET
from tests.support import SMSGateway, SMTPServer, TcpProxy, body_text
from web.services import Services

pytestmark = pytest.mark.faults
OUTAGE = 60.0  # seconds
PEOPLE = [("ana@example.com", "+15145550101"), ("ben@example.com", "+15145550102")]


def write(services: Services, count: int) -> None:
    """COUNT e-mails and COUNT text messages to each person, numbered, interleaved."""
    with services.db.write() as session:
        for n in range(count):
            for email, phone in PEOPLE:
                services.mailer.email(
                    session,
                    to=email,
                    template="registration/email_already",
                    language="fr",
                    values={"first_name": f"n{n:03d}", "login_url": "x", "reset_url": "y"},
                )
                services.mailer.sms(
                    session,
                    to=phone,
                    template="steps/device_code/sms_code",
                    language="fr",
                    values={"code": f"{n:06d}"},
                )


@pytest.mark.timeout(600)
def test_an_outage_of_mail_and_sms_loses_nothing_and_sends_nothing_twice(
    postgres_url: str, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    smtp_server.messages.clear()
    relay = TcpProxy("127.0.0.1", smtp_server.port)  # the mail server, as the site reaches it
    gateway = SMSGateway()
    gateway.start()
    services = Services.build(
        postgres_url, hold_mail=False, base_url=lambda: "http://x/", uploads=tmp_path / "u"
    )
    gateway.failing_until = time.monotonic() + OUTAGE  # both down from the start
    delivery = subprocess.Popen(  # noqa: S603 - our own command
        [str(MONCOMPTE), "outbox", "work", "--interval", "0.5"],
        cwd=tmp_path,
        env={
            **os.environ,
            "MONCOMPTE_DATABASE_URL": postgres_url,
            "MONCOMPTE_SMTP_URL": f"smtp://127.0.0.1:{relay.port}",
            "MONCOMPTE_SMS_WEBHOOK_URL": gateway.url,
            "MONCOMPTE_SECRET_KEY": SECRET,
            "MONCOMPTE_BASE_URL": "https://moncompte.example",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        write(services, 5)
        time.sleep(OUTAGE)
        relay.start()  # back
        smtp_server.wait_for("ana@example.com", count=5, timeout=240)
        smtp_server.wait_for("ben@example.com", count=5, timeout=60)
        for _email, phone in PEOPLE:
            gateway.wait_for(phone, count=5, timeout=120)
        time.sleep(2)  # anything sent twice would be here by now
    finally:
        delivery.send_signal(signal.SIGTERM)
        delivery.wait(timeout=30)
        relay.stop()
        gateway.stop()
    with services.db.read() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    services.db.dispose()
    assert statuses == {"sent"}
    ids = [str(m["Message-ID"]) for m in smtp_server.messages]
    assert len(ids) == 10 and len(set(ids)) == 10
    for email, phone in PEOPLE:
        mails = [m for m in smtp_server.messages if str(m["To"]) == email]
        numbers = [int(re.search(r"\bn(\d{3})\b", body_text(m)).group(1)) for m in mails]  # type: ignore[union-attr]
        assert numbers == [0, 1, 2, 3, 4]
        texts = [m["body"] for m in gateway.messages if m["to"] == phone]
        assert [int(re.search(r"\d{6}", t).group(0)) for t in texts] == [0, 1, 2, 3, 4]  # type: ignore[union-attr]
