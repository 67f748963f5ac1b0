"""Headless Chromium (Debian's) driven by Playwright against the live server."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from weakref import WeakKeyDictionary

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask, g, template_rendered
from flask import Response as Sent
from jinja2 import Template
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from sqlalchemy.orm import Session

from flows import demo
from flows.accounts import remembered
from storage.identities import by_email
from tests.factories import staff_code
from web.cli import papers
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
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TEMPLATES = ROOT / "web" / "templates"
# The developers' pages (the development mailbox) are written in English only: a browser
# test checks them once, whatever the site's language.
ONCE = {"dev_mailbox.html", "dev_message.html"}
SHOTS = ROOT / "test-artifacts" / "screenshots"
# The Nu HTML Checker, as scripts/setup --test installs it (npm's vnu-jar).
VNU = ROOT / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PHONE: ViewportSize = {"width": 390, "height": 844}
# The elements that reach past the right edge while their parent does not, outside any box
# that scrolls on its own: what to fix.
PAST = """(() => {
  const past = e => e.getBoundingClientRect().right > innerWidth + 0.5;
  const scrolls = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== "visible") return true;
    return false;
  };
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => past(e) && !past(e.parentElement) && !scrolls(e))
    .map(e => e.outerHTML.slice(0, 120));
})()"""


class Checked:
    """The pages accessible() checked, kept for one run of the HTML checker at the end: the
    folder they are written to, and for each file the page's address and test."""

    folder: ClassVar[Path | None] = None
    pages: ClassVar[dict[str, str]] = {}
    # The page templates accessible() checked, each with the languages it was seen in.
    templates: ClassVar[dict[str, set[str]]] = {}
    # Whether this run walks every browser test file (then every page must be checked).
    whole: ClassVar[bool] = False
    # Each watched tab's last document as the server sent it (the DOM would hide what
    # the browser's parser repaired, such as a form inside a paragraph).
    documents: ClassVar[WeakKeyDictionary[Page, Response]] = WeakKeyDictionary()


def watch(context: BrowserContext) -> BrowserContext:
    """Keep the HTML the server sends to each tab of CONTEXT, for the HTML checker."""

    def received(response: Response) -> None:
        frame = response.frame
        if response.request.is_navigation_request() and frame.parent_frame is None:
            Checked.documents[frame.page] = response

    context.on("response", received)
    return context


def pytest_collection_finish(session: pytest.Session) -> None:
    chosen = {item.path.name for item in session.items if item.path.parent == HERE}
    Checked.whole = chosen == {path.name for path in HERE.glob("test_*.py")}


@pytest.fixture(autouse=True)
def named_templates(app: Flask) -> None:
    """Each page the live server sends names the templates it rendered (a header of the
    tests only), for accessible() to count which pages were checked."""

    @app.after_request
    def name_them(response: Sent) -> Sent:
        response.headers["X-Test-Templates"] = " ".join(g.get("test_templates", ()))
        return response


def _rendered(sender: Flask, template: Template, context: object, **extra: object) -> None:
    g.test_templates = [*g.get("test_templates", ()), template.name or ""]


template_rendered.connect(_rendered)


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
        demo.load(services, Path(app.config["UPLOAD_FOLDER"]), papers)
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
    context = watch(chromium.new_context(viewport=request.param, locale="fr-CA"))
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
    """axe-core (the copy axe-playwright-python ships) finds no violation on the page, as
    it is and on a phone 390 px wide, where nothing scrolls sideways. The page's HTML is
    kept for the HTML checker (validated_html)."""
    keep_html(page)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    size = page.viewport_size
    if size != PHONE:
        page.set_viewport_size(PHONE)
    try:
        width, room = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= room, f"{page.url} is {width} px wide at 390 px: {page.evaluate(PAST)}"
        if size != PHONE:
            results = Axe().run(page)
            assert results.violations_count == 0, results.generate_report()
    finally:
        if size and size != PHONE:
            page.set_viewport_size(size)


def keep_html(page: Page) -> None:
    response = Checked.documents.get(page)
    if response is not None and response.url == page.url.split("#")[0]:
        lang = page.locator("html").get_attribute("lang") or ""
        for name in (response.headers.get("x-test-templates") or "").split():
            Checked.templates.setdefault(name, set()).add(lang)
    if Checked.folder is not None:
        test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
        name = f"{len(Checked.pages):04d}.html"
        (Checked.folder / name).write_text(sent_html(page), encoding="utf-8")
        Checked.pages[name] = f"{page.url}  ({test})"


def sent_html(page: Page) -> str:
    """The page's HTML as the server sent it, or its DOM for a tab nobody watched."""
    response = Checked.documents.get(page)
    if response is not None and response.url == page.url.split("#")[0]:
        try:
            return response.text()
        except Error:  # no longer kept by the browser
            pass
    return page.content()


@pytest.fixture(scope="session", autouse=True)
def validated_html(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Once the browser tests are done, the Nu HTML Checker reads every page accessible()
    checked, in one run: any error fails the session, listed page by page."""
    folder = Checked.folder = tmp_path_factory.mktemp("html")
    Checked.pages.clear()
    Checked.templates.clear()
    yield
    Checked.folder = None
    if Checked.whole:
        assert_every_page_checked()
    pages = sorted(folder.glob("*.html"))
    if not pages:
        return
    assert VNU.exists(), "scripts/setup --test installs the Nu HTML Checker (vnu.jar)"
    command = ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always"]
    ran = subprocess.run(  # noqa: S603 - our own command
        [*command, *map(str, pages)], capture_output=True, text=True, check=True
    )
    errors: dict[str, list[str]] = {}
    for message in json.loads(ran.stderr or ran.stdout)["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            where = Checked.pages[Path(message["url"]).name]
            errors.setdefault(where, []).append(
                f"line {message.get('lastLine')}: {message['message']}"
            )
    report = "\n".join(f"{page}\n  " + "\n  ".join(found) for page, found in errors.items())
    assert not errors, f"the HTML checker found errors on {len(errors)} pages:\n{report}"


def assert_every_page_checked() -> None:
    """Every page template (one that extends a site's layout, and is no layout itself) was
    checked by accessible() in French and in English (the developers' pages once, in
    whichever)."""
    texts = {
        str(p.relative_to(TEMPLATES)): p.read_text(encoding="utf-8")
        for p in TEMPLATES.rglob("*.html")
    }
    layouts = {name for text in texts.values() for name in re.findall(r'extends "([^"]+)"', text)}
    pages = {
        name
        for name, text in texts.items()
        if re.search(r'extends "(staff/)?base\.html"', text) and name not in layouts
    }
    missing = {}
    for name in sorted(pages):
        seen = Checked.templates.get(name, set())
        lacking = ({"once"} if not seen else set()) if name in ONCE else {"fr-CA", "en-CA"} - seen
        if lacking:
            missing[name] = sorted(lacking)
    assert not missing, f"pages no browser test checked with accessible(): {missing}"


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


def switch_to_english(page: Page) -> None:
    """The page's «English» switch, then its English page, loaded and its scripts run
    (what is typed after this stays on this page)."""
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-CA")
    page.wait_for_load_state("load")


def type_staff_code(page: Page, app: Flask, email: str) -> None:
    """On the page that asks for it after the password, the code of EMAIL's authenticator
    (the key tests.factories.staff_member gives)."""
    expect(page).to_have_url(re.compile(r"/staff/login/code$"))
    page.locator("#code").fill(staff_code(app.extensions["moncompte"], email))
    page.locator("#code").press("Enter")
