"""`moncompte demo load`: customers who can sign in and see their contracts right away."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from flows import demo
from storage.contracts import Contract, Document, Payment
from storage.models import FlowInstance, Identity
from tests.functional.test_cli import run
from tests.functional.test_sign_in import sign_in
from tests.functional.test_staff import form as staff_form
from tests.functional.test_staff_second_factor import enrol
from tests.support import Browser, code_in, newest
from tests.support import own_form as form
from web.services import Services


def counts(services: Services) -> list[int]:
    with services.db.read() as session:
        return [
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Identity, Contract, Payment, Document)
        ]


def test_demo_load_twice_adds_nothing_the_second_time(
    app: Flask, services: Services, uploads: Path
) -> None:
    code, output = run(app, "demo", "load")
    assert code == 0
    assert "Demo data loaded (4 new contract(s), 0 updated)." in output
    assert f"emilie.gagnon@example.com  password: {demo.PASSWORD}" in output
    first = counts(services)
    assert first[0] == 3 and first[1] == 4 and first[2] >= 20 and first[3] == 12
    assert len(list(uploads.iterdir())) == 12
    conversations = waiting_and_answered(services)
    assert conversations == {"waiting": 2, "answered": 1}
    assert f"{demo.AGENT}, same password" in output
    assert "scan it with an authenticator app (or type the key shown into one)" in output
    code, output = run(app, "demo", "load")
    assert code == 0 and "(0 new contract(s), 4 updated)" in output
    assert counts(services) == first
    assert waiting_and_answered(services) == conversations


def waiting_and_answered(services: Services) -> dict[str, int]:
    with services.db.read() as session:
        rows = session.execute(
            select(FlowInstance.state, func.count())
            .where(FlowInstance.flow == "conversation")
            .group_by(FlowInstance.state)
        )
        return {state: count for state, count in rows}


def test_the_demo_has_conversations_to_read_and_to_answer(app: Flask) -> None:
    run(app, "demo", "load")
    inbox = sign_in(Browser(app), demo.EMILIE.email, demo.PASSWORD)
    inbox = inbox.browser.get("/fr/messages")
    assert "1 nouvelle réponse" in inbox.text and "Fin de location" in inbox.text
    staff = Browser(app)
    login = staff.get("/staff/login")
    typed = staff_form(login, "/staff/login").fill(email=demo.AGENT, password=demo.PASSWORD)
    codes = enrol(typed.submit())  # the demo agent sets up an authenticator, as anyone
    staff_form(codes, "/staff/login/continue").submit()
    queue = staff.get("/staff/messages")
    assert len(queue.soup.select("table tbody tr")) == 2


def test_a_demo_customer_signs_in_and_sees_the_overview(app: Flask) -> None:
    run(app, "demo", "load")
    browser = Browser(app)
    page = sign_in(browser, demo.EMILIE.email, demo.PASSWORD)
    assert page.path == "/fr/overview" and "Bonjour Émilie." in page.text
    assert len(page.soup.select(".contract")) == 2
    assert "Prêt · Contrat PR-23-048173" in page.text and "Location" in page.text
    statement = page.soup.select_one("table.documents a")
    assert statement is not None
    download = browser.client.get(str(statement["href"]))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")

    english = sign_in(Browser(app), demo.DAVID.email, demo.PASSWORD, "en")
    assert "Returned" in english.text and "Lease · Contract LO-25-027716" in english.text
    waiting = sign_in(Browser(app), demo.SOPHIE.email, demo.PASSWORD)
    assert "Associez votre compte" in waiting.text and not waiting.soup.select(".contract")


def test_sophie_links_her_loan_with_what_the_demo_prints(app: Flask, services: Services) -> None:
    code, output = run(app, "demo", "load")
    assert code == 0
    [loan] = [c for c in demo.CONTRACTS if c.holder == demo.SOPHIE]
    vin, amount, customer_number = demo.to_link(loan)
    assert f"VIN {vin} and the last payment {amount} $, or the customer ID {customer_number}" in (
        output
    )
    browser = Browser(app)
    page = sign_in(browser, demo.SOPHIE.email, demo.PASSWORD, remembered=False)
    assert page.path == "/fr/link-account"
    page = (
        form(page)
        .fill(first_name="Sophie", last_name="Tremblay", method="vin")
        .fill(vin=vin, last_payment_amount=amount)
        .submit()
    )
    page = form(page).fill(channel="sms").submit()
    assert "•••-•••-0117" in page.text
    sms = newest(services, demo.SOPHIE.phone)
    page = form(page).fill(code=code_in(sms.body_text)).submit()
    assert "Vos comptes des Services financiers MINI ont été ajoutés" in page.text
    overview = browser.get("/fr/overview")
    assert "Prêt · Contrat PR-22-061530" in overview.text
