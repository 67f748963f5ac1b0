"""The support desk: an agent finds the customer who calls and helps them; analysts read.

Through the real pages, as an agent and an analyst would use them, with the customer's
own pages on the other side; the same actions through the testers' API and the command
line; refusals for those who may not; nothing secret on a staff page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from flows.access import Principal
from storage.models import AuditRecord, Identity, StaffAccess
from tests.factories import PASSWORD, contract, identity, staff_member
from tests.functional.test_agents import AGENT, agent, staff_signed_in
from tests.functional.test_flows_cli import run
from tests.functional.test_sign_in import sign_in
from tests.paths.account_association import number_of, vin_of
from tests.support import Browser, Page, link_in, outbox, token_of
from tests.support import own_form as form
from web.services import Services

ANALYST = "analyste@servicesfinanciersmini.ca"
EMAIL = "marie.tremblay@example.com"
REASON = "Appel de la cliente, vérifiée par le script."


@pytest.fixture
def marie(services: Services) -> int:
    """Marie's MINI ID and her loan of record, not linked yet."""
    person = identity(services, EMAIL, first_name="Marie", last_name="Tremblay")
    contract(
        services, "PR-25-000101", vin=vin_of(person), customer_number=number_of(person),
        first_name="Marie", last_name="Tremblay",
    )  # fmt: skip
    return person


def locked_out(app: Flask, lang: str = "fr") -> Page:
    """Marie types a customer number that is not hers three times: association locks."""
    browser = Browser(app)
    page = sign_in(browser, EMAIL, lang=lang, remembered=False)
    for _ in range(3):
        page = (
            form(page)
            .fill(
                method="customer_number",
                first_name="marie",
                last_name="tremblay",
                customer_number="NOT-HER-NUMBER",
            )
            .submit()
        )
    return page


def action(page: Page, event: str) -> Any:
    """The form on a customer's page that sends EVENT."""
    for index, element in enumerate(
        f for f in page.soup.find_all("form") if str(f.get("method")).lower() == "post"
    ):
        hidden = element.find("input", attrs={"name": "event"})
        if hidden is not None and hidden.get("value") == event:
            return page.form(index)
    raise AssertionError(f"no form for {event!r} on {page.path}")


def events_offered(page: Page) -> set[str]:
    return {str(i.get("value")) for i in page.soup.select("form input[name=event]")}


def test_the_locked_page_gives_when_it_reopens_the_number_and_a_case_reference(
    app: Flask, marie: int
) -> None:
    page = locked_out(app)
    assert page.h1 == "Nous n'avons pas pu vérifier votre identité"
    phone = page.soup.select_one('a[href^="tel:"]')
    assert phone is not None and phone["href"] == "tel:+18665550164"
    assert phone.get_text() == "1 866 555-0164"
    assert "Vous pourrez réessayer à partir du" in page.text
    assert "du lundi au vendredi de 8 h à 20 h" in page.text
    reference = page.soup.select_one(".reference")
    assert reference is not None and re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", reference.get_text())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_agent_finds_her_by_the_case_reference_and_lifts_the_lock(
    app: Flask, services: Services, marie: int, lang: str
) -> None:
    reference = locked_out(app, lang).soup.select_one(".reference")
    assert reference is not None
    agent(services)
    desk = staff_signed_in(app, lang=lang)
    found = desk.get(f"/staff/customers?q={reference.get_text().lower()}")
    [row] = found.soup.select("tbody tr")
    words = " ".join(row.get_text(" ").split())
    assert "Marie Tremblay" in words and "m•••@example.com" in words and EMAIL not in words
    link = row.select_one("a")
    assert link is not None
    page = desk.get(str(link["href"]))
    assert page.h1 == "Marie Tremblay"
    locked = "Vérification bloquée" if lang == "fr" else "Verification locked"
    [association] = [d for d in page.soup.select("details.procedure") if locked in d.get_text()]
    # The diagram, where it stands; each drawing's ids its own (the page shows several).
    assert association.select_one("[id$='-state-locked']") is not None
    ids = [str(tag["id"]) for tag in page.soup.select("[id]")]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    refused = "Refusé" if lang == "fr" else "Refused"
    rows = [" ".join(r.get_text(" ").split()) for r in association.select("tbody tr")]
    assert len([r for r in rows if refused in r]) == 2 and locked in rows[-1]  # the third locks

    # A reason is required; then the lock is lifted and Marie is told.
    page = action(page, "lift_lock").submit()
    assert page.field_errors == {
        "reason": "Ce champ est obligatoire." if lang == "fr" else "This field is required."
    }
    page = action(page, "lift_lock").fill(reason=REASON).submit()
    done = "Fait" if lang == "fr" else "Done"
    assert page.notices[0].startswith(done) and "lift_lock" not in events_offered(page)
    [told] = outbox(services, EMAIL)
    assert told.kind == "customer_support/email_change"

    # Marie links her contract now; the trail names the agent and the reason.
    browser = Browser(app)
    page = sign_in(browser, EMAIL, lang=lang, remembered=False)
    page = (
        form(page)
        .fill(
            method="customer_number",
            first_name="Marie",
            last_name="Tremblay",
            customer_number=number_of(marie),
        )
        .submit()
    )
    assert "channel" in form(page).fields
    with services.db.read() as session:
        lifted = session.scalar(
            select(AuditRecord).where(
                AuditRecord.event == "lift_lock", AuditRecord.outcome == "taken"
            )
        )
    assert lifted is not None and lifted.outcome == "taken"
    assert lifted.actor.startswith("staff:") and lifted.data == {"reason": REASON}


def test_search_tells_two_namesakes_apart_and_finds_by_contract_vin_and_number(
    app: Flask, services: Services, marie: int
) -> None:
    other = identity(services, "m.tremblay@example.org", first_name="Marie", last_name="Tremblay")
    contract(
        services, "LO-25-000202", kind="lease", vin=vin_of(other), customer_number=number_of(other)
    )
    with services.db.write() as session:
        from storage.contracts import Contract

        for row in session.scalars(select(Contract)):
            row.identity_id = marie if row.number == "PR-25-000101" else other
    staff_member(services, ANALYST)
    desk = staff_signed_in(app, ANALYST)
    rows = desk.get("/staff/customers?q=marie tremblay").soup.select("tbody tr")
    shown = [" ".join(r.get_text(" ").split()) for r in rows]
    assert len(shown) == 2 and shown[0] != shown[1]
    assert any("…0101" in s for s in shown) and any("…0202" in s for s in shown)
    for query, who in (
        ("PR-25-000101", marie),
        (number_of(other), other),
        (vin_of(other)[-6:], other),
        ("m.tremblay@example", other),
    ):
        page = desk.get(f"/staff/customers?q={query}")
        links = [a["href"] for a in page.soup.select("tbody a")]
        assert links == [f"/staff/customers/{who}"], query
    nothing = desk.get("/staff/customers?q=nobody+at+all")
    assert nothing.status == 200 and not nothing.soup.select("tbody tr")
    assert "Aucun client ne correspond" in nothing.text


def test_an_analyst_reads_the_page_acts_on_nothing_and_every_read_is_kept(
    app: Flask, services: Services, marie: int
) -> None:
    locked_out(app)
    staff_member(services, ANALYST)
    desk = staff_signed_in(app, ANALYST)
    page = desk.get(f"/staff/customers/{marie}")
    assert page.h1 == "Marie Tremblay" and events_offered(page) == set()
    token = desk.get("/staff/customers").form(0).values["csrf_token"]
    forged = {"csrf_token": token, "event": "lift_lock", "reason": REASON}
    assert desk.client.post(f"/staff/customers/{marie}", data=forged).status_code == 403
    with services.db.read() as session:
        reads = list(session.scalars(select(StaffAccess).where(StaffAccess.event == "read")))
    assert [r.subject for r in reads] == [f"customer:{marie}"]
    trail = desk.get("/staff/trail/access")
    assert f"customer:{marie}" in trail.text


def test_customers_and_visitors_do_not_see_the_desk(app: Flask, marie: int) -> None:
    browser = Browser(app)
    assert browser.get("/staff/customers?q=marie").status == 404
    sign_in(browser, EMAIL)
    assert browser.get(f"/staff/customers/{marie}").status == 404


def test_a_new_activation_email_stops_the_old_link(app: Flask, services: Services) -> None:
    browser = Browser(app)
    page = browser.get("/fr/register").form()
    page.fill(first_name="Luc", last_name="Roy", email="luc@example.com",
              password=PASSWORD, password_confirm=PASSWORD).submit()  # fmt: skip
    first = link_in(outbox(services, "luc@example.com")[-1].body_text)
    with services.db.read() as session:
        luc = session.scalar(select(Identity.id).where(Identity.email_key == "luc@example.com"))
    agent(services)
    desk = staff_signed_in(app)
    page = action(desk.get(f"/staff/customers/{luc}"), "resend_activation").fill(reason=REASON)
    page = page.submit()
    assert "Un nouveau courriel d'activation" in page.notices[0]
    newest = link_in(outbox(services, "luc@example.com")[-1].body_text)
    assert token_of(newest) != token_of(first)
    old = browser.get(first)
    assert "Un courriel plus récent a été envoyé" in old.text
    activated = browser.get(newest).form().submit()
    assert activated.status == 200
    with services.db.read() as session:
        assert session.get(Identity, luc).status == "active"  # type: ignore[union-attr]


def test_disabling_ends_her_sessions_and_signing_in_until_enabled(
    app: Flask, services: Services, marie: int
) -> None:
    customer = Browser(app)
    assert sign_in(customer, EMAIL).path == "/fr/link-account"  # signed in, nothing linked
    agent(services)
    desk = staff_signed_in(app)
    page = action(desk.get(f"/staff/customers/{marie}"), "disable").fill(reason=REASON).submit()
    assert "enable" in events_offered(page) and "disable" not in events_offered(page)
    assert customer.get("/fr/link-account").path == "/fr/login"
    assert sign_in(Browser(app), EMAIL).path.startswith("/fr/login")
    action(page, "enable").fill(reason=REASON).submit()
    assert sign_in(Browser(app), EMAIL).path == "/fr/link-account"
    kinds = [m.kind for m in outbox(services, EMAIL)]
    assert kinds.count("customer_support/email_change") == 2


def test_no_staff_page_shows_a_password_a_code_a_token_or_a_link(
    app: Flask, services: Services, marie: int
) -> None:
    browser = Browser(app)
    page = sign_in(browser, EMAIL, remembered=False)
    page = form(page).fill(
        method="customer_number", first_name="Marie", last_name="Tremblay",
        customer_number=number_of(marie),
    ).submit()  # fmt: skip
    form(page).fill(channel="email").submit()  # a code waits
    Browser(app).get("/fr/password-reset").form().fill(email=EMAIL).submit()  # a link waits
    secrets = []
    for message in outbox(services):  # codes go to the address on the contract
        secrets += [str(v) for v in message.extras.values() if v]
    with services.db.read() as session:
        person = session.get(Identity, marie)
        assert person is not None
        secrets.append(person.password_hash)
    assert len(secrets) >= 3
    agent(services)
    desk = staff_signed_in(app)
    shown = desk.get(f"/staff/customers/{marie}").response.get_data(as_text=True)
    for secret in secrets:
        assert secret not in shown
        if secret.startswith("http"):  # a link: its token alone is not shown either
            assert token_of(secret) not in shown
    assert PASSWORD not in shown


def test_the_api_and_the_command_line_act_as_an_agent_and_refuse_the_others(
    make_app: Any,
) -> None:
    app = make_app(API_TOKEN="t" * 32)
    services: Services = app.extensions["moncompte"]
    marie = identity(services, EMAIL, first_name="Marie", last_name="Tremblay")
    contract(services, "PR-25-000101", vin=vin_of(marie), customer_number=number_of(marie),
             first_name="Marie", last_name="Tremblay")  # fmt: skip
    locked_out(app)
    agent(services)
    staff_member(services, ANALYST)
    api, auth = app.test_client(), {"Authorization": "Bearer " + "t" * 32}
    started = api.post(
        "/api/v1/flows", json={"flow": "customer_support", "customer": EMAIL}, headers=auth
    )
    assert started.status_code == 201, started.json
    case = started.json["id"]
    body = {"event": "lift_lock", "data": {"reason": REASON}}
    for who in (ANALYST, EMAIL):
        refused = api.post(f"/api/v1/flows/{case}/events", json={**body, "as": who}, headers=auth)
        assert refused.status_code in (403, 404), (who, refused.json)
        assert refused.json["error"] in ("forbidden", "unknown_instance"), refused.json
    taken = api.post(f"/api/v1/flows/{case}/events", json={**body, "as": AGENT}, headers=auth)
    assert taken.status_code == 200 and taken.json["state"] == "open", taken.json
    code, said = run(app, "flows", "send", case, "lift_lock", f"reason={REASON}", "--as", AGENT)
    assert code != 0 and "nothing_locked" in said  # lifted already, through the API
    code, said = run(app, "flows", "send", case, "disable", f"reason={REASON}", "--as", ANALYST)
    assert code != 0 and "This action is not open to you." in said


def test_each_action_is_refused_when_there_is_nothing_to_do(services: Services) -> None:
    by = Principal.staff(agent(services), "agent")
    engine = services.engine
    quiet = identity(services, "calme@example.com")  # active, nothing locked nor remembered
    waiting = identity(services, "attente@example.com", status="pending")  # no link waits
    refusals = [
        (quiet, "lift_lock", {}, {"event": "nothing_locked"}),
        (quiet, "resend_activation", {}, {"event": "not_pending"}),
        (waiting, "resend_activation", {}, {"event": "no_activation_waiting"}),
        (quiet, "forget_device", {"device": "999"}, {"device": "no_such_device"}),
        (quiet, "forget_devices", {}, {"event": "no_devices"}),
        (quiet, "end_sessions", {}, {"event": "no_sessions"}),
        (quiet, "enable", {}, {"event": "not_disabled"}),
    ]
    for person, event, data, errors in refusals:
        case = engine.start("customer_support", by=by, language="fr", customer_id=person)
        result = engine.send(case.id, event, {"reason": REASON, **data}, by=by)
        assert not result.ok and result.errors == errors, event
    assert engine.send(case.id, "disable", {"reason": REASON}, by=by).ok
    again = engine.send(case.id, "disable", {"reason": REASON}, by=by)
    assert again.errors == {"event": "already_disabled"}
    # One open case per customer: starting again finds it.
    assert engine.start("customer_support", by=by, language="fr", customer_id=quiet).id == case.id


def test_two_agents_opening_a_case_at_once_get_the_same_one(services: Services) -> None:
    """Found or started under the customer's row lock: races show on PostgreSQL."""
    import threading

    by = Principal.staff(agent(services), "agent")
    person = identity(services, "course@example.com")
    ids: list[str] = []
    gate = threading.Barrier(4)

    def open_case() -> None:
        gate.wait()
        case = services.engine.start("customer_support", by=by, language="fr", customer_id=person)
        ids.append(case.id)

    threads = [threading.Thread(target=open_case) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 4 and len(set(ids)) == 1
