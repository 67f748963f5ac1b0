"""Money and dates in the page's language (flows.formatting), as the templates' filters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from flows import formatting
from web.i18n import current_language


def money(cents: int, lang: str | None = None) -> str:
    return formatting.money(cents, lang or current_language())


def number(value: int, lang: str | None = None) -> str:
    return formatting.number(value, lang or current_language())


def rate(basis_points: int, lang: str | None = None) -> str:
    return formatting.rate(basis_points, lang or current_language())


def percent(value: Decimal, lang: str | None = None) -> str:
    return formatting.percent(value, lang or current_language())


def day(value: date | str, lang: str | None = None) -> str:
    """A day in words; an ISO date as an instance's memory keeps it, too."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return formatting.day(value, lang or current_language())


def moment(value: datetime, lang: str | None = None) -> str:
    return formatting.moment(value, lang or current_language())


def init_app(app: Flask) -> None:
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["rate"] = rate
