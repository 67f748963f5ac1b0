"""The FAQ page: the five questions of the seed in both languages, linked to their procedures."""

from __future__ import annotations

import pytest

from flows.analysis import faq
from tests.support import Browser


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
    questions = [" ".join(h.get_text(" ").split()) for h in page.soup.select(".question h2")]
    assert questions == [q.question[lang] for q in faq.questions()]
    assert len(questions) == 5
    for question in faq.questions():
        section = page.soup.select_one(f"#{question.id}")
        assert section is not None
        text = " ".join(section.get_text(" ").split())
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
