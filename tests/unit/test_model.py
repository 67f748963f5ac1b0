"""What every model gets from FlowModel: addresses built from routes, e-mails to the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.model import FlowModel, StepContext
from storage.models import OutboxMessage
from tests.factories import TESTER
from web.services import Services


def model(services: Services, session: Session, language: str = "fr") -> FlowModel:
    ctx = StepContext(
        session=session,
        now=services.clock(),
        instance_id="0123abcd",
        language=language,
        customer_id=None,
        mailer=services.mailer,
        base_url="https://moncompte.example/",
        principal=TESTER,
        route="register",
        routes=services.registry.routes,
    )
    return FlowModel(ctx, {}, "details")


def test_addresses_name_procedures_and_pages_never_paths(services: Services) -> None:
    with services.db.read() as session:
        m = model(services, session)
        assert m.url("sign_in") == "https://moncompte.example/fr/login"
        assert (
            m.url("password_reset", language="en") == "https://moncompte.example/en/password-reset"
        )
        assert m.url("overview") == "https://moncompte.example/fr/overview"
        assert m.url(link="T0k3n") == "https://moncompte.example/fr/register/link/T0k3n"
        assert m.url() == "https://moncompte.example/fr/register/0123abcd"


def test_mail_goes_to_the_outbox_in_the_steps_transaction(services: Services) -> None:
    with services.db.write() as session:
        m = model(services, session, language="en")
        values = {"first_name": "Luc", "login_url": m.url("sign_in"), "reset_url": "x"}
        m.mail("registration/email_already", "luc@example.com", values)
    with services.db.read() as session:
        [mail] = session.scalars(select(OutboxMessage)).all()
    assert (mail.recipient, mail.language, mail.instance_id) == (
        "luc@example.com",
        "en",
        "0123abcd",
    )
    assert mail.subject == "You already have a MINI ID"
    assert "https://moncompte.example/en/login" in mail.body_text


def test_text_messages_go_to_the_outbox_in_the_steps_transaction(services: Services) -> None:
    with services.db.write() as session:
        m = model(services, session, language="en")
        m.sms("steps/device_code/sms_code", "+15145550142", {"code": "123456"})
    with services.db.read() as session:
        [sms] = session.scalars(select(OutboxMessage)).all()
    assert (sms.channel, sms.recipient, sms.subject, sms.body_html) == (
        "sms",
        "+15145550142",
        "",
        None,
    )
    assert sms.body_text == (
        "Mon Compte MINI: your code is 123456. It works once, for 10 minutes. "
        "Never give it to anyone."
    )
    assert sms.extras == {"code": "123456"} and sms.status == "held"  # no gateway here
