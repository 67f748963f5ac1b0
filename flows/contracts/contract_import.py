"""Importing the system of record: contracts, then their payment history (CSV, UTF-8).

Every row is checked; a file with any bad row loads nothing and every bad row is
reported with its line number. Contracts are matched by number and payments by contract
and day, so importing a file again updates rows and never duplicates them. An import
never changes which MINI ID a contract is linked to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.contracts import values
from flows.contracts.schedule import FREQUENCIES
from flows.csv_import import Raw, Report, read_csv
from storage import contracts
from storage.contracts import Contract, Payment
from storage.db import Database

Parser = Callable[[str], Any]
Record = dict[str, Any]
_CODE = re.compile(r"^[A-Z0-9-]{1,32}$")
PAYMENT_STATUSES = ("paid", "pending", "returned")


def _code(text: str) -> str:
    code = text.strip().upper()
    if not _CODE.match(code):
        raise values.BadValue("must be 1 to 32 letters, digits or dashes")
    return code


def _name(text: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(text.split()))
    if not 0 < len(name) <= 100:
        raise values.BadValue("must be 1 to 100 characters")
    return name


def _email(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise values.BadValue("is not a valid e-mail address") from None


def _choice(*allowed: str) -> Parser:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise values.BadValue(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _positive_cents(text: str) -> int:
    cents = values.parse_cents(text)
    if cents <= 0:
        raise values.BadValue("must be more than 0.00")
    return cents


# column -> (attribute of Contract, parser)
COMMON: Mapping[str, tuple[str, Parser]] = {
    "contract_number": ("number", _code),
    "kind": ("kind", _choice("loan", "lease")),
    "first_name": ("first_name", _name),
    "last_name": ("last_name", _name),
    "email": ("email", _email),
    "phone": ("phone", values.parse_phone),
    "vin": ("vin", values.parse_vin),
    "customer_number": ("customer_number", _code),
    "last_payment_amount": ("last_payment_cents", _positive_cents),
    "last_payment_date": ("last_payment_date", values.parse_date),
    "vehicle_model": ("vehicle_model", _name),
    "vehicle_year": ("vehicle_year", lambda t: values.parse_int(t, 1959, 2100)),
    "start_date": ("start_date", values.parse_date),
    "term_months": ("term_months", lambda t: values.parse_int(t, 1, 120)),
    "payment_amount": ("payment_cents", _positive_cents),
    "payment_frequency": ("frequency", _choice(*FREQUENCIES)),
}
BY_KIND: Mapping[str, Mapping[str, tuple[str, Parser]]] = {
    "loan": {
        "balance": ("balance_cents", values.parse_cents),
        "rate": ("rate_bp", values.parse_rate),
    },
    "lease": {
        "residual_value": ("residual_cents", _positive_cents),
        "km_allowance": ("km_allowance", lambda t: values.parse_int(t, 1000, 100_000)),
    },
}
# Optional columns: a blank or missing value leaves the contract's own (a new one's default).
OPTIONAL: Mapping[str, tuple[str, Parser]] = {
    "province": ("province", values.parse_province),
}
CONTRACT_COLUMNS = (*COMMON, *BY_KIND["loan"], *BY_KIND["lease"])
PAYMENT_COLUMNS = ("contract_number", "date", "amount", "status")


def _parse(
    raw: Raw, spec: Mapping[str, tuple[str, Parser]], problems: list[str], *, required: bool = True
) -> Record:
    record: Record = {}
    for column, (attribute, parser) in spec.items():
        text = str(raw.get(column) or "")
        if not text.strip():
            if required:
                problems.append(f"{column} is required")
            continue
        try:
            record[attribute] = parser(text)
        except values.BadValue as exc:
            problems.append(f"{column} {exc}")
    return record


def contract_row(raw: Raw) -> tuple[Record, list[str]]:
    """The Contract attributes of one row, and what is wrong with it."""
    problems = ["too many fields"] if raw.get(None) else []
    record = _parse(raw, COMMON, problems)
    record.update(_parse(raw, OPTIONAL, problems, required=False))
    kind = record.get("kind")
    for other, spec in BY_KIND.items():
        if other == kind:
            record.update(_parse(raw, spec, problems))
        elif kind and any(str(raw.get(c) or "").strip() for c in spec):
            problems.append(f"{', '.join(spec)} must be empty for a {kind}")
    start, last = record.get("start_date"), record.get("last_payment_date")
    if isinstance(start, date) and isinstance(last, date) and last < start:
        problems.append("last_payment_date is before start_date")
    return record, problems


def _duplicates(
    rows: list[tuple[int, Record]], key: Callable[[Record], Any], what: str, report: Report
) -> None:
    seen: dict[Any, int] = {}
    for line, record in rows:
        if (found := seen.setdefault(key(record), line)) != line:
            report.errors.append(f"line {line}: {what} is already on line {found}")


def import_contracts(db: Database, path: Path, now: datetime) -> Report:
    report = Report()
    rows: list[tuple[int, Record]] = []
    for line, raw in read_csv(path, CONTRACT_COLUMNS, report):
        record, problems = contract_row(raw)
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
        rows.append((line, record))
    _duplicates(rows, lambda r: r.get("number"), "this contract_number", report)
    if not report.errors:
        with db.write() as session:
            for _, record in rows:
                save_contract(session, record, now, report)
    return report


def save_contract(session: Session, record: Record, now: datetime, report: Report) -> Contract:
    """Create or update the contract of RECORD (matched by number); its link stays."""
    contract = contracts.by_number(session, record["number"], lock=True)
    if contract is None:
        contract = Contract(created_at=now)
        session.add(contract)
        report.created += 1
    else:
        report.updated += 1
    for attribute, _ in (*BY_KIND["loan"].values(), *BY_KIND["lease"].values()):
        setattr(contract, attribute, None)  # a contract that changed kind keeps no stale terms
    for attribute, value in record.items():
        setattr(contract, attribute, value)
    contract.updated_at = now
    session.flush()
    return contract


PAYMENT_SPEC: Mapping[str, tuple[str, Parser]] = {
    "contract_number": ("number", _code),
    "date": ("paid_on", values.parse_date),
    "amount": ("amount_cents", _positive_cents),
    "status": ("status", _choice(*PAYMENT_STATUSES)),
}


def import_payments(db: Database, path: Path) -> Report:
    report = Report()
    rows: list[tuple[int, Record]] = []
    for line, raw in read_csv(path, PAYMENT_COLUMNS, report):
        problems = ["too many fields"] if raw.get(None) else []
        record = _parse(raw, PAYMENT_SPEC, problems)
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
        rows.append((line, record))
    _duplicates(
        rows, lambda r: (r.get("number"), r.get("paid_on")), "a payment of that day", report
    )
    with db.write() as session:
        ids = _contract_ids(session, {r["number"] for _, r in rows if "number" in r})
        for line, record in rows:
            if "number" in record and record["number"] not in ids:
                report.errors.append(f"line {line}: no contract {record['number']}")
        if not report.errors:
            for _, record in rows:
                save_payment(session, ids[record.pop("number")], record, report)
    return report


def _contract_ids(session: Session, numbers: set[str]) -> dict[str, int]:
    query = select(Contract.number, Contract.id).where(Contract.number.in_(numbers))
    return {number: contract_id for number, contract_id in session.execute(query)}


def save_payment(session: Session, contract_id: int, record: Record, report: Report) -> None:
    """Create or update the payment of that contract on that day."""
    query = select(Payment).where(
        Payment.contract_id == contract_id, Payment.paid_on == record["paid_on"]
    )
    payment = session.scalar(query)
    if payment is None:
        session.add(Payment(contract_id=contract_id, **record))
        report.created += 1
        return
    payment.amount_cents, payment.status = record["amount_cents"], record["status"]
    report.updated += 1
