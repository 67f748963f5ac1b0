"""Consecutive sign-in failures per address (customers and staff), for delays and lockout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import SignInFailure


def counter(session: Session, email_key: str, now: datetime) -> SignInFailure:
    """The failure counter of an address, locked (created at zero when there is none).

    Inserted first and then locked, so two first failures of one address cannot race. A
    counter cleared (deleted) by another request while this one waited for its lock is
    inserted again: waiting for a row that is then deleted finds nothing on PostgreSQL.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    while True:
        session.execute(
            insert(SignInFailure)
            .values(email_key=email_key, count=0, last_failed_at=now)
            .on_conflict_do_nothing(index_elements=["email_key"])
        )
        row = session.get(SignInFailure, email_key, with_for_update=True, populate_existing=True)
        if row is not None:
            return row


def clear(session: Session, email_key: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key))


def peek(session: Session, email_key: str) -> SignInFailure | None:
    """The failure counter of an address as it stands, to read (the support desk)."""
    return session.get(SignInFailure, email_key)
