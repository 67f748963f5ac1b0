"""E-mails rendered in the customer's language and written to the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from storage.identities import email_key
from storage.models import OutboxMessage
from web.i18n import LOCALES

# What a tester may read back from the outbox to finish a procedure.
EXTRAS = ("link", "code")


class TemplateMailer:
    """Each e-mail is two templates: NAME.txt (blocks subject and text) and NAME.html."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake: list[Any] = []  # callables run after a commit that queued mail

    def email(
        self,
        session: Session,
        *,
        to: str,
        template: str,
        language: str,
        values: Mapping[str, Any],
        instance_id: str | None = None,
    ) -> None:
        subject, text, html = self.render(template, language, values)
        session.add(
            OutboxMessage(
                channel="email",
                recipient=to,
                recipient_key=email_key(to),
                kind=template,
                language=language,
                subject=subject,
                body_text=text,
                body_html=html,
                extras={k: values[k] for k in EXTRAS if k in values},
                instance_id=instance_id,
                # Without SMTP, mail stays in the development mailbox and is never sent.
                status="pending" if self.app.config["SMTP_URL"] else "held",
            )
        )
        for callback in self.wake:
            event.listen(session, "after_commit", lambda _s, cb=callback: cb(), once=True)

    def render(
        self, template: str, language: str, values: Mapping[str, Any]
    ) -> tuple[str, str, str]:
        with self.app.app_context(), force_locale(LOCALES[language]):
            plain = self.app.jinja_env.get_template(f"{template}.txt")
            context = plain.new_context({**values, "lang": language})
            subject = " ".join("".join(plain.blocks["subject"](context)).split())
            text = "".join(plain.blocks["text"](context)).strip() + "\n"
            html = self.app.jinja_env.get_template(f"{template}.html").render(
                **values, lang=language, subject=subject
            )
        return subject, text, html
