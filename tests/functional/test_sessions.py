"""A visitor's state lives in a signed cookie: only signing in writes a session row,
and the rows of ended sessions are swept."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from storage.models import Identity, WebSession
from tests.factories import identity, staff_member
from tests.functional.test_registration import fill_details
from tests.functional.test_sign_in import cookie, sign_in, sign_out
from tests.functional.test_staff import sign_in as staff_sign_in
from tests.support import Browser
from web.ops import worker
from web.services import Services

PAGES = ["/fr/", "/fr/register", "/en/login", "/fr/password-reset", "/en/faq", "/staff/login"]


def rows(services: Services) -> int:
    with services.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_visitors_write_no_session_row(app: Flask, services: Services) -> None:
    for _ in range(5):
        browser = Browser(app)  # a new visitor each time, without a cookie
        for path in PAGES:
            assert browser.get(path).status == 200
        assert cookie(browser)  # the CSRF token is kept: in the cookie itself
    visitor = Browser(app)
    checking = fill_details(visitor.get("/fr/register"), "luc@example.com")
    assert checking.h1 == "Vérifiez vos courriels"  # a procedure went through its forms…
    assert visitor.get(checking.path).h1 == "Vérifiez vos courriels"  # …and is still its
    assert rows(services) == 0


def test_a_session_row_from_sign_in_to_sign_out(app: Flask, services: Services) -> None:
    identity(services)
    browser = Browser(app)
    landed = sign_in(browser)
    assert landed.path == "/fr/link-account" and rows(services) == 1  # no contract yet
    sign_out(browser, landed)
    assert rows(services) == 0
    staff_member(services)
    console = Browser(app)
    assert staff_sign_in(console).path == "/staff/" and rows(services) == 1


def test_a_mini_id_disabled_meanwhile_is_signed_out_at_its_next_page(
    app: Flask, services: Services
) -> None:
    """The MINI ID is read with the session at each page (one query), and judged there."""
    person = identity(services)
    browser = Browser(app)
    assert sign_in(browser).path == "/fr/link-account"
    assert browser.get("/fr/devices").path == "/fr/devices"
    with services.db.write() as session:
        found = session.get(Identity, person)
        assert found is not None
        found.status = "disabled"
    assert browser.get("/fr/devices").path == "/fr/login"


def test_a_visitors_cookie_cannot_be_forged(app: Flask) -> None:
    owner = Browser(app)
    checking = fill_details(owner.get("/fr/register"), "luc@example.com")
    value = cookie(owner)
    assert value
    payload, _, signature = value.rpartition(".")
    other = Browser(app)
    other.get("/fr/register")
    # Someone else's cookie, signature and all, with one letter of the payload changed.
    forged = ("A" if payload[0] != "A" else "B") + payload[1:] + "." + signature
    other.client.set_cookie("session", forged)
    assert other.get(checking.path).status == 404
    # The signature binds the payload: a payload of one's own with another signature fails.
    mine = base64.urlsafe_b64encode(b'{"data":{"flows":[]}}').decode().rstrip("=")
    other.client.set_cookie("session", f"{mine}.{signature}")
    assert other.get(checking.path).status == 404
    assert owner.get(checking.path).status == 200


def test_a_visitors_state_ends_after_30_minutes_idle(app: Flask, services: Services) -> None:
    visitor = Browser(app)
    checking = fill_details(visitor.get("/fr/register"), "luc@example.com")
    services.clock.advance(timedelta(minutes=29))
    assert visitor.get(checking.path).status == 200
    services.clock.advance(timedelta(minutes=29))  # seen 29 min ago: still in time
    assert visitor.get(checking.path).status == 200
    services.clock.advance(timedelta(minutes=31))
    assert visitor.get(checking.path).status == 404


def test_rows_of_ended_sessions_are_swept(app: Flask, services: Services) -> None:
    identity(services)
    sign_in(Browser(app))
    assert rows(services) == 1
    services.clock.advance(timedelta(minutes=31))
    background = worker(app, interval=0.1).start()
    try:
        deadline = time.monotonic() + 10
        while rows(services) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        background.stop()
    assert rows(services) == 0
