"""The analysts' change review in a real browser, in both languages: axe-core finds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import accessible, shoot, switch_to_english, type_staff_code
from tests.factories import PASSWORD, staff_member
from tests.functional.test_change_review import two_versions

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app: Any, tmp_path: Path) -> Flask:
    """The toy procedure's second version deployed after its first one ran."""
    deployed, _ids = two_versions(make_app, tmp_path)
    return deployed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_analyst_reviews_a_change(page: Page, live_server: str, app: Flask, lang: str) -> None:
    staff_member(app.extensions["moncompte"])
    page.goto(f"{live_server}/staff/login")
    if lang == "en":
        switch_to_english(page)
    page.locator("#email").fill("analyste@servicesfinanciersmini.ca")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter" if lang == "fr" else "Sign in").click()
    type_staff_code(page, app, "analyste@servicesfinanciersmini.ca")
    page.goto(f"{live_server}/staff/flows/errand")
    compare = "Comparer deux versions" if lang == "fr" else "Compare two versions"
    page.get_by_role("link", name=compare).click()
    expect(page.locator("#drawing svg #state-code")).to_be_visible()
    expect(page.locator("#in-flight tbody tr")).to_have_count(2)
    shoot(page, f"analyst-changes-{lang}")
    accessible(page)
    # The other way round, chosen in the form.
    page.locator("#from").select_option(index=0)
    page.locator("#to").select_option(index=1)
    page.get_by_role("button", name="Comparer" if lang == "fr" else "Compare", exact=True).click()
    expect(page.locator("#diff li.change-removed").first).to_be_visible()
    accessible(page)
