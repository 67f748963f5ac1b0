"""Money and dates as a Canadian reads them: 1 234,56 $ and 15 mars 2025 in fr-CA,
$1,234.56 and March 15, 2025 in en-CA (Babel, from amounts kept in cents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask

from web.i18n import LOCALES, current_language

# Parsed once: Babel would parse a locale's name again at each amount and date.
_LOCALE = {lang: Locale.parse(code) for lang, code in LOCALES.items()}


def money(cents: int, lang: str | None = None) -> str:
    return _money(cents, lang or current_language())


@lru_cache(maxsize=4096)
def _money(cents: int, lang: str) -> str:
    """Kept: a page shows the same amounts and dates at each visit, and Babel takes
    longer to write one than the rest of the page takes per line."""
    return format_currency(Decimal(cents) / 100, "CAD", locale=_LOCALE[lang])


def number(value: int, lang: str | None = None) -> str:
    return format_decimal(value, locale=_LOCALE[lang or current_language()])


def rate(basis_points: int, lang: str | None = None) -> str:
    """A yearly rate kept in hundredths of a percent: 549 is 5,49 % (fr) or 5.49% (en)."""
    value = Decimal(basis_points) / 10_000
    locale = _LOCALE[lang or current_language()]
    return format_percent(value, locale=locale, decimal_quantization=False)


def percent(value: Decimal, lang: str | None = None) -> str:
    """A rate in percent as written in the language: 9,975 % (fr) or 9.975% (en)."""
    locale = _LOCALE[lang or current_language()]
    return format_percent(value / 100, locale=locale, decimal_quantization=False)


def day(value: date, lang: str | None = None) -> str:
    return _day(value, lang or current_language())


@lru_cache(maxsize=4096)
def _day(value: date, lang: str) -> str:
    return format_date(value, "long", locale=_LOCALE[lang])


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["rate"] = rate
