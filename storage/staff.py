"""Looking up and adding staff accounts; their recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import email_key
from storage.models import Staff, StaffAccess, StaffRecoveryCode, WebSession


class AlreadyExists(ValueError):
    pass


def by_email(session: Session, email: str, *, lock: bool = False) -> Staff | None:
    query = select(Staff).where(Staff.email_key == email_key(email))
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def locked(session: Session, staff_id: int) -> Staff | None:
    """The account, locked for the rest of the transaction and read again under the lock."""
    return session.get(Staff, staff_id, with_for_update=True, populate_existing=True)


def add(
    session: Session,
    *,
    email: str,
    role: str,
    password_hash: str,
    first_name: str | None,
    last_name: str | None,
    now: datetime,
    display_name: str | None = None,
) -> Staff:
    """A new active staff account; AlreadyExists when the address has one."""
    member = Staff(
        email=email,
        email_key=email_key(email),
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
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


def replace_recovery_codes(
    session: Session, staff_id: int, hashes: list[str], now: datetime
) -> None:
    """The account's recovery codes are these (digests) from now on; the old ones end."""
    forget_recovery_codes(session, staff_id)
    session.add_all(
        StaffRecoveryCode(staff_id=staff_id, code_hash=h, created_at=now) for h in hashes
    )


def use_recovery_code(session: Session, staff_id: int, code_hash: str, now: datetime) -> bool:
    """Whether the account had this code unused; it is used from now on (one UPDATE, so
    two simultaneous uses cannot both be taken)."""
    result = session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.staff_id == staff_id,
            StaffRecoveryCode.code_hash == code_hash,
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def unused_recovery_codes(session: Session, staff_id: int) -> int:
    query = select(func.count(StaffRecoveryCode.id)).where(
        StaffRecoveryCode.staff_id == staff_id, StaffRecoveryCode.used_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def forget_recovery_codes(session: Session, staff_id: int) -> None:
    session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == staff_id))
