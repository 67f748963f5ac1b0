"""E-mails and text messages rendered in the customer's language, written to the outbox.

The mailer needs no web application: its own Jinja environment per language, over the
same templates and catalogs as the pages (each procedure's under web/templates/NAME/),
so the engine runs (and its models are tested) without a web app around it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import event
from sqlalchemy.orm import Session

from flows import formatting
from flows.i18n import CATALOGS, LOCALES
from storage.identities import email_key
from storage.models import OutboxMessage

# Where the templates are: e-mails beside the pages of their procedure.
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# What a tester may read back from the outbox to finish a procedure.
EXTRAS = ("link", "code")


def translations(language: str, catalogs: Path = CATALOGS) -> Translations:
    """The catalog of LANGUAGE, compiled in memory from its .po file."""
    with (catalogs / LOCALES[language] / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def environment(
    language: str, templates: Sequence[Path] = (TEMPLATES,), support_phone: str = ""
) -> Environment:
    env = Environment(
        loader=FileSystemLoader(list(templates)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    for name in ("money", "day", "number", "rate", "moment"):
        env.filters[name] = partial(getattr(formatting, name), lang=language)
    env.globals["support_phone"] = formatting.phone(support_phone, language)
    return env


class TemplateMailer:
    """Each e-mail is two templates: NAME.txt (blocks subject and text) and NAME.html."""

    def __init__(
        self,
        *,
        hold: bool,
        templates: Sequence[Path] = (TEMPLATES,),
        hold_sms: bool | None = None,
        support_phone: str = "",
    ) -> None:
        # Without SMTP, mail stays in the development mailbox and is never sent; without
        # an SMS gateway, so do text messages.
        self.hold = hold
        self.hold_sms = hold if hold_sms is None else hold_sms
        self.environments = {lang: environment(lang, templates, support_phone) for lang in LOCALES}
        self.wake: list[Callable[[], None]] = []  # run after a commit that queued mail

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
                status="held" if self.hold else "pending",
            )
        )
        self._wake_after(session)

    def sms(
        self,
        session: Session,
        *,
        to: str,
        template: str,
        language: str,
        values: Mapping[str, Any],
        instance_id: str | None = None,
    ) -> None:
        """A text message: TEMPLATE.txt's ``text`` block, one short paragraph."""
        env = self.environments[language]
        plain = env.get_template(f"{template}.txt")
        context = plain.new_context({**values, "lang": language})
        text = " ".join("".join(plain.blocks["text"](context)).split())
        session.add(
            OutboxMessage(
                channel="sms",
                recipient=to,
                recipient_key=email_key(to),
                kind=template,
                language=language,
                subject="",
                body_text=text,
                body_html=None,
                extras={k: values[k] for k in EXTRAS if k in values},
                instance_id=instance_id,
                status="held" if self.hold_sms else "pending",
            )
        )
        self._wake_after(session)

    def _wake_after(self, session: Session) -> None:
        for callback in self.wake:
            event.listen(session, "after_commit", lambda _s, cb=callback: cb(), once=True)

    def render(
        self, template: str, language: str, values: Mapping[str, Any]
    ) -> tuple[str, str, str]:
        env = self.environments[language]
        plain = env.get_template(f"{template}.txt")
        context = plain.new_context({**values, "lang": language})
        subject = " ".join("".join(plain.blocks["subject"](context)).split())
        text = "".join(plain.blocks["text"](context)).strip() + "\n"
        html = env.get_template(f"{template}.html").render(**values, lang=language, subject=subject)
        return subject, text, html
