"""Every customer-facing string has a translation in both catalogs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from flows.analysis import faq
from tests.support import misquoted

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(  # noqa: S603 - our own tool, our own arguments
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def catalog(locale: str) -> Catalog:
    with (ROOT / "locale" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["fr_CA", "en_CA"])
def test_every_string_is_translated(extracted: Catalog, locale: str) -> None:
    translations = catalog(locale)
    missing = [
        m.id
        for m in extracted
        if m.id and not (translations.get(m.id) and translations[m.id].string)
    ]
    # A plural entry needs every form of the language (French has three in CLDR).
    missing += [m.id for m in translations if isinstance(m.string, tuple) and not all(m.string)]
    assert missing == [], f"run scripts/i18n, then translate these in {locale}"
    fuzzy = [m.id for m in translations if m.id and m.fuzzy]
    assert fuzzy == []


@pytest.mark.parametrize("locale", ["fr_CA", "en_CA"])
def test_no_dead_strings_in_catalogs(extracted: Catalog, locale: str) -> None:
    dead = [m.id for m in catalog(locale) if m.id and extracted.get(m.id) is None]
    assert dead == [], "run scripts/i18n to drop strings nothing uses any more"


@pytest.mark.parametrize("locale", ["fr_CA", "en_CA"])
def test_placeholders_survive_translation(locale: str) -> None:
    for message in catalog(locale):
        if message.id and message.string:
            # Each plural form carries the placeholders of the plural msgid.
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = sorted(PLACEHOLDER.findall(str(ids[-1])))
            for form in forms:
                assert sorted(PLACEHOLDER.findall(str(form))) == expected, message.id


def test_the_product_wording_is_used_in_french() -> None:
    french = catalog("fr_CA")
    for english, wording in {
        "Register now": "S'inscrire maintenant",
        "Register": "S'inscrire",
        "Activate your MINI ID to get started": "Activez vos identifiants MINI pour commencer",
        "Activate now": "Activer maintenant",
        "Your MINI ID has been activated": "Votre MINI ID a été activé",
    }.items():
        assert french[english].string == wording


@pytest.mark.parametrize(("locale", "lang"), [("fr_CA", "fr"), ("en_CA", "en")])
def test_quotes_follow_each_language(locale: str, lang: str) -> None:
    # English: the msgids in the code and templates too.
    texts = [
        form
        for m in catalog(locale)
        for form in (m.string if isinstance(m.string, tuple) else (m.string,))
        + ((m.id if isinstance(m.id, tuple) else (m.id,)) if lang == "en" else ())
        if isinstance(form, str)
    ]
    for question in faq.questions():
        texts += [question.question[lang], question.answer[lang]]
        texts += [question.note[lang]] if question.note else []
        texts += [step.text[lang] for step in question.steps]
    assert [found for text in texts for found in misquoted(text, lang)] == []
