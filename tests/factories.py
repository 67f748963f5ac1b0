"""Data for tests, made through the same code the product uses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy import select

from flows.access import Principal
from flows.accounts import passkeys, passwords, totp
from flows.contracts import documents, files
from flows.contracts.contract_import import save_contract, save_payment
from flows.contracts.schedule import add_months
from flows.contracts.schedule import today as local_today
from flows.csv_import import Report
from storage.identities import email_key
from storage.models import Identity, Staff
from tests.webauthn import SoftAuthenticator
from web.services import Services

PASSWORD = "vélo rouge sous la pluie"
# The smallest file that is a PDF by its content (what uploads are checked by).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The key of the authenticator of every staff account staff_member makes (base32).
STAFF_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


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
    enrolled: bool = True,
    name: str | None = None,
) -> int:
    """A staff account as `moncompte staff add` makes it; unless ENROLLED is false, with an
    authenticator of key STAFF_TOTP, as its first sign-in leaves it."""
    from flows.accounts import staff

    now = services.clock()
    member = staff.add(services.db, email, role=role, password=password, now=now, display_name=name)
    if enrolled:
        with services.db.write() as session:
            row = session.get(Staff, member.id)
            assert row is not None
            row.totp_secret = totp.seal(STAFF_TOTP, services.engine.secret)
            row.totp_enrolled_at = now
    return member.id


def staff_code(services: Services, email: str, key: str = STAFF_TOTP) -> str:
    """The code the authenticator of the staff account of EMAIL shows, of a time step the
    account has not used yet (the clock moves on 30 s when the steps around now are)."""
    with services.db.read() as session:
        row = session.scalar(select(Staff).where(Staff.email_key == email_key(email)))
        assert row is not None
        last = row.totp_last_counter
    generator = pyotp.TOTP(key)
    current = generator.timecode(services.clock())
    # Now's step or the next: both stay accepted if the step turns before the code is typed.
    counter = current if last is None else max(current, last + 1)
    if counter > current + 1:
        services.clock.advance(timedelta(seconds=30))
        counter = generator.timecode(services.clock())
    return generator.generate_otp(counter)


# Who tests send as: a tester, like the testers' API and the command line.
TESTER = Principal.tester("test")


def passkey(
    services: Services,
    identity_id: int,
    name: str = "Chromium · Linux",
    base_url: str = "",
    *,
    synced: bool = False,
) -> SoftAuthenticator:
    """A passkey of the MINI ID, kept as passkey_registration keeps one; the software
    authenticator that holds it (for the site at BASE_URL, by default the engine's)."""
    rp = passkeys.relying_party(base_url or services.engine.base_url())
    device = SoftAuthenticator(rp.origin, synced=synced)
    with services.db.write() as session:
        found = session.get(Identity, identity_id)
        assert found is not None
        memory: dict[str, Any] = {}
        now = services.clock()
        handle = passkeys.user_handle(b"tests", identity_id)
        answer = device.create(passkeys.offer_registration(session, memory, rp, found, handle, now))
        row, problem = passkeys.register(
            session, identity_id, answer, rp, passkeys.challenge_of(memory), name, now
        )
        assert row is not None, problem
        session.add(row)
    return device
