"""Staff sign-ins and their failures in the audit trail; `moncompte staff unlock|disable`."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from flows.accounts import credentials
from flows.accounts import staff as rules
from storage import sign_in_failures
from storage.models import WebSession
from tests.factories import PASSWORD, staff_member
from tests.functional.test_head import database
from tests.functional.test_staff import AGENT, ANALYST, form, sign_in
from tests.support import Browser, Page
from web.cli import main
from web.services import Services

CLIENT = "203.0.113.9"


def access_rows(page: Page) -> list[list[str]]:
    """Each row but its time and what was read (a sign-in reads nothing: "—")."""
    rows = []
    for tr in page.soup.select("table.data tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")[1:]]
        assert cells[1] == "—", cells
        rows.append([cells[0], *cells[2:]])
    return rows


def behind_proxy(app: Flask, address: str) -> Browser:
    browser = Browser(app)
    browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return browser


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", {"in": "Connexion", "out": "Déconnexion", "taken": "Accepté", "no": "Refusé"}),
        ("en", {"in": "Sign-in", "out": "Sign-out", "taken": "Taken", "no": "Rejected"}),
    ],
)
def test_sign_ins_taken_or_refused_are_in_the_trail(
    make_app: Any, lang: str, words: dict[str, str]
) -> None:
    app: Flask = make_app(TRUSTED_PROXIES=1)
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    staff_member(services, AGENT, role="agent")
    sign_in(behind_proxy(app, "198.51.100.7"), AGENT, "pas le bon mot de passe")
    sign_in(behind_proxy(app, "198.51.100.8"), "personne@example.com", PASSWORD)
    agent = behind_proxy(app, "198.51.100.7")
    form(sign_in(agent, AGENT), "/staff/logout").submit()
    analyst = behind_proxy(app, CLIENT)
    sign_in(analyst)
    if lang == "en":
        form(analyst.get("/staff/"), "/staff/language").submit()
    trail = analyst.get("/staff/trail")
    page = analyst.get(trail.link("Accès du personnel" if lang == "fr" else "Staff access"))
    assert page.status == 200 and page.path == "/staff/trail/access"
    console = "Console"
    rows = access_rows(page)
    # The passwords' rows; each taken one is followed by its code's (second_factor).
    assert [r for r in rows if r[0] in (words["in"], words["out"])] == [
        [words["in"], words["taken"], ANALYST, CLIENT, console],
        [words["out"], words["taken"], AGENT, "198.51.100.7", console],
        [words["in"], words["taken"], AGENT, "198.51.100.7", console],
        [words["in"], words["no"], "p***@example.com", "198.51.100.8", console],
        [words["in"], words["no"], AGENT, "198.51.100.7", console],
    ]
    codes = [r for r in rows if r[0] not in (words["in"], words["out"])]
    assert [r[1:] for r in codes] == [
        [words["taken"], ANALYST, CLIENT, console],
        [words["taken"], AGENT, "198.51.100.7", console],
    ]
    everything = repr(database(services))
    assert PASSWORD not in everything and "pas le bon mot de passe" not in everything


def test_the_staff_access_page_is_for_analysts(app: Flask, services: Services) -> None:
    staff_member(services, AGENT, role="agent")
    assert Browser(app).get("/staff/trail/access").status == 404
    agent = Browser(app)
    sign_in(agent, AGENT)
    assert agent.get("/staff/trail/access").status == 403


def lock(services: Services, email: str) -> None:
    """The account's address as after 100 failed sign-ins."""
    now = services.clock()
    with services.db.write() as session:
        counter = sign_in_failures.counter(session, rules.failure_key(email), now)
        counter.count = credentials.LOCK_AFTER


def test_staff_unlock_ends_a_lockout(app: Flask, services: Services) -> None:
    staff_member(services)
    lock(services, ANALYST)
    assert sign_in(Browser(app)).path == "/staff/login"  # the right password, refused
    result = app.test_cli_runner().invoke(main, ["staff", "unlock", ANALYST.upper()])
    assert result.exit_code == 0, result.output
    assert f"Unlocked {ANALYST}: its failed sign-ins are forgotten." in result.output
    analyst = Browser(app)
    assert sign_in(analyst).path == "/staff/"
    rows = access_rows(analyst.get("/staff/trail/access"))
    assert rows[2] == ["Déverrouillé", "Accepté", ANALYST, "—", "Ligne de commande"]  # then
    # this sign-in's password and code


def test_staff_disable_ends_sign_ins_and_sessions(app: Flask, services: Services) -> None:
    staff_member(services)
    staff_member(services, AGENT, role="agent")
    agent = Browser(app)
    assert sign_in(agent, AGENT).path == "/staff/"
    result = app.test_cli_runner().invoke(main, ["staff", "disable", AGENT])
    assert result.exit_code == 0, result.output
    assert f"Disabled {AGENT}: it can no longer sign in; its sessions have ended." in result.output
    assert agent.get("/staff/").status == 404
    assert sign_in(Browser(app), AGENT).path == "/staff/login"
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
    analyst = Browser(app)
    sign_in(analyst)
    rows = access_rows(analyst.get("/staff/trail/access"))
    assert rows[2:4] == [  # after this sign-in's password and code
        ["Connexion", "Refusé", AGENT, "127.0.0.1", "Console"],
        ["Désactivé", "Accepté", AGENT, "—", "Ligne de commande"],
    ]
    again = app.test_cli_runner().invoke(main, ["staff", "unlock", AGENT])
    assert "(the account stays disabled)" in again.output


@pytest.mark.parametrize("command", ["unlock", "disable"])
def test_an_unknown_address_changes_nothing(app: Flask, command: str) -> None:
    result = app.test_cli_runner().invoke(main, ["staff", command, "nobody@example.com"])
    assert result.exit_code == 1
    assert "Not changed: No staff account has this address." in result.output
