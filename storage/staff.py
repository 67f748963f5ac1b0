"""Looking up and adding staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import email_key
from storage.models import Staff


class AlreadyExists(ValueError):
    pass


def by_email(session: Session, email: str, *, lock: bool = False) -> Staff | None:
    query = select(Staff).where(Staff.email_key == email_key(email))
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def add(
    session: Session,
    *,
    email: str,
    role: str,
    password_hash: str,
    first_name: str | None,
    last_name: str | None,
    now: datetime,
) -> Staff:
    """A new active staff account; AlreadyExists when the address has one."""
    member = Staff(
        email=email,
        email_key=email_key(email),
        first_name=first_name,
        last_name=last_name,
        password_hash=password_hash,
        role=role,
        status="active",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        raise AlreadyExists(email) from None
    return member
