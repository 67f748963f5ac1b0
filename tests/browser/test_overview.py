"""The overview, a payoff quote and the FAQ in a real browser, in both languages."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from playwright.sync_api import FilePayload, Page, expect

from flows import demo
from tests.browser.conftest import accessible, assert_focus_on_error_summary, remember_device, shoot
from tests.factories import PDF

pytestmark = pytest.mark.browser

TEXT = {
    "fr": (
        "Se connecter",
        "Présentation",
        "Obtenir une citation de remboursement",
        "Montant à payer",
    ),
    "en": ("Sign in", "Overview", "Get a payoff quote", "Amount to pay"),
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_overview_and_payoff_quote(
    page: Page, live_server: str, app: Flask, demo_data: None, lang: str
) -> None:
    sign_in, overview, get_quote, total = TEXT[lang]
    remember_device(page, app, live_server, demo.EMILIE.email)
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(demo.EMILIE.email)
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("button", name=sign_in).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(overview)
    even_tiles(page)
    payments = page.locator(".contract").first.locator("table.payments")
    expect(payments.first.locator("tbody tr")).to_have_count(3)  # the rest folded away
    expect(payments.last).to_be_hidden()
    accessible(page)
    shoot(page, f"overview-{lang}")

    page.locator(".contract").last.get_by_role("button", name=get_quote).click()
    expect(page.locator("table.quote tfoot")).to_contain_text(total)
    accessible(page)
    shoot(page, f"payoff-{lang}")


def even_tiles(page: Page) -> None:
    """The facts of each contract sit in columns of one width, on a phone as on a desktop."""
    for card in page.locator(".contract").all():
        boxes = [t.bounding_box() for t in card.locator(".facts > div").all()]
        widths = {round(box["width"]) for box in boxes if box}
        assert len(widths) == 1, widths
        if page.viewport_size and page.viewport_size["width"] <= 390:
            rows = {round(box["y"]) for box in boxes if box}
            assert len(rows) > 1  # a phone shows them two by two, not in one squeezed row


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_faq(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/faq")
    expect(page.locator(".question")).to_have_count(5)
    accessible(page)
    shoot(page, f"faq-{lang}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_faq_lists_each_question_on_its_own_line(page: Page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/faq")
    boxes = [link.bounding_box() for link in page.locator(".toc a").all()]
    assert len(boxes) == 5 and all(boxes)
    for above, below in itertools.pairwise(b for b in boxes if b):
        assert below["y"] >= above["y"] + above["height"] - 1, (above, below)
        assert below["x"] == above["x"], "the questions start at the same margin"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_customer_without_a_contract_is_invited_to_link_one(
    page: Page, live_server: str, demo_data: None, lang: str
) -> None:
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(demo.SOPHIE.email)
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("button", name=TEXT[lang][0]).click()
    # Straight to «Associez votre compte»; the overview leads there too.
    expect(page).to_have_url(f"{live_server}/{lang}/link-account")
    page.goto(f"{live_server}/{lang}/overview")
    accessible(page)
    shoot(page, f"overview-unlinked-{lang}")
    link = "Associez votre compte" if lang == "fr" else "Link your account"
    page.get_by_role("link", name=link).click()
    expect(page).to_have_url(f"{live_server}/{lang}/link-account")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_document_that_is_not_one_is_refused_with_the_focus_on_why(
    page: Page, live_server: str, app: Flask, demo_data: None, lang: str
) -> None:
    remember_device(page, app, live_server, demo.EMILIE.email)
    page.goto(f"{live_server}/{lang}/login")
    page.locator("#email").fill(demo.EMILIE.email)
    page.locator("#password").fill(demo.PASSWORD)
    page.get_by_role("button", name=TEXT[lang][0]).click()
    send = "Envoyer le document" if lang == "fr" else "Send the document"
    # A text file named as a PDF: checked by its content, refused.
    fake: FilePayload = {"name": "relevé.pdf", "mimeType": "application/pdf", "buffer": b"no"}
    page.locator(".upload input[type=file]").first.set_input_files(fake)
    page.locator(".upload").first.get_by_role("button", name=send).click()
    expect(page.locator("#document-error")).to_be_visible()
    assert_focus_on_error_summary(page)
    shoot(page, f"document-refused-{lang}")
    accessible(page)
    # A real PDF: received, the page says where it was kept.
    real: FilePayload = {"name": "relevé.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.locator("input[type=file]").first.set_input_files(real)
    page.get_by_role("button", name=send).first.click()
    expect(page.get_by_role("status")).to_contain_text("relevé.pdf")
    accessible(page)
