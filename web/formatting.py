"""Money and dates as a Canadian reads them: 1 234,56 $ and 15 mars 2025 in fr-CA,
$1,234.56 and March 15, 2025 in en-CA (Babel, from amounts kept in cents)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask

from web.i18n import LOCALES, current_language


def money(cents: int, lang: str | None = None) -> str:
    amount = Decimal(cents) / 100
    return format_currency(amount, "CAD", locale=LOCALES[lang or current_language()])


def number(value: int, lang: str | None = None) -> str:
    return format_decimal(value, locale=LOCALES[lang or current_language()])


def rate(basis_points: int, lang: str | None = None) -> str:
    """A yearly rate kept in hundredths of a percent: 549 is 5,49 % (fr) or 5.49% (en)."""
    value = Decimal(basis_points) / 10_000
    locale = LOCALES[lang or current_language()]
    return format_percent(value, locale=locale, decimal_quantization=False)


def percent(value: Decimal, lang: str | None = None) -> str:
    """A rate in percent as written in the language: 9,975 % (fr) or 9.975% (en)."""
    locale = LOCALES[lang or current_language()]
    return format_percent(value / 100, locale=locale, decimal_quantization=False)


def day(value: date, lang: str | None = None) -> str:
    return format_date(value, "long", locale=LOCALES[lang or current_language()])


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["rate"] = rate
