"""Closing a MINI ID, reopening it, and what is left of it 30 days after.

Closed, a MINI ID signs in nowhere: its sessions end, its devices (remembered and seen)
are forgotten and its contracts unlinked. For 30 days an agent may reopen it (the
customer links their contracts again). After that, what is personal and under no legal
duty to keep goes: the name, the address (replaced by one that reaches nobody), the
password, the conversations with their files, what its procedures kept in memory and
what its audit records carried; the audit records keep their structure (event, outcome,
reasons, time) with the customer anonymised, so the analysts' counts stay true. Contracts,
payments, documents and quotes of record are MINI Financial Services' and stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from flows.accounts import remembered, sessions
from flows.contracts import files
from flows.messaging import threads
from storage import closing as store
from storage.models import Identity

REOPEN_WITHIN = timedelta(days=30)
CLOSED = "closed"
ANONYMISED = "anonymised"


def close(
    session: Session, identity: Identity, now: datetime, here: str | None = None
) -> list[str]:
    """Close IDENTITY now; the numbers of the contracts it unlinked. Every session ends but
    HERE, where the customer closed it (it is worth nothing now, and shows them the end)."""
    identity.status, identity.closed_at = CLOSED, now
    sessions.end_all(session, identity.id, keep=here)
    remembered.forget_all(session, identity.id)
    store.forget_seen(session, identity.id)
    return store.unlink_contracts(session, identity.id)


def reopenable(identity: Identity, now: datetime) -> bool:
    closed_at = identity.closed_at
    return identity.status == CLOSED and closed_at is not None and now - closed_at < REOPEN_WITHIN


def reopen(identity: Identity) -> None:
    identity.status = "active" if identity.activated_at is not None else "pending"
    identity.closed_at = None


def due(session: Session, now: datetime, limit: int) -> list[int]:
    """MINI IDs closed over 30 days ago, still to anonymise (LIMIT at a time)."""
    return store.closed_before(session, now - REOPEN_WITHIN, limit)


def anonymise(session: Session, identity_id: int, uploads: Path) -> bool:
    """Remove what is personal of a MINI ID closed over 30 days ago (locked; False when
    another worker did it first or it was reopened meanwhile). UPLOADS: where customers'
    files are kept; they go once the transaction commits."""
    identity = session.get(Identity, identity_id, with_for_update=True)
    if identity is None or identity.status != CLOSED:
        return False
    old_key = identity.email_key
    stored = store.delete_conversations(session, identity.id)
    files.remove_once_committed(session, uploads / threads.FOLDER, stored)
    store.forget_person(session, identity.id, old_key)
    identity.email = identity.email_key = f"closed-{identity.id}@anonymised.invalid"
    identity.first_name = identity.last_name = ""
    identity.password_hash = "!"  # noqa: S105 - matches no password: nobody signs in to it
    identity.status = ANONYMISED
    return True
