"""Looking up MINI IDs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Identity


def email_key(email: str) -> str:
    """How addresses are compared: one mailbox, one MINI ID, whatever the letter case."""
    return email.strip().lower()


def by_email(session: Session, email: str, *, lock: bool = False) -> Identity | None:
    query = select(Identity).where(Identity.email_key == email_key(email))
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def pending_or_new(session: Session, email: str, now: datetime) -> tuple[Identity, bool]:
    """The MINI ID of EMAIL, locked, and whether it was made now: a new pending one, with
    neither names nor password yet, when the address has none.

    Two registrations of one new address may race: the loser of the insert finds
    the winner's row (not made now, then).
    """
    identity = by_email(session, email, lock=True)
    if identity is not None:
        return identity, False
    identity = Identity(
        email=email,
        email_key=email_key(email),
        status="pending",
        created_at=now,
        first_name="",
        last_name="",
        password_hash="",
        language="fr",
    )
    try:
        with session.begin_nested():
            session.add(identity)
    except IntegrityError:
        found = by_email(session, email, lock=True)
        assert found is not None
        return found, False
    return identity, True


def any_identity(session: Session) -> bool:
    return session.scalar(select(Identity.id).limit(1)) is not None
