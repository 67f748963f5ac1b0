"""Templates are compiled once for each language, with their messages translated."""

from __future__ import annotations

import pytest
from flask import Flask

from web.i18n import TranslatedTemplates, in_language

SOURCE = (
    '{{ _("Sign in") }}|{{ gettext("Sign in") }}'
    '|{{ _("Contract %(number)s", number=number) }}|{{ tools._("Sign in") }}|{{ _("Up 100%%") }}'
)
VALUES = {"number": "<b>", "tools": {"_": str.upper}}


@pytest.mark.parametrize(
    ("lang", "page"),
    [
        ("fr", "Se connecter|Se connecter|Contrat &lt;b&gt;|SIGN IN|Up 100%"),
        ("en", "Sign in|Sign in|Contract &lt;b&gt;|SIGN IN|Up 100%"),
    ],
)
def test_a_message_without_values_is_its_translation_in_the_compiled_template(
    app: Flask, lang: str, page: str
) -> None:
    assert isinstance(app.jinja_env, TranslatedTemplates)
    with in_language(lang):
        templates = app.jinja_env.in_force()
        code = templates.compile(SOURCE, raw=True)
        assert templates.from_string(SOURCE).render(VALUES) == page
    assert templates.language == lang
    # The three messages without values are constants; the one with a value, and an
    # attribute that happens to be called _, are still called at each rendering.
    assert page.split("|")[0] in code
    assert code.count("context.call(") == 2


def test_a_message_that_needs_values_still_fails_without_them(app: Flask) -> None:
    templates = app.jinja_env
    assert isinstance(templates, TranslatedTemplates)
    with in_language("fr"):
        template = templates.in_force().from_string('{{ _("Contract %(number)s") }}')
        with pytest.raises(KeyError):
            template.render()


def test_each_language_renders_the_same_template_in_its_own(app: Flask) -> None:
    client = app.test_client()
    pages = [client.get(f"/{lang}/faq").get_data(as_text=True) for lang in ("fr", "en", "fr")]
    assert "<h1>FAQ sur Mon Compte MINI<" in pages[0]
    assert "<h1>Questions about Mon Compte MINI<" in pages[1]
    assert pages[2] == pages[0]
