"""Ids in paths and queries past what the database holds (2^63 and beyond) are not found."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from tests.factories import PDF, contract, staff_member
from tests.functional.test_overview import signed_in
from tests.functional.test_staff import sign_in as staff_sign_in
from tests.support import Browser
from web.services import Services

TOO_LARGE = ["9223372036854775808", "18446744073709551616", "1" + "0" * 40]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_ids_past_the_largest_are_not_found(
    app: Flask, services: Services, jean: int, number: str
) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app)
    for path in [
        f"/fr/documents/{number}",
        f"/fr/overview/contracts/{number}/payoff.pdf?date=2030-01-01",
        f"/dev/mailbox/{number}",
    ]:
        page = browser.get(path)
        assert page.status == 404 and page.h1 == "Page introuvable", path
    page = browser.get("/fr/send-document")
    form = page.form(-1).fill(contract=number)  # the first form is sign-out
    form.values["document"] = (io.BytesIO(PDF), "relevé.pdf")
    refused = form.submit()
    assert refused.status == 200 and list(refused.field_errors) == ["contract"]
    assert mine


def test_a_page_number_past_the_largest_is_answered(app: Flask, services: Services) -> None:
    staff_member(services)
    browser = Browser(app)
    staff_sign_in(browser)
    for page in ["9223372036854775808", "1" + "0" * 40]:
        answer = browser.get(f"/staff/trail?page={page}")
        assert answer.status in {200, 404}, page
