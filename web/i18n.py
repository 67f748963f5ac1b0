"""Languages: French (fr-CA, the default) under /fr/, English (en-CA) under /en/."""

from __future__ import annotations

from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request
from flask_babel import Babel, get_locale, get_translations

LOCALES = {"fr": "fr_CA", "en": "en_CA"}
DEFAULT = "fr"
CATALOGS = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogs(source: Path, target: Path) -> None:
    """Compile each .po into TARGET when its .mo is missing or older."""
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        tmp = mo.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(mo)


_catalogues: dict[str, support.NullTranslations] = {}


def catalogue() -> support.NullTranslations:
    """The catalogue of the locale in force (force_locale included).

    A page calls gettext a hundred times: each call finds its catalogue in a dictionary
    rather than through Flask-Babel's four lookups of the request context.
    """
    locale = str(get_locale())
    found = _catalogues.get(locale)
    if found is None:
        found = _catalogues[locale] = get_translations()
    return found


def translate(message: str) -> str:
    """gettext, for templates and the labels of codes."""
    return catalogue().ugettext(message)


def current_language() -> str:
    return str(g.get("lang", DEFAULT))


def preferred_language() -> str:
    """The language for a URL without one: the browser's choice among ours, else French."""
    for tag, _quality in request.accept_languages:  # best first
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "locale"
    compile_catalogs(CATALOGS, compiled)
    app.config.update(
        BABEL_DEFAULT_LOCALE=LOCALES[DEFAULT],
        BABEL_DEFAULT_TIMEZONE="America/Toronto",
        BABEL_TRANSLATION_DIRECTORIES=str(compiled),
    )
    Babel(app, locale_selector=lambda: LOCALES[current_language()])
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=translate,
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.url_value_preprocessor
    def _language_from_url(_endpoint: str | None, values: dict[str, object] | None) -> None:
        if values and values.get("lang") in LOCALES:
            g.lang = values["lang"]

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
