"""Money and dates as a Canadian reads them: 1 234,56 $ and 15 mars 2025 in fr-CA,
$1,234.56 and March 15, 2025 in en-CA (Babel, from amounts kept in cents), in the
language given: pages, e-mails and PDFs write them alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from flows.i18n import LOCALES

# Parsed once: Babel would parse a locale's name again at each amount and date.
_LOCALE = {lang: Locale.parse(code) for lang, code in LOCALES.items()}
EASTERN = ZoneInfo("America/Toronto")  # where MINI Financial Services Canada's customers are


@lru_cache(maxsize=4096)
def money(cents: int, lang: str) -> str:
    """Kept: a page shows the same amounts and dates at each visit, and Babel takes
    longer to write one than the rest of the page takes per line."""
    return format_currency(Decimal(cents) / 100, "CAD", locale=_LOCALE[lang])


def number(value: int, lang: str) -> str:
    return format_decimal(value, locale=_LOCALE[lang])


def rate(basis_points: int, lang: str) -> str:
    """A yearly rate kept in hundredths of a percent: 549 is 5,49 % (fr) or 5.49% (en)."""
    value = Decimal(basis_points) / 10_000
    return format_percent(value, locale=_LOCALE[lang], decimal_quantization=False)


def percent(value: Decimal, lang: str) -> str:
    """A rate in percent as written in the language: 9,975 % (fr) or 9.975% (en)."""
    return format_percent(value / 100, locale=_LOCALE[lang], decimal_quantization=False)


@lru_cache(maxsize=4096)
def day(value: date, lang: str) -> str:
    """«1er juillet 2027» (French writes the first of a month as an ordinal), July 1, 2027."""
    written = format_date(value, "long", locale=_LOCALE[lang])
    return f"1er{written[1:]}" if lang == "fr" and value.day == 1 else written


def moment(value: datetime, lang: str) -> str:
    """A moment as the customer reads it, in Eastern time: «5 décembre 2026, 14 h 03»."""
    local = value.astimezone(EASTERN)
    # «14 h 03» never breaks across lines (as 2:03 p.m. does not, its space a narrow one).
    time = format_time(local, "short", locale=_LOCALE[lang]).replace(" ", "\u00a0")
    return f"{day(local.date(), lang)}, {time}"


def phone(number: str, lang: str) -> str:
    """A North-American number as each language writes it: «1 866 555-0164» in French
    (OQLF), "1-866-555-0164" in English; anything else as given."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        country, digits = digits[0], digits[1:]
    elif len(digits) == 10:
        country = ""
    else:
        return number
    parts = [country, digits[:3], digits[3:6]] if country else [digits[:3], digits[3:6]]
    return f"{(' ' if lang == 'fr' else '-').join(parts)}-{digits[6:]}"


def tel(phone: str) -> str:
    """A North-American number as written for people ("1 866 555-0164") as a tel: URI."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 10:
        digits = "1" + digits
    return f"tel:+{digits}"
