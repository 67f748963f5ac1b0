"""Looking up and adding staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import email_key
from storage.models import Staff, StaffAccess, WebSession


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


def record(session: Session, access: StaffAccess) -> None:
    session.add(access)


def access_records(session: Session, *, limit: int, offset: int = 0) -> list[StaffAccess]:
    """The newest records of staff access first."""
    query = select(StaffAccess).order_by(StaffAccess.created_at.desc(), StaffAccess.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def end_sessions(session: Session, staff_id: int) -> None:
    """Sign the staff member out everywhere."""
    session.execute(delete(WebSession).where(WebSession.staff_id == staff_id))
