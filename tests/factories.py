"""Data for tests, made through the same code the product uses."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flows.access import Principal
from flows.accounts import passwords
from flows.contracts import documents, files
from flows.contracts.contract_import import save_contract, save_payment
from flows.contracts.schedule import add_months
from flows.contracts.schedule import today as local_today
from flows.csv_import import Report
from storage.identities import email_key
from storage.models import Identity
from web.services import Services

PASSWORD = "vélo rouge sous la pluie"


def identity(
    services: Services,
    email: str = "jean.t@example.com",
    *,
    password: str = PASSWORD,
    status: str = "active",
    first_name: str = "Jean",
    last_name: str = "Tremblay",
    language: str = "fr",
    password_hash: str | None = None,
) -> int:
    """A MINI ID as registration or the ConnectedDrive import would leave it."""
    now: datetime = services.clock()
    with services.db.write() as session:
        row = Identity(
            email=email,
            email_key=email_key(email),
            first_name=first_name,
            last_name=last_name,
            password_hash=password_hash or passwords.hash_password(password),
            status=status,
            language=language,
            created_at=now,
            activated_at=now if status == "active" else None,
        )
        session.add(row)
        session.flush()
        return row.id


def contract(
    services: Services,
    number: str = "PR-25-000001",
    *,
    identity_id: int | None = None,
    kind: str = "loan",
    **terms: Any,
) -> int:
    """A contract of record (through the import's own code), linked to IDENTITY_ID."""
    today = local_today(services.clock())
    record: dict[str, Any] = {
        "number": number,
        "kind": kind,
        "vehicle_model": "MINI Cooper S",
        "vehicle_year": 2024,
        "vin": "1M8GDM9AXKP042788",
        "first_name": "Jean",
        "last_name": "Tremblay",
        "email": "jean.t@example.com",
        "phone": "+15145550123",
        "customer_number": "MM1234567",
        "start_date": add_months(today, -12),
        "term_months": 60,
        "payment_cents": 456_78,
        "frequency": "monthly",
        "last_payment_cents": 456_78,
        "last_payment_date": add_months(today, -1),
        **(
            {"balance_cents": 1_234_56, "rate_bp": 499}
            if kind == "loan"
            else {"residual_cents": 18_250_00, "km_allowance": 20_000}
        ),
        **terms,
    }
    with services.db.write() as session:
        row = save_contract(session, record, services.clock(), Report())
        row.identity_id = identity_id
        return row.id


def payment(
    services: Services, contract_id: int, paid_on: date, cents: int, status: str = "paid"
) -> None:
    with services.db.write() as session:
        record = {"paid_on": paid_on, "amount_cents": cents, "status": status}
        save_payment(session, contract_id, record, Report())


def document(
    services: Services,
    contract_id: int,
    folder: Path,
    *,
    kind: str = "statement",
    name: str = "relevé.pdf",
    content: bytes = b"%PDF-1.4\n%%EOF\n",
) -> int:
    """A document of record, kept as the upload of a customer would be."""
    with services.db.write() as session:
        accepted = files.of_record(content, name)
        day = local_today(services.clock())
        return documents.add(
            session, contract_id, kind, day, accepted, folder, now=services.clock()
        ).id


def staff_member(
    services: Services,
    email: str = "analyste@servicesfinanciersmini.ca",
    *,
    role: str = "analyst",
    password: str = PASSWORD,
) -> int:
    """A staff account as `moncompte staff add` makes it."""
    from flows.accounts import staff

    return staff.add(services.db, email, role=role, password=password, now=services.clock()).id


# Who tests send as: a tester, like the testers' API and the command line.
TESTER = Principal.tester("test")
