"""The FAQ page: the five questions of the seed in both languages, linked to their procedures."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask

from flows.analysis import faq
from tests.factories import PASSWORD, identity
from tests.support import Browser, Page, newest


def spaced(text: str) -> str:
    """Runs of spaces and line breaks as one space; French no-break spaces stay."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_question_and_answer_in_each_language(browser: Browser, lang: str) -> None:
    home = browser.get(f"/{lang}/")
    more = (
        "Découvrez la liste complète des questions"
        if lang == "fr"
        else "Discover the complete list of questions"
    )
    page = browser.get(home.link(more))
    assert page.status == 200 and page.path == f"/{lang}/faq"
    questions = [spaced(h.get_text(" ")) for h in page.soup.select(".question h2")]
    assert questions == [q.question[lang] for q in faq.questions()]
    assert len(questions) == 5
    for question in faq.questions():
        section = page.soup.select_one(f"#{question.id}")
        assert section is not None
        text = spaced(section.get_text(" "))
        assert question.answer[lang] in text
        for step in question.steps:
            assert step.text[lang] in text


@pytest.mark.parametrize(
    ("lang", "links", "steps"),
    [
        (
            "fr",
            {
                "what": ("Cliquez ici pour vous inscrire.", "/fr/register"),
                "access": ("S'inscrire maintenant", "/fr/register"),
                "password": ("Mot de passe oublié?", "/fr/password-reset"),
                "link-account": ("Associez votre compte", "/fr/link-account"),
                "messages": ("Mon Centre de messages", "/fr/messages"),
            },
            ["Étape 1 :", "Étape 1 (autre possibilité) :", "Étape 2 :", "Étape 3 :", "Étape 4 :"],
        ),
        (
            "en",
            {
                "what": ("Click here to register.", "/en/register"),
                "access": ("Register now", "/en/register"),
                "password": ("Forgot your password?", "/en/password-reset"),
                "link-account": ("Link your account", "/en/link-account"),
                "messages": ("My message centre", "/en/messages"),
            },
            ["Step 1:", "Step 1 (alternative):", "Step 2:", "Step 3:", "Step 4:"],
        ),
    ],
)
def test_answers_link_to_the_procedures_the_site_has(
    browser: Browser, lang: str, links: dict[str, tuple[str, str]], steps: list[str]
) -> None:
    page = browser.get(f"/{lang}/faq")
    for question_id, (label, target) in links.items():
        found = [(a.get_text(strip=True), a["href"]) for a in page.soup.select(f"#{question_id} a")]
        assert found == [(label, target)], question_id
        assert browser.get(target).status == 200
    labels = [s.get_text(strip=True) for s in page.soup.select("#link-account li strong")]
    assert labels == steps


def faq_steps(browser: Browser, lang: str, question_id: str) -> dict[int, str]:
    """The numbered steps of one answer of the FAQ page: {number: text}."""
    page = browser.get(f"/{lang}/faq")
    steps = {}
    for item in page.soup.select(f"#{question_id} .steps-list li"):
        label = item.strong.get_text(strip=True) if item.strong else ""
        number = re.fullmatch(r"\D+ (\d+) ?:", label)
        if number:
            steps[int(number.group(1))] = spaced(item.get_text(" ")).removeprefix(label).strip()
    return steps


def progress(page: Page) -> tuple[int, int]:
    label = page.soup.select_one(".progress")
    assert label is not None, page.path
    step, total = re.findall(r"\d+", label.get_text())
    return int(step), int(total)


def button(page: Page) -> str:
    found = page.soup.select_one("form button.primary")
    assert found is not None, page.path
    return found.get_text(strip=True)


def link_page(app: Flask) -> str:
    return urlsplit(str(newest(app.extensions["moncompte"]).extras["link"])).path


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_sign_in_page_is_the_one_the_faq_names(browser: Browser, lang: str) -> None:
    login = browser.get(f"/{lang}/login")
    assert login.h1 == ("MINI ID — Connectez-vous" if lang == "fr" else "MINI ID — Sign in")
    first = faq_steps(browser, lang, "password")[1]
    assert login.h1 in first
    assert ("Mot de passe oublié?" if lang == "fr" else "Forgot your password?") in first
    assert login.link("Mot de passe oublié?" if lang == "fr" else "Forgot your password?")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_registration_pages_count_the_customers_screens(app: Flask, lang: str) -> None:
    """«Étape 1 sur 4» on the form, as the customer counts; the FAQ's own numbers (its
    step 2 is the form) stay the analysts'."""
    browser = Browser(app)
    steps = faq_steps(browser, lang, "access")
    details = browser.get(f"/{lang}/register")
    sent = (
        details.form()
        .fill(
            first_name="Luc",
            last_name="Côté",
            email="luc@example.com",
            password=PASSWORD,
            password_confirm=PASSWORD,
        )
        .submit()
    )
    activate = browser.get(link_page(app))
    activated = activate.form().submit()
    assert [progress(p) for p in (details, sent, activate, activated)] == [
        (1, 4),
        (2, 4),
        (3, 4),
        (4, 4),
    ]
    word = "Étape" if lang == "fr" else "Step"
    assert f"{word} 1 {'sur' if lang == 'fr' else 'of'} 4" in details.text
    assert len(steps) == 4
    # What the FAQ's step asks for is what the page asks for.
    assert button(details) in steps[2] and button(activate) in steps[3]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_password_reset_pages_count_the_customers_screens(app: Flask, lang: str) -> None:
    identity(app.extensions["moncompte"], "jean.t@example.com", language=lang)
    browser = Browser(app)
    steps = faq_steps(browser, lang, "password")
    request = browser.get(f"/{lang}/password-reset")
    sent = request.form().fill(email="jean.t@example.com").submit()
    change = browser.get(link_page(app))
    new = "un nouveau départ en forêt"
    done = change.form().fill(password=new, password_confirm=new).submit()
    assert [progress(p) for p in (request, sent, change, done)] == [
        (1, 4),
        (2, 4),
        (3, 4),
        (4, 4),
    ]
    assert len(steps) == 4
    assert button(request) in steps[2] and button(change) in steps[4]
