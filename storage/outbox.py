"""The outbox: messages written in a step's transaction, delivered afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.db import serialise
from storage.identities import email_key
from storage.models import OutboxMessage

MAX_ATTEMPTS = 8
# What a message delivered, or given up on, no longer keeps.
SENT_CLEARED: dict[str, Any] = {"body_text": "", "body_html": None, "extras": {}}
# A claim older than this belonged to a process that died while sending.
CLAIM_TIMEOUT = timedelta(minutes=10)


def recent_count(session: Session, recipient: str, since: datetime, kinds: list[str]) -> int:
    """How many messages of these KINDS went to RECIPIENT since SINCE, counted under the
    recipient's lock (held until the transaction ends), so that a limit decided on the
    count holds however many ask at once."""
    serialise(session, f"mail to {email_key(recipient)}")
    return (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient_key == email_key(recipient),
                OutboxMessage.created_at >= since,
                OutboxMessage.kind.in_(kinds),
            )
        )
        or 0
    )


def newest(session: Session, to: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The newest messages, to one address or number when TO is given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to:
        query = query.where(OutboxMessage.recipient_key == email_key(to))
    return list(session.scalars(query))


def as_json(m: OutboxMessage) -> dict[str, Any]:
    """A message as testers read it, with the link or code it carries (``extras``)."""
    return {
        "id": m.id,
        "channel": m.channel,
        "to": m.recipient,
        "kind": m.kind,
        "language": m.language,
        "subject": m.subject,
        "body": m.body_text,
        "extras": m.extras,
        "instance_id": m.instance_id,
        "status": m.status,
        "attempts": m.attempts,
        "created_at": m.created_at.isoformat(),
        "sent_at": m.sent_at.isoformat() if m.sent_at else None,
    }


UNSENT = ("pending", "sending")


def claim_due(session: Session, now: datetime, limit: int = 20) -> list[int]:
    """Take the messages due for delivery; no other process gets them until they are done.

    Only the oldest unsent message of each recipient is due, so a recipient gets messages
    in the order they were written even when one must wait for a retry. The rows are
    locked with SKIP LOCKED on PostgreSQL (SQLite's write transaction holds the whole
    database): several delivery processes, on several machines, never take the same one.
    A claim older than CLAIM_TIMEOUT was a process that died while sending: it is retaken.
    """
    stale = now - CLAIM_TIMEOUT
    older = aliased(OutboxMessage)
    earlier_unsent = (
        select(older.id)
        .where(
            older.recipient_key == OutboxMessage.recipient_key,
            older.channel == OutboxMessage.channel,
            older.status.in_(UNSENT),
            older.id < OutboxMessage.id,
        )
        .exists()
    )
    query = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at <= stale),
            ),
            ~earlier_unsent,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
    return ids


def delivered(session: Session, message_id: int, now: datetime) -> None:
    """Sent: keep what an agent needs (to, subject, template, when, status), drop the rest.

    The bodies and extras carry live links and codes; once the message has left, the
    outbox must not be a second place to find them.
    """
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", sent_at=now, last_error=None, **SENT_CLEARED)
    )


def failed(session: Session, message: OutboxMessage, now: datetime, error: str) -> None:
    """Try again later, backing off; give up after MAX_ATTEMPTS, and then, as once sent,
    keep no body nor extras: nobody will send the links and codes they carry."""
    message.last_error = error[:500]
    message.claimed_at = None
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        for column, cleared in SENT_CLEARED.items():
            setattr(message, column, cleared)
    else:
        message.status = "pending"
        message.next_attempt_at = now + timedelta(seconds=30 * 2 ** (message.attempts - 1))
