"""Values of the system of record: VIN check digit, phone numbers, amounts, files."""

from __future__ import annotations

import pytest

from flows import fields
from flows.contracts import files, values

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP042788",  # the check digit is X (10)
        "1HGCM82633A004352",
        "wmwxu9c05p2t12345",  # lower case is read as upper case
    ],
)
def test_valid_vins(vin: str) -> None:
    assert values.parse_vin(vin) == vin.upper()


def test_check_digit_worked_by_hand() -> None:
    """1HGCM82633A004352: 1·8 + 8·7 + 7·6 + 3·5 + 4·4 + 8·3 + 2·2 + 6·10 + 3·0 + 3·9 + 1·8
    + 0·7 + 0·6 + 4·5 + 3·4 + 5·3 + 2·2 = 311 (H = 8, G = 7, C = 3, M = 4, A = 1);
    311 mod 11 = 3, the 9th character."""
    assert values.vin_check_digit("1HGCM82633A004352") == "3"


@pytest.mark.parametrize(
    ("vin", "problem"),
    [
        ("1HGCM82643A004352", "check digit"),
        ("1HGCM8263IA004352", "without I, O or Q"),
        ("1HGCM82633A00435", "17 letters"),
        ("1HGCM82633A0043521", "17 letters"),
        ("1HGCM-2633A004352", "17 letters"),
    ],
)
def test_bad_vins(vin: str, problem: str) -> None:
    with pytest.raises(values.BadValue, match=problem):
        values.parse_vin(vin)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("514-555-0123", "+15145550123"),
        ("(416) 555-0199", "+14165550199"),
        ("+1 604 555 0142", "+16045550142"),
        ("+33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_phone_numbers_become_e164(text: str, e164: str) -> None:
    assert values.parse_phone(text) == e164


@pytest.mark.parametrize("text", ["555-0123", "not a phone", "+1 999 555 0123"])
def test_bad_phone_numbers(text: str) -> None:
    with pytest.raises(values.BadValue):
        values.parse_phone(text)


@pytest.mark.parametrize(("text", "cents"), [("512.37", 51237), ("7", 700), ("0.5", 50)])
def test_amounts_in_cents(text: str, cents: int) -> None:
    assert values.parse_cents(text) == cents


@pytest.mark.parametrize("text", ["512,37", "1.234", "-5.00", "12.3.4", "$5", "1e3"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(values.BadValue):
        values.parse_cents(text)


@pytest.mark.parametrize(
    ("content", "name", "shown", "mime"),
    [
        (PDF, "relevé mars.pdf", "relevé mars.pdf", "application/pdf"),
        (PNG, "C:\\Users\\me\\photo.PNG", "photo.png", "image/png"),
        (JPEG, "../../etc/passwd", "passwd.jpg", "image/jpeg"),
    ],
)
def test_accepted_files_are_known_by_their_content(
    content: bytes, name: str, shown: str, mime: str
) -> None:
    accepted, problem = fields.accept_file(fields.Upload(name, content))
    assert accepted is not None and problem is None
    assert (accepted.display_name, accepted.content_type) == (shown, mime)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file_required"),
        (b"MZ\x90\x00" + b"\x00" * 64, "file_type"),  # a Windows program named .pdf
        (b"<html><script>alert(1)</script>", "file_type"),
        (PDF + b"\x00" * fields.MAX_FILE_BYTES, "file_too_large"),
    ],
)
def test_refused_files(content: bytes, reason: str) -> None:
    assert fields.accept_file(fields.Upload("statement.pdf", content)) == (None, reason)


def test_stored_names_are_generated() -> None:
    names = {files.storage_name("pdf") for _ in range(100)}
    assert len(names) == 100 and all(len(n) == 36 for n in names)


@pytest.mark.parametrize(
    ("language", "typed", "cents"),
    [
        ("fr", "512,37", 51237),
        ("fr", "512.37", 51237),
        ("fr", "1 234,56", 123456),
        ("fr", "1 234,56 $", 123456),
        ("fr", "1\u00a0234,56\u00a0$", 123456),  # as Babel and our pages write it
        ("fr", "1\u202f234,56 $", 123456),
        ("fr", " 0,5 ", 50),
        ("en", "$1,234.56", 123456),
        ("en", "1234.56", 123456),
        ("en", "CA$512.37", 51237),
        ("en", "455,13", 45513),  # the comma a French-speaker types on the English page
        ("en", "$455,13", 45513),
        ("en", "1,234", 123400),  # three digits after the comma: a thousand
    ],
)
def test_amounts_as_customers_type_them(language: str, typed: str, cents: int) -> None:
    assert values.parse_amount(typed, language) == cents


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("fr", "abc"),
        ("en", "abc"),
        ("fr", "12,345"),  # a thousand, or 12 dollars and a third of a cent? refused
        ("en", "1,2345"),
        ("en", "1000000000,00"),
        ("fr", "-5,00"),
        ("fr", "1e3"),
        ("fr", ""),
        ("fr", "$"),
        ("fr", "1 000 000 000,00"),
    ],
)
def test_amounts_that_are_not_amounts(language: str, typed: str) -> None:
    with pytest.raises(values.BadValue) as refused:
        values.parse_amount(typed, language)
    assert refused.value.reason == "amount_format"


def test_a_vin_as_customers_type_it() -> None:
    assert values.parse_typed_vin(" 1m8g dm9a xkp0 42788 ") == "1M8GDM9AXKP042788"
    for typed, reason in [
        ("1M8GDM9AIKP042788", "vin_format"),  # I
        ("1M8GDM9AOKP042788", "vin_format"),  # O
        ("1M8GDM9AQKP042788", "vin_format"),  # Q
        ("1M8GDM9AXKP04278", "vin_format"),  # 16 characters
        ("1M8GDM9A1KP042788", "vin_check_digit"),
    ]:
        with pytest.raises(values.BadValue) as refused:
            values.parse_typed_vin(typed)
        assert refused.value.reason == reason, typed
