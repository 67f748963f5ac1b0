"""The fields an event takes: declared in a definition, checked before any guard runs.

These are the rules every surface shares (web form, API, CLI): presence, length, format.
Rules that need the records (a name matching a contract, a password's strength) are the
procedure's guards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import filetype
from email_validator import EmailNotValidError, validate_email

from flows.reasons import N_

# type name -> (max length, JSON-schema type) for the types the engine knows.
FIELD_TYPES: dict[str, tuple[int, str]] = {
    "name": (100, "string"),
    "email": (254, "string"),
    "password": (1024, "string"),
    "token": (200, "string"),
    "string": (200, "string"),
    "text": (5000, "string"),
    "choice": (64, "string"),
    "boolean": (8, "boolean"),
    "code": (6, "string"),
    "id": (20, "string"),  # a record's number: 18 digits at most, below 2^63 in any database
    "file": (0, "array"),
}
SECRET_TYPES = frozenset({"password", "token", "code"})
AUDIT_POLICIES = frozenset({"plain", "mask", "omit"})
# The reason codes check() gives, before any guard runs.
FIELD_REASONS = frozenset(
    {
        "required",
        "invalid",
        "invalid_characters",
        "too_long",
        "invalid_choice",
        "email_invalid",
        "code_format",
        "file_required",
        "file_too_large",
        "file_type",
        "file_too_many",
    }
)
# The kinds of file customers may send, by the MIME type found in their content.
FILE_KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
MAX_FILE_BYTES = 10 * 1024 * 1024
REDACTED = "[redacted]"
# What broken encodings leave behind (U+FFFD, lone surrogates): refused in every text.
_BROKEN = re.compile(r"[\ufffd\ud800-\udfff]")
# Passwords: control characters but tab and line breaks (kept as typed, never shown).
_PASSWORD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Text that may run over several lines; every other type is one line.
MULTI_LINE_TYPES = frozenset({"text"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    audit: str = "omit"
    max_length: int = 0
    max_count: int = 1  # files
    max_bytes: int = MAX_FILE_BYTES  # each file
    accept: tuple[str, ...] = tuple(FILE_KINDS)  # files

    @property
    def secret(self) -> bool:
        return self.type in SECRET_TYPES

    def json_schema(self) -> dict[str, Any]:
        max_length, json_type = FIELD_TYPES[self.type]
        if self.type == "file":
            return file_schema(self.max_count)
        schema: dict[str, Any] = {"type": json_type}
        if self.type == "id":
            schema["pattern"] = "^[0-9]{1,18}$"
        if json_type == "string":
            schema["maxLength"] = self.max_length or max_length
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.type == "email":
            schema["format"] = "email"
        if self.secret:
            schema["writeOnly"] = True
        return schema


@dataclass(frozen=True)
class Upload:
    """A file as it was sent: the name the sender's computer gave it, and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed its checks, known by its content, never by its name."""

    content: bytes
    content_type: str
    extension: str
    display_name: str  # the sender's name for it, cleaned for showing and downloading

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def for_audit(self) -> dict[str, Any]:
        """What the audit trail keeps of a file: never its content."""
        name, kind, size = self.display_name, self.content_type, len(self.content)
        return {"name": name, "type": kind, "size": size, "sha256": self.digest}


@dataclass
class CheckedData:
    """Values ready for the guards, and reason codes by field for what is wrong; of files
    refused, every problem (FileProblem.of), so a form names each file and each reason."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class FileProblem:
    """What is wrong with the files of a field: one file (NAME, as the sender named it) and
    its reason, or the files together (no name: too many, LIMIT at most)."""

    reason: str
    name: str = ""
    limit: int = 0
    count: int = 0  # the files chosen, when too many

    def of(self) -> dict[str, Any]:
        """As JSON: what a page shows again after its redirect."""
        return {"reason": self.reason, "name": self.name, "limit": self.limit, "count": self.count}


# What a page says of each problem (English msgids: the catalogs translate them).
FILE_PROBLEMS = {
    "file_too_large": N_("%(name)s: larger than 10 MB"),
    "file_type": N_("%(name)s: not a PDF, a JPEG or a PNG"),
    "file_required": N_("%(name)s: the file is empty"),
    "file_too_many": N_("Send at most %(limit)s files: you chose %(count)s."),
    "file_too_many_one": N_("Send one file only: you chose %(count)s."),
}


def file_problem_message(problem: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The message (an English msgid) and its values that name a file problem (FileProblem.of),
    or None when it names nothing (the reason code's own message says it)."""
    reason, name, limit = problem.get("reason"), problem.get("name"), problem.get("limit")
    if reason == "file_too_many" and limit:
        key = "file_too_many_one" if limit == 1 else "file_too_many"
        return FILE_PROBLEMS[key], {"limit": limit, "count": problem.get("count", 0)}
    if name and reason in FILE_PROBLEMS:
        return FILE_PROBLEMS[str(reason)], {"name": name}
    return None


def parse_field(name: str, spec: Mapping[str, Any]) -> FieldSpec:
    type_ = str(spec.get("type", "string"))
    if type_ not in FIELD_TYPES:
        raise ValueError(f"field {name!r}: unknown type {type_!r}")
    secret = type_ in SECRET_TYPES
    audit = str(spec.get("audit", "omit"))
    if audit not in AUDIT_POLICIES or (secret and audit != "omit"):
        raise ValueError(f"field {name!r}: audit {audit!r} is not allowed")
    accept = tuple(str(k) for k in spec.get("accept", FILE_KINDS))
    if set(accept) - set(FILE_KINDS):
        raise ValueError(f"field {name!r}: files are one of {sorted(FILE_KINDS)}")
    return FieldSpec(
        name=name,
        type=type_,
        required=bool(spec.get("required", False)),
        choices=tuple(str(c) for c in spec.get("choices", ())),
        audit=audit,
        max_length=int(spec.get("max_length", 0)),
        max_count=int(spec.get("max_count", 1)),
        max_bytes=int(spec.get("max_bytes", MAX_FILE_BYTES)),
        accept=accept,
    )


def check(specs: Mapping[str, FieldSpec], data: Mapping[str, Any]) -> CheckedData:
    """Normalize the declared fields of ``data``; unknown keys are dropped."""
    result = CheckedData()
    for name, spec in specs.items():
        if spec.type == "file":
            value, problems = check_files(spec, data.get(name))
            error = problems[0].reason if problems else None
            if problems and any(p.name or p.limit for p in problems):
                result.files[name] = [p.of() for p in problems]
        else:
            value, error = _check_one(spec, data.get(name))
        if error:
            result.errors[name] = error
        elif value is not None:
            result.values[name] = value
    return result


def _check_one(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    if spec.type == "boolean":
        return _as_boolean(raw)
    if raw is None or raw == "":
        return None, "required" if spec.required else None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and abs(raw) < 10**15:
        raw = str(raw)  # a number where text is expected: its digits, when reasonable
    if not isinstance(raw, str):
        return None, "invalid"
    if spec.type == "text":
        raw = _line_breaks(raw)
    if not allowed_characters(raw, spec.type):
        return None, "invalid_characters"
    # Passwords are kept exactly as typed; everything else is NFC without outer spaces.
    text = raw if spec.type == "password" else unicodedata.normalize("NFC", raw).strip()
    if not text:
        return None, "required" if spec.required else None
    if len(text) > (spec.max_length or FIELD_TYPES[spec.type][0]):
        return None, "too_long"
    return _check_format(spec, text)


def _line_breaks(text: str) -> str:
    """A browser sends line breaks as CRLF but counts them as one character; text pasted
    from some editors has Unicode's line and paragraph separators for them."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SEPARATORS)


_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
# Never in a value: controls, invisible format characters (right-to-left override,
# zero-width space…), line and paragraph separators; multi-line text keeps its breaks.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def allowed_characters(text: str, type_: str) -> bool:
    """Whether TEXT may be a value of a field of TYPE_.

    One-line text takes no control character (Cc: line breaks and tabs included), no
    invisible format character (Cf: right-to-left override, zero-width space…) and no
    line or paragraph separator (Zl, Zp): a name is printed in e-mails and pages, where
    these would forge lines or hide text.
    Multi-line text keeps its line breaks. Passwords accept any Unicode but controls.
    """
    if _BROKEN.search(text):
        return False
    if type_ == "password":
        return not _PASSWORD_CONTROL.search(text)
    kept = "\r\n" if type_ in MULTI_LINE_TYPES else ""
    return not any(unicodedata.category(c) in _REFUSED_CATEGORIES and c not in kept for c in text)


def _check_format(spec: FieldSpec, text: str) -> tuple[Any, str | None]:
    if spec.choices and text not in spec.choices:
        return None, "invalid_choice"
    if spec.type == "email":
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None, "email_invalid"
        return checked.normalized, None
    if spec.type == "code" and not re.fullmatch(r"[0-9]{6}", text):
        return None, "code_format"
    if spec.type == "id":
        return (int(text), None) if re.fullmatch(r"[0-9]{1,18}", text) else (None, "invalid")
    return text, None


def check_files(spec: FieldSpec, raw: Any) -> tuple[list[AcceptedFile] | None, list[FileProblem]]:
    """Files sent as uploads (a form) or as {"name", "content_base64"} objects (JSON): the
    files, or every problem at once, too many first, then each file's by its name."""
    sent = [u for u in (raw if isinstance(raw, list | tuple) else [raw]) if u not in (None, "")]
    uploads = [_as_upload(u) for u in sent]
    uploads = [u for u in uploads if u is None or u.content or u.filename]  # empty inputs
    if not uploads:
        return None, [FileProblem("file_required")] if spec.required else []
    problems = []
    if len(uploads) > spec.max_count:
        problems.append(FileProblem("file_too_many", limit=spec.max_count, count=len(uploads)))
    accepted = []
    for upload in uploads:
        if upload is None:
            problems.append(FileProblem("invalid"))
            continue
        checked, error = accept_file(upload, spec.accept, spec.max_bytes)
        if checked is None:
            problems.append(FileProblem(error or "invalid", sent_name(upload.filename)))
        else:
            accepted.append(checked)
    return (None, problems) if problems else (accepted, [])


def sent_name(filename: str) -> str:
    """A file's name as its sender gave it (facture.exe), without path or control
    characters, to tell them which file was refused."""
    return _base_name(filename)[:150] or "document"


def _base_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable()).strip()


def _as_upload(raw: Any) -> Upload | None:
    if isinstance(raw, Upload):
        return raw
    if not isinstance(raw, Mapping) or not isinstance(raw.get("content_base64"), str):
        return None
    try:
        content = base64.b64decode(raw["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        return None
    return Upload(str(raw.get("name") or ""), content)


def accept_file(
    upload: Upload, accept: tuple[str, ...] = tuple(FILE_KINDS), max_bytes: int = MAX_FILE_BYTES
) -> tuple[AcceptedFile | None, str | None]:
    """The file when its content is of a kind in ACCEPT and not larger than MAX_BYTES."""
    content = upload.content
    if not content:
        return None, "file_required"
    if len(content) > max_bytes:
        return None, "file_too_large"
    kind = filetype.guess(content)
    if kind is None or kind.mime not in {FILE_KINDS[k] for k in accept}:
        return None, "file_type"
    extension = EXTENSIONS[kind.mime]
    return AcceptedFile(
        content, kind.mime, extension, _display_name(upload.filename, extension)
    ), None


def _display_name(filename: str, extension: str) -> str:
    """The base name without control characters or path, with the extension of its content."""
    stem = _base_name(filename).rsplit(".", 1)[0].strip(". ")[:150] or "document"
    return f"{stem}.{extension}"


def file_schema(max_count: int) -> dict[str, Any]:
    """Files in JSON: each an object with its name and its content in base64."""
    item = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 255},
            "content_base64": {"type": "string", "format": "byte"},
        },
        "required": ["content_base64"],
    }
    return {"type": "array", "items": item, "maxItems": max_count}


def _as_boolean(raw: Any) -> tuple[Any, str | None]:
    if raw is None or raw == "" or raw is False:
        return False, None
    if raw is True or str(raw).lower() in {"1", "true", "on", "yes"}:
        return True, None
    if str(raw).lower() in {"0", "false", "off", "no"}:
        return False, None
    return None, "invalid"


def for_audit(specs: Mapping[str, FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """What of an event's data may be kept in the audit trail: never a secret."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        spec = specs.get(name)
        if spec is None:
            continue
        if spec.type == "file":
            kept[name] = [f.for_audit() for f in value]
        elif spec.audit == "plain":
            kept[name] = value
        elif spec.audit == "mask":
            kept[name] = mask(str(value))
        else:
            kept[name] = REDACTED
    return kept


def refill(
    specs: Mapping[str, FieldSpec],
    values: Mapping[str, Any],
    sent: Mapping[str, Any],
    errors: Mapping[str, str],
) -> dict[str, Any]:
    """What a refused form shows again, so nothing typed is lost: the accepted values, a
    refused text as it was sent (a message too long is shortened, not thrown away), and the
    names of accepted files, which a browser cannot be given back. Never a secret."""
    kept: dict[str, Any] = {}
    for name, spec in specs.items():
        if spec.secret:
            continue
        if spec.type == "file":
            if name in values:
                kept[name] = [f.display_name for f in values[name]]
        elif name in values:
            kept[name] = values[name]
        elif name in errors and isinstance(sent.get(name), str):
            kept[name] = sent[name][: 2 * (spec.max_length or FIELD_TYPES[spec.type][0])]
    return kept


def mask(value: str) -> str:
    """Keep enough to recognize a value, not enough to use it: j***@example.com, ***1234."""
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{value[-4:]}" if len(value) > 8 else REDACTED
