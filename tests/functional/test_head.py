"""HEAD only reads: on every route that takes a POST, a HEAD with a POST's body changes
nothing (customer procedures, overview, staff console, testers' API)."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule

from storage import outbox
from storage.models import Base
from tests import paths
from tests.factories import PASSWORD, PDF, TESTER, contract, identity, staff_member
from tests.support import Browser, remember_device
from web.services import Services

API_TOKEN = "tester-token-0123456789"
EMAIL = "jean.t@example.com"
STAFF = "analyste@servicesfinanciersmini.ca"
API = {"Authorization": f"Bearer {API_TOKEN}"}


def database(services: Services) -> dict[str, list[str]]:
    """Every row of every table, to see that nothing at all was written."""
    with services.db.read() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def link_token(services: Services, flow: str, **data: str) -> str:
    """A live e-mailed link of a new FLOW instance, as the development mailbox shows it."""
    engine = services.engine
    instance = engine.start(flow, by=TESTER, language="fr")
    assert engine.send(instance.id, "submit", data, by=TESTER).ok
    with services.db.read() as session:
        link = outbox.newest(session, data["email"])[0].extras["link"]
    return str(link).rsplit("/", 1)[-1]


def owned_instances(visitor: Browser, customer: Browser, services: Services) -> dict[str, str]:
    """An instance of each procedure at its first step (still to fill), started by the
    visitor, or by the signed-in customer when the procedure is for customers only."""
    owned = {}
    for definition in services.registry:
        # Another procedure's step starts it (a conversation), or staff do, for a customer.
        if definition.started_by or definition.audience == "staff":
            owned[definition.name] = paths.Walk(services, definition).id
            continue
        browser = customer if definition.audience == "customer" else visitor
        form = browser.get(f"/fr/{definition.route}").form(-1)
        typed = {k: "" for k in form.values if k not in {"csrf_token", "state", "contract"}}
        page = form.fill(**typed).submit()  # nothing typed: refused, the step still to fill
        assert page.path.startswith(f"/fr/{definition.route}/"), page.path
        owned[definition.name] = page.path.rsplit("/", 1)[-1]
    return owned


def test_head_changes_nothing_on_any_route_that_takes_a_post(make_app: Any) -> None:
    app: Flask = make_app(API_TOKEN=API_TOKEN)
    services: Services = app.extensions["moncompte"]
    customer = identity(services, EMAIL)
    contract_id = contract(services, identity_id=customer)
    staff_member(services, STAFF)
    tokens = {
        "registration": link_token(
            services,
            "registration",
            first_name="Luc",
            last_name="Côté",
            email="luc@example.com",
            password=PASSWORD,
            password_confirm=PASSWORD,
        ),
        "password_reset": link_token(services, "password_reset", email=EMAIL),
    }
    visitor = Browser(app)
    signed_in = Browser(app)
    remember_device(signed_in, EMAIL)  # a customer with a contract: no code on this one
    signed_in.get("/fr/login").form().fill(email=EMAIL, password=PASSWORD).submit()
    owned = owned_instances(visitor, signed_in, services)
    csrf = visitor.get("/fr/login").form().values["csrf_token"]
    before = database(services)

    routes = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())]
    assert {r.endpoint for r in routes} >= {"flows.start", "staff.login", "api.send"}
    answers = []
    for rule in routes:
        path = build(rule, owned, tokens, contract_id)
        body = {
            "csrf_token": csrf,
            "email": STAFF if rule.endpoint.startswith("staff.") else EMAIL,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "first_name": "Luc",
            "last_name": "Côté",
            "lang": "en",
            "contract": str(contract_id),
        }
        for browser in (visitor, signed_in):
            sent = {**body, "document": (io.BytesIO(PDF), "relevé.pdf")}
            answer = browser.client.open(path, method="HEAD", data=sent, headers=API)
            assert answer.get_data() == b""
            answers.append((browser, rule, path, answer.status_code))
    assert database(services) == before
    for browser, _rule, path, status in answers:
        # A HEAD is answered as the GET it stands for, and where there is no GET, refused.
        reads = _has_get(app, path)
        expected = browser.client.get(path, headers=API).status_code if reads else 405
        assert status == expected, (path, status)


def _has_get(app: Flask, path: str) -> bool:
    """Whether some route answers GET at PATH (a page and its form may be two routes)."""
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except MethodNotAllowed:
        return False
    except HTTPException:
        return True  # a redirect or the like: the GET is answered
    return True


def build(rule: Rule, owned: dict[str, str], tokens: dict[str, str], contract_id: int) -> str:
    """RULE's path, for the instances, links and contract of the test's visitors."""
    flow = (rule.defaults or {}).get("flow", "registration")
    values = {
        "lang": "fr",
        "instance_id": owned.get(flow, "0" * 32),
        "token": tokens.get(flow, tokens["registration"]),
        "contract_id": contract_id,
        "conversation_id": owned.get("conversation", "0" * 32),
        "device_id": 1,
        "customer_id": 1,
        **(rule.defaults or {}),
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def test_head_on_an_activation_link_does_not_activate(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    token = link_token(
        services,
        "registration",
        first_name="Luc",
        last_name="Côté",
        email="luc@example.com",
        password=PASSWORD,
        password_confirm=PASSWORD,
    )
    client = app.test_client()
    assert client.head(f"/fr/register/link/{token}").status_code == 200
    page = Browser(app).get(f"/fr/register/link/{token}")
    assert page.status == 200  # still unused: its confirmation page is shown
    signed_in = page.form().submit()
    assert signed_in.status == 200 and signed_in.path.startswith("/fr/")
