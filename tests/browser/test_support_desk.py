"""The support desk in a real browser, both languages, with axe-core: Marie is locked out
of «Associez votre compte»; an agent (with the second factor) finds her by the case
reference, sees the association on its diagram where it stands, lifts the lock with a
reason; Marie then links her contract; the trail shows the agent's event and reason."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessible, shoot, switch_to_english, type_staff_code, watch
from tests.factories import PASSWORD, contract, identity
from tests.functional.test_agents import AGENT, agent
from tests.paths.account_association import number_of, vin_of
from web.services import Services

pytestmark = pytest.mark.browser
EMAIL = "marie.tremblay@example.com"
REASON = "Cliente vérifiée au téléphone"
WORDS = {
    "fr": {"sign_in": "Se connecter", "continue": "Continuer", "locked": "Vérification bloquée",
           "find": "Trouver",
           "phone": "1 866 555-0164", "lift": "Lever le blocage de la vérification",
           "authorize": "Autoriser cet appareil", "done": "Fait", "case": "Aide à la clientèle"},
    "en": {"sign_in": "Sign in", "continue": "Continue", "locked": "Verification locked",
           "find": "Find", "phone": "1-866-555-0164", "lift": "Lift the verification lock",
           "authorize": "Authorize this device", "done": "Done", "case": "Customer support"},
}  # fmt: skip


def identify(page: Page, lang: str, first: str, last: str, number: str) -> None:
    page.locator("#method-customer_number").check()
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill(last)
    page.locator("#customer_number").fill(number)
    page.get_by_role("button", name=WORDS[lang]["continue"]).click()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_agent_lifts_the_lock_and_the_customer_links_her_contract(
    page: Page, live_server: str, app: Flask, lang: str
) -> None:
    services: Services = app.extensions["moncompte"]
    marie = identity(services, EMAIL, first_name="Marie", last_name="Tremblay", language=lang)
    contract(services, "PR-25-000101", vin=vin_of(marie), customer_number=number_of(marie),
             first_name="Marie", last_name="Tremblay")  # fmt: skip
    agent(services)
    words = WORDS[lang]

    # Marie types a customer number that is not hers, three times: locked.
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.goto(f"{live_server}/{lang}/link-account")
    for _ in range(3):
        identify(page, lang, "marie", "tremblay", "AUTRE-NUMERO")
    expect(page.locator("a[href^='tel:']")).to_have_text(words["phone"])
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", reference)
    accessible(page)
    shoot(page, f"support-locked-{lang}")
    # Coming back to «Associez votre compte»: the lock at once, no form to fill in vain.
    page.goto(f"{live_server}/{lang}/link-account")
    expect(page.locator("a[href^='tel:']")).to_have_text(words["phone"])
    expect(page.locator("form.association")).to_have_count(0)
    accessible(page)
    shoot(page, f"support-locked-again-{lang}")

    # The agent, in another browser: password, code, then the search.
    desk = watch(page.context.browser.new_context(viewport=page.viewport_size))  # type: ignore[union-attr]
    staff = desk.new_page()
    staff.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(staff)
    staff.locator("#email").fill(AGENT)
    staff.locator("#password").fill(PASSWORD)
    staff.get_by_role("button", name=words["sign_in"]).click()
    type_staff_code(staff, app, AGENT)
    staff.goto(f"{live_server}/staff/customers")
    staff.locator("#q").fill(reference)
    staff.get_by_role("button", name=words["find"], exact=True).click()
    accessible(staff)
    shoot(staff, f"support-search-{lang}")
    staff.get_by_role("link", name="Marie Tremblay").click()
    association = staff.locator("details.procedure", has_text=words["locked"])
    association.locator("summary").click()
    expect(association.locator("[id$='-state-locked']")).to_be_visible()
    accessible(staff)
    shoot(staff, f"support-customer-{lang}")
    lift = staff.locator("form.support-action", has=staff.locator("input[value=lift_lock]"))
    lift.locator("textarea").fill(REASON)
    lift.get_by_role("button", name=words["lift"]).click()
    expect(staff.locator(".notice").first).to_contain_text(words["done"])
    case = staff.locator("details.procedure", has_text=words["case"])
    case.locator("summary").click()
    expect(case.get_by_text(REASON)).to_be_visible()
    accessible(staff)
    shoot(staff, f"support-lifted-{lang}")
    desk.close()

    # Marie links her contract now.
    page.goto(f"{live_server}/{lang}/link-account")
    identify(page, lang, "Marie", "Tremblay", number_of(marie))
    expect(page.locator("h1")).to_have_text(words["authorize"])
