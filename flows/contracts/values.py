"""Values of the system of record: VIN, phone number, money and dates, checked and normalized.

Each ``parse_*`` returns the normalized value or raises ``BadValue`` with a reason that
an operator can read; account association reuses them to compare what a customer types.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import phonenumbers
from babel.numbers import NumberFormatError, get_group_symbol, parse_decimal

VIN_ALPHABET = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # no I, O, Q
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# ISO 3779 / 49 CFR 565 transliteration of letters to digits.
VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
LOCALES = {"fr": "fr_CA", "en": "en_CA"}
# What people type around an amount: the currency, and spaces of every width.
_CURRENCY = re.compile(r"^\s*(?:CA)?\$\s*|\s*(?:\$|CAD)\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_AMOUNT_CHARACTERS = re.compile(r"^[0-9.,\s\u00a0\u202f\u2009]+$")
# Dollars and cents with either mark between them, in either language: 455,13 · 455.13.
_DOLLARS_AND_CENTS = re.compile(r"([0-9]+)[.,]([0-9]{2})")
_CENT = Decimal("0.01")
# Canada Post's two-letter codes of the provinces and territories.
PROVINCES = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")


class BadValue(ValueError):
    """A value that is not what it should be; REASON is its code for a customer."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that the other 16 characters call for; 10 is X."""
    total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_vin(text: str) -> str:
    vin = text.strip().upper()
    if not VIN_ALPHABET.match(vin):
        raise BadValue("must be 17 letters and digits, without I, O or Q", "vin_format")
    if vin[8] != vin_check_digit(vin):
        raise BadValue("check digit (9th character) does not match", "vin_check_digit")
    return vin


def parse_typed_vin(text: str) -> str:
    """A VIN as a customer types it: spaces anywhere and lower case are fine."""
    return parse_vin("".join(text.split()))


def parse_phone(text: str) -> str:
    """E.164 (+15145550123) from an international or North-American number."""
    try:
        number = phonenumbers.parse(text.strip(), "CA")
    except phonenumbers.NumberParseException:
        raise BadValue("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_cents(text: str) -> int:
    """Cents from a plain amount with a dot and at most two decimals: 512.37 -> 51237."""
    value = text.strip()
    if not MONEY.match(value):
        raise BadValue("must be an amount such as 512.37")
    return int(Decimal(value) * 100)


def parse_amount(text: str, language: str) -> int:
    """Cents from an amount as a customer types it in LANGUAGE (Babel's rules for fr-CA or
    en-CA): 1 234,56 $ in French, $1,234.56 in English; and in both, dollars and cents
    with a comma or a point between them (455,13 · 455.13)."""
    locale = LOCALES.get(language, LOCALES["fr"])
    value = _CURRENCY.sub("", text.strip())
    if not _AMOUNT_CHARACTERS.match(value):
        raise BadValue("must be an amount such as 512.37", "amount_format")
    plain = _DOLLARS_AND_CENTS.fullmatch(value.strip())
    if plain:
        amount = Decimal(f"{plain[1]}.{plain[2]}")
    else:
        group = get_group_symbol(locale)
        value = _SPACES.sub(group if group.isspace() else "", value)
        try:
            amount = parse_decimal(value, locale=locale, strict=True)
        except (NumberFormatError, ArithmeticError):
            raise BadValue("must be an amount such as 512.37", "amount_format") from None
    if amount != amount.quantize(_CENT) or not 0 <= amount < 10**9:
        raise BadValue("must be an amount in dollars and cents", "amount_format")
    return int(amount * 100)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadValue("must be a date such as 2025-03-15") from None


def parse_int(text: str, low: int, high: int) -> int:
    value = text.strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadValue(f"must be a whole number from {low} to {high}")
    return int(value)


def parse_province(text: str) -> str:
    code = text.strip().upper()
    if code not in PROVINCES:
        raise BadValue("must be a province or territory code such as QC, ON or BC")
    return code


def parse_rate(text: str) -> int:
    """An annual rate in percent (4.99) as hundredths of a percent (499)."""
    value = text.strip()
    if not re.match(r"^\d{1,2}(\.\d{1,2})?$", value):
        raise BadValue("must be a yearly rate in percent such as 4.99")
    return int(Decimal(value) * 100)
