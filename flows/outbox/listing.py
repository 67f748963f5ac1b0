"""What the outbox holds, as operators, testers and developers read it: the newest
messages (to one address), one message, and what waits for delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import outbox
from storage.models import OutboxMessage

as_json = outbox.as_json


def newest(session: Session, to: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The newest messages, to one address or number when TO is given."""
    return outbox.newest(session, to, limit)


def one(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def backlog(session: Session) -> list[tuple[str, int, datetime | None]]:
    """Per channel, how many messages wait for delivery, and since when the oldest."""
    query = (
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == "pending")
        .group_by(OutboxMessage.channel)
    )
    return [(channel, count, oldest) for channel, count, oldest in session.execute(query)]


__all__: list[Any] = ["as_json", "backlog", "newest", "one"]
