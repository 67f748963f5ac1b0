"""The characters each field type takes: one line, several lines, passwords."""

from __future__ import annotations

import pytest

from flows.fields import FieldSpec, check

TEXT = {"body": FieldSpec("body", "text")}
PASSWORD = {"password": FieldSpec("password", "password")}


def test_multi_line_text_keeps_its_line_breaks() -> None:
    body = "Bonjour,\r\n\r\nVoici mon relevé.\nMerci"
    assert check(TEXT, {"body": body}).values == {"body": body}


@pytest.mark.parametrize("body", ["a\tb", "a\x00b", "a\u202eb", "a\u200bb", "a\x0bb"])
def test_multi_line_text_refuses_other_controls_and_invisible_characters(body: str) -> None:
    assert check(TEXT, {"body": body}).errors == {"body": "invalid_characters"}


def test_a_password_is_kept_as_typed_with_any_unicode() -> None:
    family = " famille 👨\u200d👩\u200d👧 au chalet "  # emoji joined by zero-width joiners
    assert check(PASSWORD, {"password": family}).values == {"password": family}
    assert check(PASSWORD, {"password": "abc\x00def"}).errors == {"password": "invalid_characters"}
