"""«Fermer mon MINI ID» through the real forms; an agent reopening it within 30 days; what
is left of it after 30 days."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from flows.access import Principal
from flows.fields import Upload
from storage.contracts import Contract, Payment
from storage.messages import Attachment, Conversation
from storage.models import AuditRecord, FlowCount, Identity
from tests.factories import PDF, TESTER, contract, identity, payment, staff_member
from tests.functional.test_agents import agent, staff_signed_in
from tests.functional.test_sign_in import sign_in
from tests.functional.test_support_desk import action, events_offered
from tests.support import Browser, Page, identity_of, newest, own_form
from web.cli import main
from web.services import Services

EMAIL = "jean.t@example.com"
NEW_PASSWORD = "une autre saison sur la rive-sud"
WHY = {"reason": "The customer called and was verified by the phone script."}


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["moncompte"]
    return services


def jean(services: Services) -> int:
    """Jean, with a contract linked, a payment of record, and a message with a file."""
    who = identity(services, EMAIL)
    linked = contract(services, "PR-25-000001", identity_id=who)
    payment(services, linked, date(2026, 11, 15), 51237)
    engine = services.engine
    draft = engine.start("secure_message", by=TESTER, language="fr", customer_id=who)
    message = {
        "subject": "payments",
        "contract": linked,
        "body": "Ma question",
        "attachment": [Upload("releve.pdf", PDF)],
    }
    assert engine.send(draft.id, "submit", message, by=TESTER).ok
    return who


def close(browser: Browser) -> Page:
    return own_form(browser.get("/fr/profile/close")).fill(confirm="true").submit()


def test_closing_signs_out_everywhere_unlinks_the_contracts_and_tells_the_customer(
    app: Flask,
) -> None:
    services = services_of(app)
    who = jean(services)
    here, elsewhere = Browser(app), Browser(app)
    sign_in(here)
    sign_in(elsewhere)
    form = own_form(here.get("/fr/profile/close"))
    assert "current_password" not in form.fields  # typed a moment ago
    refused = form.submit()
    assert refused.field_errors == {
        "confirm": "Cochez la case pour confirmer que vous voulez fermer votre MINI ID."
    }
    done = own_form(here.get("/fr/profile/close")).fill(confirm="true").submit()
    assert done.h1 == "Votre MINI ID est fermé"

    assert identity_of(services, EMAIL).status == "closed"
    assert elsewhere.get("/fr/overview").path == "/fr/login"
    assert here.get("/fr/overview").path == "/fr/login"
    with services.db.read() as session:
        assert session.scalars(select(Contract).where(Contract.identity_id == who)).all() == []
    assert newest(services, EMAIL).subject == "Votre MINI ID est fermé"
    assert sign_in(Browser(app)).path.startswith("/fr/login")  # no sign-in any more


def test_an_agent_reopens_it_within_30_days_not_after(app: Flask) -> None:
    services = services_of(app)
    who = jean(services)
    agent_id = staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    agent = Principal.staff(agent_id, "agent")
    browser = Browser(app)
    sign_in(browser)
    close(browser)

    case = services.engine.start("customer_support", by=agent, language="fr", customer_id=who)
    disabled = services.engine.send(case.id, "disable", WHY, by=agent)
    assert disabled.errors == {"event": "is_closed"}  # disabling then enabling would reopen it
    services.clock.advance(timedelta(days=29))
    assert services.engine.send(case.id, "reopen", WHY, by=agent).ok
    assert identity_of(services, EMAIL).status == "active"
    assert newest(services, EMAIL).subject == "Votre MINI ID est de nouveau ouvert"
    assert "/login" not in sign_in(Browser(app)).path

    close(browser_signed_in(app))
    services.clock.advance(timedelta(days=30, seconds=1))
    late = services.engine.start("customer_support", by=agent, language="fr", customer_id=who)
    refused = services.engine.send(late.id, "reopen", WHY, by=agent)
    assert refused.errors == {"event": "closed_too_long"}


def browser_signed_in(app: Flask) -> Browser:
    browser = Browser(app)
    assert "/login" not in sign_in(browser).path
    return browser


def test_after_30_days_what_is_personal_goes_and_the_records_stay(app: Flask) -> None:
    services = services_of(app)
    who = jean(services)
    close(browser_signed_in(app))
    uploads = Path(app.config["UPLOAD_FOLDER"])
    with services.db.read() as session:
        [stored] = session.scalars(select(Attachment.storage_name)).all()
        audit_before = session.scalar(select(func.count()).select_from(AuditRecord))
        payments_before = session.scalar(select(func.count()).select_from(Payment))
    assert (uploads / "messages" / stored).exists()

    heatmap_before = heatmap(services)

    services.clock.advance(timedelta(days=29))
    assert sweep(app)["closed_mini_ids"] == 0  # not yet: an agent may reopen it
    services.clock.advance(timedelta(days=1, seconds=1))
    assert sweep(app)["closed_mini_ids"] == 1
    assert sweep(app)["closed_mini_ids"] == 0  # once

    with services.db.read() as session:
        person = session.get(Identity, who)
        assert person is not None and person.status == "anonymised"
        assert EMAIL not in person.email and person.first_name == person.last_name == ""
        assert session.scalars(select(Conversation)).all() == []
        kept = select(func.count()).select_from(AuditRecord).where(AuditRecord.flow != "retention")
        assert session.scalar(kept) == audit_before
        records = session.scalars(select(AuditRecord).where(AuditRecord.customer_id == who))
        assert all(r.data == {} for r in records)
        assert session.scalars(select(Contract)).one().number == "PR-25-000001"
        assert session.scalar(select(func.count()).select_from(Payment)) == payments_before
    assert not (uploads / "messages" / stored).exists()
    assert heatmap(services) == heatmap_before  # the analysts' counts stay true
    # The address is free again: its owner may register anew.
    page = Browser(app).get("/fr/register")
    assert page.status == 200


def sweep(app: Flask) -> dict[str, int]:
    """`moncompte retention sweep --json`, as an operator or the hourly worker runs it."""
    result = app.test_cli_runner().invoke(main, ["retention", "sweep", "--json"])
    assert result.exit_code == 0, result.output
    counts: dict[str, int] = json.loads(result.output)
    return counts


def heatmap(services: Services) -> list[tuple[Any, ...]]:
    """What the analysts' heatmaps read: audit records counted by the hour (the sweep's own
    record aside)."""
    with services.db.read() as session:
        rows = session.scalars(select(FlowCount).where(FlowCount.flow != "retention"))
        return sorted(
            (r.flow, r.hour, r.version, r.source, r.event, r.target, r.outcome, r.reason, r.count)
            for r in rows
        )


def test_an_agent_reopens_it_from_the_customers_page(app: Flask) -> None:
    services = services_of(app)
    who = jean(services)
    close(browser_signed_in(app))
    agent(services)
    desk = staff_signed_in(app)
    page = desk.get(f"/staff/customers/{who}")
    assert "reopen" in events_offered(page) and "disable" not in events_offered(page)
    done = action(page, "reopen").fill(reason="Appel du client, vérifié par le script.").submit()
    assert "reopen" not in events_offered(done)
    assert identity_of(services, EMAIL).status == "active"


def test_registering_a_closed_mini_ids_address_says_it_is_closed(app: Flask) -> None:
    services = services_of(app)
    jean(services)
    close(browser_signed_in(app))
    page = Browser(app).get("/fr/register")
    fields = {"first_name": "Jean", "last_name": "Tremblay", "email": EMAIL}
    own_form(page).fill(**fields, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD).submit()
    told = newest(services, EMAIL)
    assert told.subject == "Votre MINI ID est fermé" and told.kind == "registration/email_closed"
    assert identity_of(services, EMAIL).status == "closed"  # nothing changed


def test_resetting_a_closed_mini_ids_password_says_it_is_closed(app: Flask) -> None:
    services = services_of(app)
    jean(services)
    close(browser_signed_in(app))
    page = Browser(app).get("/en/password-reset")
    sent = page.form().fill(email=EMAIL).submit()
    assert sent.status == 200  # the same page as for any address
    told = newest(services, EMAIL)
    assert told.subject == "Your MINI ID is closed" and told.kind == "password_reset/email_closed"
    assert "/link/" not in told.body_text  # no link: its password cannot be changed
    assert identity_of(services, EMAIL).status == "closed"
