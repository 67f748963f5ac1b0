"""Delivering the outbox: SMTP for e-mail, an HTTP webhook for SMS, with retries.

A message is claimed before it is sent, so two processes never send it twice; a
failure puts it back with a growing delay. Without MONCOMPTE_SMTP_URL nothing is sent:
the development mailbox (web.ops, /dev/mailbox) shows the messages; so it does the text
messages without MONCOMPTE_SMS_WEBHOOK_URL.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from flows.accounts import sessions
from storage import outbox
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from flows.services import Services

log = logging.getLogger(__name__)


def deliver_due(services: Services, config: Mapping[str, Any]) -> tuple[int, int]:
    """Send what waits; returns (sent, failed attempts)."""
    sent = failed = 0
    with services.db.write() as session:
        claimed = outbox.claim_due(session, services.clock())
    for message_id in claimed:
        with services.db.read() as session:
            message = session.get(OutboxMessage, message_id)
        assert message is not None
        try:
            _send(message, config)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            failed += 1
            log.warning("outbox %s: delivery failed: %s", message_id, exc)
            with services.db.write() as session:
                row = session.get(OutboxMessage, message_id)
                assert row is not None
                outbox.failed(session, row, services.clock(), str(exc))
            continue
        with services.db.write() as session:
            outbox.delivered(session, message_id, services.clock())
        sent += 1
    return sent, failed


def _send(message: OutboxMessage, config: Mapping[str, Any]) -> None:
    if message.channel == "sms":
        _post_sms(message, str(config["SMS_WEBHOOK_URL"] or ""))
    else:
        _smtp(message, str(config["SMTP_URL"] or ""), str(config["MAIL_FROM"]))


def _smtp(message: OutboxMessage, url: str, sender: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+starttls", "smtps"} or not parts.hostname:
        raise ValueError(f"MONCOMPTE_SMTP_URL must be smtp://host:port, not {parts.scheme!r}")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    # One Message-ID per outbox row: should a delivery be retried after the server took
    # it (a crash before it was marked sent), the receiving side sees the same message.
    domain = sender.rpartition("@")[2].rstrip(">") or "moncompte.invalid"
    mail["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with client_class(parts.hostname, parts.port or 25, timeout=30) as client:
        if parts.scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(mail)


def _post_sms(message: OutboxMessage, url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError("MONCOMPTE_SMS_WEBHOOK_URL is not set")
    body = json.dumps({"to": message.recipient, "body": message.body_text}).encode()
    request_ = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request_, timeout=30) as answer:  # noqa: S310
        if answer.status >= 300:
            raise OSError(f"SMS gateway answered {answer.status}")


class Worker:
    """Delivers in the background, expires overdue instances and ended sessions.

    CONFIG holds SMTP_URL, SMS_WEBHOOK_URL, MAIL_FROM and DELIVERY. With
    MONCOMPTE_DELIVERY=worker the web processes leave delivery to the
    `moncompte outbox work` processes (DELIVERS=True there) and only sweep.
    """

    def __init__(
        self,
        services: Services,
        config: Mapping[str, Any],
        interval: float = 5.0,
        *,
        delivers: bool | None = None,
    ) -> None:
        self.services = services
        self.config = config
        self.interval = interval
        self.delivers = config["DELIVERY"] != "worker" if delivers is None else delivers
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> Worker:
        self.services.mailer.wake.append(self._wake.set)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        services, config = self.services, self.config
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                if self.delivers and (config["SMTP_URL"] or config["SMS_WEBHOOK_URL"]):
                    deliver_due(services, config)
                services.engine.sweep()
                with services.db.write() as session:
                    sessions.sweep(session, services.clock())
            except Exception:  # the worker must outlive a database hiccup
                log.exception("background delivery failed; retrying")
