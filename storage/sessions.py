"""Server-side web sessions: created at sign-in, idle 30 min (staff: 15), absolute 12 h."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session

from storage.models import Identity, Staff, WebSession

IDLE = timedelta(minutes=30)
# A staff session reaches every customer's records: it ends sooner when left alone.
STAFF_IDLE = timedelta(minutes=15)
ABSOLUTE = timedelta(hours=12)


def key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "surrogatepass")).hexdigest()


class Live(NamedTuple):
    """A session and the account it is signed in to, read together."""

    row: WebSession
    identity: Identity | None
    staff: Staff | None


# Built once: every page a signed-in customer opens runs it.
_LIVE = (
    select(WebSession, Identity, Staff)
    .outerjoin(Identity, Identity.id == WebSession.identity_id)
    .outerjoin(Staff, Staff.id == WebSession.staff_id)
    .where(WebSession.id == bindparam("key"))
)


def live(session: Session, cookie: str, now: datetime) -> Live | None:
    """The session behind COOKIE with its account (one query: every signed-in page needs
    both), unless it idled out or grew too old (swept later)."""
    found = session.execute(_LIVE, {"key": key(cookie)}).one_or_none()
    if found is None:
        return None
    row = found[0]
    idle = STAFF_IDLE if row.staff_id is not None else IDLE
    if now - row.last_seen_at > idle or now - row.created_at > ABSOLUTE:
        return None
    return Live(row, found[1], found[2])


def create(
    session: Session,
    cookie: str,
    identity_id: int | None,
    data: dict[str, Any],
    now: datetime,
    staff_id: int | None = None,
    *,
    browser: str = "",
    system: str = "",
    password_at: datetime | None = None,
) -> None:
    session.add(
        WebSession(
            id=key(cookie),
            identity_id=identity_id,
            staff_id=staff_id,
            data=data,
            created_at=now,
            last_seen_at=now,
            browser=browser,
            system=system,
            password_at=password_at,
        )
    )


def update(session: Session, row_id: str, data: dict[str, Any], now: datetime) -> bool:
    """Save a session's data; False when it no longer exists."""
    result = session.execute(
        sa_update(WebSession).where(WebSession.id == row_id).values(data=data, last_seen_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def forget(session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == key(cookie)))


def end_all(session: Session, identity_id: int, keep: str | None = None) -> int:
    """Sign the customer out everywhere (but in the session KEEP); how many ended."""
    query = delete(WebSession).where(WebSession.identity_id == identity_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)


def end(session: Session, identity_id: int, row_id: str) -> int:
    """End one session of the customer; how many ended (none: not theirs, or gone)."""
    query = delete(WebSession).where(WebSession.identity_id == identity_id, WebSession.id == row_id)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)


def of_customer(session: Session, identity_id: int, now: datetime) -> list[WebSession]:
    """The customer's sessions still live, the most recently active first."""
    query = (
        select(WebSession)
        .where(
            WebSession.identity_id == identity_id,
            WebSession.last_seen_at >= now - IDLE,
            WebSession.created_at >= now - ABSOLUTE,
        )
        .order_by(WebSession.last_seen_at.desc(), WebSession.created_at.desc())
    )
    return list(session.scalars(query))


def one(session: Session, row_id: str) -> WebSession | None:
    return session.get(WebSession, row_id)


def sweep(session: Session, now: datetime) -> None:
    session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at < now - IDLE)
            | (WebSession.staff_id.is_not(None) & (WebSession.last_seen_at < now - STAFF_IDLE))
            | (WebSession.created_at < now - ABSOLUTE)
        )
    )
