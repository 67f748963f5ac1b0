"""Delivering the outbox: SMTP for e-mail, an HTTP webhook for SMS, with retries.

A message is claimed before it is sent, so two processes never send it twice; a
failure puts it back with a growing delay. Without MONCOMPTE_SMTP_URL nothing is sent:
the development mailbox (web.ops, /dev/mailbox) shows the messages; so it does the text
messages without MONCOMPTE_SMS_WEBHOOK_URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import threading
import time
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from flows import retention
from flows.accounts import export, sessions
from storage import outbox
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from flows.services import Services

log = logging.getLogger(__name__)

# The retention schedule counts in days: once an hour in each delivering process is soon
# enough. The first run waits a few minutes, so a deploy's restarts do not all sweep at once.
RETENTION_EVERY = 3600.0  # seconds
RETENTION_FIRST = 300.0  # seconds after the worker starts


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
            _send(message, config, services.engine.secret)
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


def _send(message: OutboxMessage, config: Mapping[str, Any], secret: bytes) -> None:
    if message.channel == "sms":
        _post_sms(message, str(config["SMS_WEBHOOK_URL"] or ""))
    else:
        _smtp(message, str(config["SMTP_URL"] or ""), str(config["MAIL_FROM"]), secret)


def message_id(message: OutboxMessage, domain: str, secret: bytes) -> str:
    """The Message-ID of an outbox row: the same at each try (should a delivery be retried
    after the server took it, the receiving side sees the same message), and keyed, so it
    tells nobody how many messages were sent before it."""
    digest = hmac.new(secret, f"outbox {message.id}".encode(), hashlib.sha256).hexdigest()
    return f"<{digest[:32]}@{domain}>"


def _smtp(message: OutboxMessage, url: str, sender: str, secret: bytes) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+starttls", "smtps"} or not parts.hostname:
        raise ValueError(f"MONCOMPTE_SMTP_URL must be smtp://host:port, not {parts.scheme!r}")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    domain = sender.rpartition("@")[2].rstrip(">") or "moncompte.invalid"
    mail["Message-ID"] = message_id(message, domain, secret)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    # After the content (setting it drops Content-* headers): fr-CA, en-CA.
    mail["Content-Language"] = f"{message.language}-CA"
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
    """Delivers in the background, expires overdue instances and ended sessions; where it
    delivers, also prepares the data archives asked for and applies the retention schedule
    once an hour (flows.retention).

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
        # When this process next applies the retention schedule (time.monotonic()).
        self.retention_due = time.monotonic() + RETENTION_FIRST
        self._retention: threading.Thread | None = None

    def start(self) -> Worker:
        self.services.mailer.wake.append(self._wake.set)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        if self._retention is not None:
            self._retention.join(timeout=10)

    def _run(self) -> None:
        services, config = self.services, self.config
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                if self.delivers and (config["SMTP_URL"] or config["SMS_WEBHOOK_URL"]):
                    deliver_due(services, config)
                services.engine.sweep()
                if self.delivers:  # the archives customers asked for («Download my data»)
                    export.prepare_due(services)
                with services.db.write() as session:
                    sessions.sweep(session, services.clock())
            except Exception:  # the worker must outlive a database hiccup
                log.exception("background delivery failed; retrying")
            self._retain()

    def _retain(self) -> None:
        """Start the retention sweep when it is due, in a thread of its own: a long sweep
        holds back no e-mail. Only where this worker delivers; one run at a time."""
        if not self.delivers or time.monotonic() < self.retention_due:
            return
        if self._retention is not None and self._retention.is_alive():
            return
        self.retention_due = time.monotonic() + RETENTION_EVERY
        self._retention = threading.Thread(target=self._sweep, name="retention", daemon=True)
        self._retention.start()

    def _sweep(self) -> None:
        services = self.services
        try:
            retention.sweep(
                services.db, services.clock(), services.engine.uploads, stopping=self._stop.is_set
            )
        except Exception:  # logged, and tried again in an hour: the worker goes on
            log.exception("retention sweep failed; trying again in an hour")
