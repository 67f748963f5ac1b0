"""The words customers and agents read: one support number written as each language
writes it, «Adresse de courriel», «Contrat» on the compose form as on its confirmation,
"total", times without seconds and dates in words on the agents' pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from flows.formatting import day, phone
from tests.factories import contract
from tests.functional.test_agents import agent, open_from_queue, staff_signed_in
from tests.functional.test_overview import signed_in
from tests.functional.test_secure_message import QUESTION, compose, compose_page
from web.services import Services

CATALOG = Path(__file__).parents[2] / "locale" / "fr_CA" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize(
    ("number", "fr", "en"),
    [
        ("1 866 555-0164", "1 866 555-0164", "1-866-555-0164"),
        ("+1 (866) 555-0164", "1 866 555-0164", "1-866-555-0164"),
        ("514-555-0142", "514 555-0142", "514-555-0142"),
        ("poste 1234", "poste 1234", "poste 1234"),  # not a number we can write: as given
    ],
)
def test_a_phone_number_is_written_as_each_language_writes_it(
    number: str, fr: str, en: str
) -> None:
    assert (phone(number, "fr"), phone(number, "en")) == (fr, en)


def test_the_first_of_a_month_is_an_ordinal_in_french() -> None:
    assert day(date(2027, 7, 1), "fr") == "1er juillet 2027"
    assert day(date(2027, 7, 11), "fr") == "11 juillet 2027"
    assert day(date(2027, 7, 1), "en") == "July 1, 2027"


@pytest.mark.parametrize(("lang", "written"), [("fr", "1 866 555-0164"), ("en", "1-866-555-0164")])
def test_the_support_number_on_a_page_follows_its_language(
    app: Flask, lang: str, written: str
) -> None:
    page = signed_in(app, lang=lang).get(f"/{lang}/privacy")
    link = page.soup.select_one('a[href="tel:+18665550164"]')
    assert link is not None and link.get_text() == written


def test_french_says_adresse_de_courriel_except_the_faqs_own_label() -> None:
    """«Adresse courriel» stays only where the FAQ names the code's channel so."""
    with CATALOG.open("rb") as po:
        catalog = read_po(po)
    said = [
        (str(m.id), str(m.string))
        for m in catalog
        if m.id and re.search(r"adresse courriel", str(m.string), re.IGNORECASE)
    ]
    assert said == [("E-mail", "Adresse courriel")], said


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_compose_form_says_contract_as_its_confirmation_does(
    app: Flask, services: Services, jean: int, lang: str
) -> None:
    mine = contract(services, identity_id=jean)
    browser = signed_in(app, lang=lang)
    label = compose_page(browser, lang).soup.select_one('label[for="contract"]')
    word = {"fr": "Contrat", "en": "Contract"}[lang]
    assert label is not None and label.get_text() == word
    sent = compose(browser, mine, QUESTION, lang=lang)
    assert word in [dt.get_text() for dt in sent.soup.select("dt")]


@pytest.mark.parametrize(("lang", "word"), [("fr", "au total"), ("en", "total")])
def test_the_overview_says_total(
    app: Flask, services: Services, jean: int, lang: str, word: str
) -> None:
    contract(services, "LO-25-000002", identity_id=jean, kind="lease")
    page = signed_in(app, lang=lang).get(f"/{lang}/overview")
    subs = [s.get_text() for s in page.soup.select("dd .sub")]
    assert any(s.endswith(f" {word}") for s in subs), subs
    assert "in all" not in page.text


@pytest.mark.parametrize(
    ("lang", "due"), [("fr", r"réponse due le \d{1,2} \w+ \d{4}, \d{1,2} h \d{2}"),
                      ("en", r"answer due \w+ \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[ap]\.m\.")]
)  # fmt: skip
def test_agents_read_dates_in_words_and_times_without_seconds(
    app: Flask, services: Services, jean: int, lang: str, due: str
) -> None:
    compose(signed_in(app), contract(services, identity_id=jean))
    agent(services)
    browser = staff_signed_in(app, lang=lang)
    queue = browser.get("/staff/messages")
    assert re.search(due, queue.text), queue.text
    page = open_from_queue(browser, {"fr": "Paiements", "en": "Payments"}[lang])
    assert re.search(due, page.text), page.text
    assert not re.search(r"\d{1,2}[: ]\d{2}[: ]\d{2}", page.text)  # no seconds
