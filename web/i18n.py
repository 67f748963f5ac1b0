"""Languages: French (fr-CA, the default) under /fr/, English (en-CA) under /en/."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request
from flask import templating as flask_templating
from flask_babel import Babel, force_locale
from jinja2 import Template, pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import EvalContext
from markupsafe import Markup

from flows.i18n import CATALOGS, DEFAULT, LOCALES


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile each .po into TARGET when its .mo is missing or older."""
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        tmp = mo.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(mo)


_catalogues: dict[str, support.NullTranslations] = {}
# This request's language, as use_language() set it: a page asks for it a hundred times,
# and a context variable answers faster than ``g``.
_page: ContextVar[str] = ContextVar("page_language", default=DEFAULT)
# The language in_language() puts in force, over the page's.
_forced: ContextVar[str | None] = ContextVar("forced_language", default=None)


def use_language(lang: str) -> None:
    """This request's language: its URL's, the staff member's choice, the API caller's."""
    g.lang = lang
    token = _page.set(lang)
    g.setdefault("language_token", token)  # the first: what the request ends by restoring


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Write in LANG for a while (a PDF, a diagram, the CLI): our gettext and formats,
    and Flask-Babel's, whatever the page's language."""
    token = _forced.set(lang)
    try:
        with force_locale(LOCALES[lang]):
            yield
    finally:
        _forced.reset(token)


def catalogue() -> support.NullTranslations:
    """The catalogue of the language in force.

    A page calls gettext a hundred times: each call finds its catalogue in a dictionary
    by the language code, rather than through Flask-Babel's lookups of the request
    context and its locale.
    """
    return _catalogues[current_language()]


def translate(message: str) -> str:
    """gettext, for templates and the labels of codes."""
    return catalogue().ugettext(message)


def current_language() -> str:
    return _forced.get() or _page.get()


# The templates' _() and ngettext(), as Jinja's newstyle gettext has them (the text is
# always %-formatted, its values escaped in HTML: the catalogue's own text is trusted, as
# Jinja trusts it), without its two extra calls through the context.
def _formatted(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, catalogue().ugettext(message), variables)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_ctx, catalogue().ungettext(singular, plural, num), variables)


class TranslatedTemplates(flask_templating.Environment):
    """Flask's templates, compiled once for each language with their messages translated.

    A page has a hundred ``_("…")`` without values: in the template of a language, each
    is already its text, as a constant, so rendering the page calls gettext only for the
    messages that take values. Templates rendered while a language is in force (a page's,
    or in_language()'s) come from that language's environment: an overlay of this one,
    with the same globals, filters and loader, and a cache of its own.
    """

    language: str | None = None  # None: this environment, which hands templates over

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if self.language is None:
            return self.in_force().get_template(name, parent, globals)
        return super().get_template(name, parent, globals)

    def select_template(
        self,
        names: Iterable[str | Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if self.language is None:
            return self.in_force().select_template(names, parent, globals)
        return super().select_template(names, parent, globals)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dictionary, not Jinja's ChainMap over the
        environment's: each ``{% from … import %}`` compares the two templates' globals, and
        a ChainMap's keys are compared one by one in Python (about 40 µs an import, four a
        page). Every global is added before the first page (see in_force)."""
        return {**self.globals, **(d or {})}

    def in_force(self) -> TranslatedTemplates:
        """The environment of the language in force."""
        # Made at the first page, once every part of the app has added its globals and
        # extensions (the overlays share the globals and filters, not the extensions).
        if "_languages" not in self.__dict__:
            self._languages = {lang: self._overlay_in(lang) for lang in LOCALES}
        return self._languages[current_language()]

    def _overlay_in(self, lang: str) -> TranslatedTemplates:
        overlay = self.overlay(extensions=[_LiteralMessages])
        assert isinstance(overlay, TranslatedTemplates)
        overlay.language = lang
        return overlay


class _LiteralMessages(Extension):
    """``_("text")`` and ``gettext("text")``, without values, become ``("translated"|safe)``
    as the template is compiled in its environment's language: the text our _() would
    give at each rendering (%-formatted, trusted as Markup), which Jinja keeps as a
    constant. A message that does not format without values stays a call, and fails as
    it did."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        language = getattr(self.environment, "language", None)
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            text = _literal_message(tokens, i, language)
            if text is None:
                yield tokens[i]
                i += 1
                continue
            line = tokens[i].lineno
            yield from (
                Token(line, "lparen", "("),
                Token(line, "string", text),
                Token(line, "pipe", "|"),
                Token(line, "name", "safe"),
                Token(line, "rparen", ")"),
            )
            i += 4


def _literal_message(tokens: Sequence[Token], i: int, language: str | None) -> str | None:
    """The translated text when TOKENS[i:i+4] are ``_ ( "text" )`` (not an attribute)."""
    call = [t.type for t in tokens[i : i + 4]]
    if (
        language is None
        or call != ["name", "lparen", "string", "rparen"]
        or tokens[i].value not in ("_", "gettext")
        or (i > 0 and tokens[i - 1].type == "dot")
    ):
        return None
    try:
        return str(_catalogues[language].ugettext(tokens[i + 2].value) % {})
    except (KeyError, ValueError, TypeError):
        return None


def preferred_language() -> str:
    """The language for a URL without one: the browser's choice among ours, else French."""
    for tag, _quality in request.accept_languages:  # best first
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT


def init_app(app: Flask) -> None:
    assert "jinja_env" not in app.__dict__, "templates are made here, before any part uses them"
    app.jinja_environment = TranslatedTemplates
    compiled = Path(app.instance_path) / "locale"
    compile_catalogs(CATALOGS, compiled)
    for lang, locale in LOCALES.items():  # the same in every app: from the same .po files
        _catalogues[lang] = support.Translations.load(str(compiled), [locale])
    app.config.update(
        BABEL_DEFAULT_LOCALE=LOCALES[DEFAULT],
        BABEL_DEFAULT_TIMEZONE="America/Toronto",
        BABEL_TRANSLATION_DIRECTORIES=str(compiled),
    )
    Babel(app, locale_selector=lambda: LOCALES[current_language()])
    # Flask-Babel installed Jinja's i18n extension (newstyle); the templates' _, gettext
    # and ngettext are ours (above).
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )

    @app.url_value_preprocessor
    def _language_from_url(_endpoint: str | None, values: dict[str, object] | None) -> None:
        if values and values.get("lang") in LOCALES:
            use_language(str(values["lang"]))

    @app.teardown_request
    def _language_ends(_error: BaseException | None) -> None:
        token = g.pop("language_token", None)
        if token is not None:  # the next request on this thread starts as this one did
            _page.reset(token)

    @app.url_defaults
    def _language_in_urls(endpoint: str, values: dict[str, object]) -> None:
        if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_language()

    @app.context_processor
    def _language() -> dict[str, object]:
        lang = current_language()
        return {"lang": lang, "other_lang": "en" if lang == "fr" else "fr"}

    app.jinja_env.globals["switch_language_url"] = switch_language_url


def switch_language_url() -> str:
    """This page in the other language (its path with the other prefix)."""
    lang = current_language()
    other = "en" if lang == "fr" else "fr"
    path = request.full_path if request.query_string else request.path
    if path.startswith(f"/{lang}/"):
        return f"/{other}/{path[len(lang) + 2 :]}"
    return f"/{other}/"
