"""Data for tests, made through the same code the product uses."""

from __future__ import annotations

from datetime import datetime

from flows import passwords
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


def staff_member(
    services: Services,
    email: str = "analyste@servicesfinanciersmini.ca",
    *,
    role: str = "analyst",
    password: str = PASSWORD,
) -> int:
    """A staff account as `moncompte staff add` makes it."""
    from flows import staff

    return staff.add(services.db, email, role=role, password=password, now=services.clock()).id
