"""The analysts' console in a real browser: sign in, procedures, heatmap, audit trail."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import shoot, switch_to_english, type_staff_code
from tests.factories import PASSWORD, TESTER, identity, staff_member
from web.services import Services

pytestmark = pytest.mark.browser


def activity(services: Services) -> None:
    """A few registrations: some refused, some activated, one left waiting."""
    identity(services, "deja@example.com")
    for n in range(6):
        snap = services.engine.start("registration", by=TESTER, language="fr")
        details = {"first_name": "Léa", "last_name": "Roy", "email": f"lea{n}@example.com"}
        if n % 2:
            weak = {**details, "password": "court", "password_confirm": "court"}
            services.engine.send(snap.id, "submit", weak, by=TESTER)
        good = {**details, "password": PASSWORD, "password_confirm": PASSWORD}
        if n < 4:
            services.engine.send(snap.id, "submit", good, by=TESTER)
    sign_in = services.engine.start("sign_in", by=TESTER, language="fr")
    wrong = {"email": "deja@example.com", "password": "pas le bon mot de passe"}
    services.engine.send(sign_in.id, "submit", wrong, by=TESTER)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_analyst_reads_every_procedure(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    staff_member(services)
    activity(services)
    page.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(page)
    shoot(page, f"staff-login-{lang}")
    page.locator("#email").fill("analyste@servicesfinanciersmini.ca")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter" if lang == "fr" else "Sign in").click()
    shoot(page, f"staff-code-{lang}")
    type_staff_code(page, app, "analyste@servicesfinanciersmini.ca")
    shoot(page, f"staff-home-{lang}")
    page.get_by_role("link", name="Procédures" if lang == "fr" else "Procedures").first.click()
    shoot(page, f"analyst-flows-{lang}")
    for definition in services.registry:
        page.goto(f"{live_server}/staff/flows/{definition.name}")
        expect(page.locator("svg .node").first).to_be_visible()
        shoot(page, f"analyst-{definition.name}-{lang}")
    page.goto(f"{live_server}/staff/trail?flow=registration")
    shoot(page, f"analyst-trail-{lang}")
    page.locator("table.data tbody a").first.click()
    shoot(page, f"analyst-instance-{lang}")
    page.goto(f"{live_server}/staff/trail")
    page.get_by_role("link", name="Accès du personnel" if lang == "fr" else "Staff access").click()
    expect(page.locator("table.data tbody tr").first).to_be_visible()  # this very sign-in
    shoot(page, f"analyst-staff-access-{lang}")
