"""Headless Chromium (Debian's) driven by Playwright against the live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from flows import demo
from flows.accounts import remembered
from storage.identities import by_email
from tests.factories import staff_code
from web.customer import pdf
from web.customer.devices import COOKIE
from web.services import Services

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def lang() -> str:
    """The language a test walks the pages in (a test may parametrize it)."""
    return "fr"


@pytest.fixture
def demo_data(app: Flask, lang: str) -> None:
    """The demo data set, as `moncompte demo load` leaves it, its customers speaking LANG
    (the site opens in a customer's language once they sign in)."""
    services: Services = app.extensions["moncompte"]
    with app.app_context():
        demo.load(services, Path(app.config["UPLOAD_FOLDER"]), pdf)
    with services.db.write() as session:
        for person in demo.CUSTOMERS:
            speaks_in(session, person.email, lang)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "scripts/setup --test installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(
    params=[{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = chromium.new_context(viewport=request.param, locale="fr-CA")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def shoot(page: Page, name: str) -> None:
    """Keep a screenshot for people to look at (test-artifacts/, not committed)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def accessible(page: Page) -> None:
    """axe-core (the copy axe-playwright-python ships) finds no violation on the page."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_focus_on_error_summary(page: Page) -> None:
    """After a refused submit, the keyboard starts from the list of problems. (The browser
    moves the focus to an autofocus element at its next rendering, just after the load.)"""
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")


def remember_device(page: Page, app: Flask, live_server: str, email: str) -> None:
    """This browser as a device the MINI ID of EMAIL remembers: no code at sign-in."""
    services: Services = app.extensions["moncompte"]
    with services.db.write() as session:
        found = by_email(session, email)
        assert found is not None
        token = remembered.remember(session, found.id, "", services.clock())
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server}])


def speaks_in(session: Session, email: str, lang: str) -> None:
    """The MINI ID of EMAIL in LANG (as «Mon profil» sets it): the site opens in it once
    signed in, and every e-mail and text message is in it."""
    found = by_email(session, email)
    if found is not None:
        found.language = lang


def type_staff_code(page: Page, app: Flask, email: str) -> None:
    """On the page that asks for it after the password, the code of EMAIL's authenticator
    (the key tests.factories.staff_member gives)."""
    expect(page).to_have_url(re.compile(r"/staff/login/code$"))
    page.locator("#code").fill(staff_code(app.extensions["moncompte"], email))
    page.locator("#code").press("Enter")
