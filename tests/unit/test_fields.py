"""The field types the engine checks before any guard: files, record ids, the characters
each type of text takes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from flows import fields
from flows.fields import FieldSpec, Upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
ONE = {"document": fields.parse_field("document", {"type": "file", "required": True})}
THREE = {"files": fields.parse_field("files", {"type": "file", "max_count": 3})}


def test_uploads_become_accepted_files_known_by_their_content() -> None:
    checked = fields.check(ONE, {"document": [Upload("C:\\scans\\relevé.PDF", PDF)]})
    [accepted] = checked.values["document"]
    assert checked.errors == {}
    assert (accepted.display_name, accepted.content_type) == ("relevé.pdf", "application/pdf")


def test_files_in_json_are_base64_objects() -> None:
    sent = {"name": "photo.png", "content_base64": base64.b64encode(PNG).decode()}
    checked = fields.check(THREE, {"files": [sent, sent]})
    assert [f.content_type for f in checked.values["files"]] == ["image/png", "image/png"]
    bad = fields.check(THREE, {"files": [{"name": "x", "content_base64": "not base64!"}]})
    assert bad.errors == {"files": "invalid"}


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ([], "file_required"),
        ([Upload("", b"")], "file_required"),  # a form's empty file input
        ([Upload("virus.pdf", b"MZ\x90\x00" + b"\x00" * 64)], "file_type"),
        ([Upload("big.pdf", PDF + b"\x00" * fields.MAX_FILE_BYTES)], "file_too_large"),
        ([Upload("a.pdf", PDF), Upload("b.pdf", PDF)], "file_too_many"),
        (["just text"], "invalid"),
    ],
)
def test_refused_files_say_why(sent: list[object], reason: str) -> None:
    assert fields.check(ONE, {"document": sent}).errors == {"document": reason}


def test_a_fourth_file_is_one_too_many() -> None:
    four = [Upload(f"{n}.pdf", PDF) for n in range(4)]
    assert fields.check(THREE, {"files": four}).errors == {"files": "file_too_many"}
    assert len(fields.check(THREE, {"files": four[:3]}).values["files"]) == 3


def test_every_file_problem_is_found_at_once_each_named() -> None:
    sent = [
        Upload("ok.pdf", PDF),
        Upload("C:\\bureau\\facture.exe", b"MZ\x90\x00" + b"\x00" * 64),
        Upload("scan.pdf", PDF + b"\x00" * fields.MAX_FILE_BYTES),
        Upload("vide.png", b""),
    ]
    checked = fields.check(THREE, {"files": sent})
    assert checked.errors == {"files": "file_too_many"} and "files" not in checked.values
    assert [(p["reason"], p["name"]) for p in checked.files["files"]] == [
        ("file_too_many", ""),
        ("file_type", "facture.exe"),
        ("file_too_large", "scan.pdf"),
        ("file_required", "vide.png"),
    ]
    said = [fields.file_problem_message(p) for p in checked.files["files"]]
    assert said[0] == (fields.FILE_PROBLEMS["file_too_many"], {"limit": 3, "count": 4})
    assert said[1] == (fields.FILE_PROBLEMS["file_type"], {"name": "facture.exe"})
    assert fields.check(THREE, {"files": sent[:1]}).files == {}


def test_the_audit_trail_keeps_what_a_file_is_never_its_content() -> None:
    checked = fields.check(ONE, {"document": [Upload("relevé.pdf", PDF)]})
    kept = fields.for_audit(ONE, checked.values)
    assert kept == {
        "document": [
            {
                "name": "relevé.pdf",
                "type": "application/pdf",
                "size": len(PDF),
                "sha256": hashlib.sha256(PDF).hexdigest(),
            }
        ]
    }


def test_a_refused_form_gets_back_all_it_can_show_never_a_secret() -> None:
    specs = {
        "body": fields.parse_field("body", {"type": "text", "required": True}),
        "contract": fields.parse_field("contract", {"type": "id"}),
        "password": fields.parse_field("password", {"type": "password"}),
        **THREE,
    }
    long_text = "mot " * 2000  # 8,000 characters: too long, and not lost
    sent = {"body": long_text, "contract": "12", "password": "secret", "files": [Upload("a", PDF)]}
    checked = fields.check(specs, sent)
    assert checked.errors == {"body": "too_long"}
    kept = fields.refill(specs, checked.values, sent, checked.errors)
    assert kept == {"body": long_text, "contract": 12, "files": ["a.pdf"]}


def test_line_breaks_count_as_one_character_as_a_browser_counts_them() -> None:
    spec = {"body": fields.parse_field("body", {"type": "text", "max_length": 14})}
    checked = fields.check(spec, {"body": "un\r\ndeux\rtrois"})
    assert checked.values == {"body": "un\ndeux\ntrois"}


@pytest.mark.parametrize(
    ("raw", "value", "error"),
    [
        ("42", 42, None),
        (42, 42, None),
        (" 7 ", 7, None),
        ("9223372036854775808", None, "invalid"),  # past 2^63: no database can hold it
        ("-1", None, "invalid"),
        ("4a", None, "invalid"),
    ],
)
def test_record_ids(raw: object, value: int | None, error: str | None) -> None:
    spec = {"contract": FieldSpec("contract", "id", required=True)}
    checked = fields.check(spec, {"contract": raw})
    assert checked.values.get("contract") == value
    assert checked.errors.get("contract") == error


TEXT = {"body": FieldSpec("body", "text")}
PASSWORD = {"password": FieldSpec("password", "password")}


def test_multi_line_text_keeps_its_line_breaks() -> None:
    body = "Bonjour,\r\n\r\nVoici mon relevé.\nMerci"
    # Kept as one character each, as the browser that sent them as CRLF counted them.
    assert fields.check(TEXT, {"body": body}).values == {"body": body.replace("\r\n", "\n")}


def test_pasted_line_and_paragraph_separators_become_line_breaks() -> None:
    body = "Bonjour,\u2029Voici mon relevé.\u2028Merci"
    assert fields.check(TEXT, {"body": body}).values == {
        "body": "Bonjour,\nVoici mon relevé.\nMerci"
    }


@pytest.mark.parametrize("body", ["a\tb", "a\x00b", "a\u202eb", "a\u200bb", "a\x0bb"])
def test_multi_line_text_refuses_other_controls_and_invisible_characters(body: str) -> None:
    assert fields.check(TEXT, {"body": body}).errors == {"body": "invalid_characters"}


def test_a_password_is_kept_as_typed_with_any_unicode() -> None:
    family = " famille 👨\u200d👩\u200d👧 au chalet "  # emoji joined by zero-width joiners
    assert fields.check(PASSWORD, {"password": family}).values == {"password": family}
    assert fields.check(PASSWORD, {"password": "abc\x00def"}).errors == {
        "password": "invalid_characters"
    }
