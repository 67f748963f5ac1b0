"""Importing ConnectedDrive identities: one shared MINI ID, never registered here.

CSV with a header row: ``email, first_name, last_name, language, password_hash``.
``language`` is ``fr`` or ``en``; ``password_hash`` is one of passwords.IMPORTABLE_FORMATS
(quoted: an argon2 hash contains commas).
A file with any bad row loads nothing; importing again updates names and language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from flows import fields
from flows.accounts import passwords
from flows.csv_import import Report, read_csv
from storage import identities
from storage.db import Database
from storage.models import Identity

COLUMNS = ("email", "first_name", "last_name", "language", "password_hash")
# Names are printed in e-mails: the rules of the registration form's name fields.
NAMES = {n: fields.FieldSpec(n, "name", required=True) for n in ("first_name", "last_name")}
NAME_PROBLEMS = {
    "required": "is empty",
    "too_long": "is longer than 100 characters",
    "invalid_characters": "has control or invisible characters (line breaks, tabs, Cf)",
}


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    first_name: str
    last_name: str
    language: str
    password_hash: str


def read_rows(path: Path, report: Report) -> list[Row]:
    return [r for r in (_row(n, raw, report) for n, raw in read_csv(path, COLUMNS, report)) if r]


def _row(line: int, raw: dict[str | None, Any], report: Report) -> Row | None:
    value = {c: str(raw.get(c) or "").strip() for c in COLUMNS}
    problems = []
    if raw.get(None):
        problems.append("too many fields (an argon2 hash has commas: quote it)")
    try:
        value["email"] = validate_email(value["email"], check_deliverability=False).normalized
    except EmailNotValidError:
        problems.append("email is not a valid address")
    names = fields.check(NAMES, value)
    value.update(names.values)
    problems += [f"{name} {NAME_PROBLEMS[reason]}" for name, reason in names.errors.items()]
    value["language"] = value["language"].lower()[:2]
    if value["language"] not in {"fr", "en"}:
        problems.append("language must be fr or en")
    if not passwords.is_importable(value["password_hash"]):
        problems.append(f"password_hash must be {passwords.IMPORTABLE_FORMATS}")
    if problems:
        report.errors.append(f"line {line}: " + "; ".join(problems))
        return None
    return Row(line=line, **value)


def import_identities(db: Database, path: Path, now: datetime) -> Report:
    report = Report()
    rows = read_rows(path, report)
    seen: dict[str, int] = {}
    for row in rows:
        key = identities.email_key(row.email)
        if key in seen:
            report.errors.append(f"line {row.line}: {row.email} is already on line {seen[key]}")
        seen.setdefault(key, row.line)
    if report.errors:
        return report
    with db.write() as session:
        for row in rows:
            identity = identities.by_email(session, row.email, lock=True)
            if identity is None:
                identity = Identity(
                    email=row.email,
                    email_key=identities.email_key(row.email),
                    password_hash=row.password_hash,
                    created_at=now,
                )
                session.add(identity)
                report.created += 1
            else:
                report.updated += 1
                if identity.status == "pending":
                    identity.password_hash = row.password_hash
            identity.first_name, identity.last_name = row.first_name, row.last_name
            identity.language = row.language
            identity.source = "connecteddrive"
            identity.status = "active"
            identity.activated_at = identity.activated_at or now
    return report
