"""A NUL byte anywhere in a request (PostgreSQL refuses it in text) is bad input: it is
answered 404 or 400 in the visitor's language, never 500, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.factories import contract, identity, staff_member
from tests.functional.test_agents import staff_signed_in
from tests.functional.test_overview import signed_in
from tests.functional.test_staff import sign_in as staff_sign_in
from tests.support import Browser
from web.services import Services

CUSTOMER_PATHS = [
    "/en/messages/%00/read",
    "/fr/messages/conversations/%00",
    "/fr/link-account/%00",
    "/fr/register/link/%00",
    "/fr/overview/quotes/%00",
    "/fr/overview?contract=%00",
    "/fr/register?first_name=%00",
    "/fr/%00",
]
STAFF_PATHS = [
    "/staff/messages/%00",
    "/staff/messages?subject=%00&age=%00",
    "/staff/trail/%00",
    "/staff/trail?customer=%00",
    "/staff/trail?flow=%00&event=%00&outcome=%00",
    "/staff/flows/%00",
    "/staff/flows/registration?from=%00",
    "/staff/quotes?reference=%00",
]


@pytest.fixture
def app(make_app: Any, postgres_url: str) -> Flask:
    made: Flask = make_app(DATABASE_URL=postgres_url)
    return made


def test_customers_paths_and_queries(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    contract(services, identity_id=identity(services))
    browser = signed_in(app)
    for path in CUSTOMER_PATHS:
        for method in ("get", "post"):
            answer = getattr(browser.client, method)(path, data={"csrf_token": "x"})
            assert answer.status_code in {400, 404, 405}, (method, path, answer.status_code)


def test_staff_paths_and_queries(app: Flask) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    staff_member(services, "agent@servicesfinanciersmini.ca", role="agent")
    analyst = Browser(app)
    staff_sign_in(analyst)
    for browser in (analyst, staff_signed_in(app)):
        for path in STAFF_PATHS:
            answer = browser.client.get(path)
            assert answer.status_code in {400, 403, 404}, (path, answer.status_code)


def test_a_nul_byte_in_a_form_is_refused_beside_its_field(app: Flask) -> None:
    page = Browser(app).get("/fr/login").form().fill(email="jean\x00@example.com", password="x")
    answer = page.submit()
    assert answer.status == 200 and "email" in answer.field_errors
    staff = Browser(app)
    token = staff.get("/staff/login").form(-1).values["csrf_token"]
    data = {"csrf_token": token, "email": "a\x00@example.com", "password": "x"}
    assert staff.client.post("/staff/login", data=data).status_code == 200
