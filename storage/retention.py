"""The queries of the retention schedule (flows.retention): which rows are past their time,
and their removal, one batch at a time.

A read finds the keys of many batches at once (one scan of the table, not one a batch: on
PostgreSQL a scan also walks the rows the batches before it deleted, until VACUUM). Each
batch then takes its rows again with ``FOR UPDATE SKIP LOCKED``, still past their time,
and deletes them by key (SQLite renders no lock: its write transaction holds the whole
database). So several sweepers at once each delete a row once, and none waits for a
customer's step that holds one: that row goes at the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, event, exists, func, select
from sqlalchemy.engine import Result
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session

from storage import sessions
from storage.contracts import Document
from storage.messages import Attachment, Conversation
from storage.models import AuditRecord, Base, FlowInstance, OutboxMessage, SignInFailure

# The messages whose delivery is over: delivered, or given up on after the last try.
DELIVERY_OVER = ("sent", "failed")


@dataclass(frozen=True)
class Rows:
    """The rows of MODEL past their time: those matching WHERE. With BY (a column that
    leads an index with the time), they are found value by value of it."""

    model: type[Base]
    where: tuple[ColumnElement[bool], ...]
    by: ColumnElement[str] | None = None

    def due(self, session: Session, limit: int) -> list[Any]:
        """Up to LIMIT of their keys: a read, nothing locked."""
        (key,) = self.model.__mapper__.primary_key
        if self.by is None:
            return list(session.scalars(select(key).where(*self.where).limit(limit)))
        found: list[Any] = []
        for value in _distinct(session, self.by):
            query = select(key).where(self.by == value, *self.where)
            found += session.scalars(query.limit(limit - len(found)))
            if len(found) >= limit:
                break
        return found

    def remove(self, session: Session, keys: Sequence[Any]) -> int:
        """Delete those of KEYS still past their time that nobody holds; how many."""
        (key,) = self.model.__mapper__.primary_key
        held = select(key).where(key.in_(keys), *self.where).with_for_update(skip_locked=True)
        chosen = list(session.scalars(held))
        if not chosen:
            return 0
        result = session.execute(
            delete(self.model).where(key.in_(chosen)),
            execution_options={"synchronize_session": False},
        )
        return int(getattr(result, "rowcount", 0) or 0)


def older(column: InstrumentedAttribute[datetime], before: datetime) -> Rows:
    """The rows of COLUMN's table whose COLUMN is before BEFORE."""
    model = column.class_
    assert isinstance(model, type) and issubclass(model, Base)
    return Rows(model, (column < before,))


def ended_instances(before: datetime) -> Rows:
    """The instances that ended before BEFORE, but a conversation's: the conversation, a
    record of the customer's dealings, points at it."""
    where = (
        # Implied (an instance ends after it starts), and what lets the index on
        # (flow, created_at, …, ended_at) read only the old instances of each procedure.
        FlowInstance.created_at < before,
        FlowInstance.ended_at < before,
        ~exists().where(Conversation.id == FlowInstance.id),
    )
    return Rows(FlowInstance, where, by=FlowInstance.flow.expression)


def delivered(before: datetime) -> Rows:
    """The outbox messages delivered, or given up on, before BEFORE; never one still to be
    sent or retried."""
    # A message is due at next_attempt_at, then sent: next_attempt_at <= sent_at. One given
    # up on has no sent_at: its last try was the one due at next_attempt_at.
    over = func.coalesce(OutboxMessage.sent_at, OutboxMessage.next_attempt_at)
    where = (
        OutboxMessage.status.in_(DELIVERY_OVER),
        OutboxMessage.next_attempt_at < before,  # the index on (status, next_attempt_at)
        over < before,
    )
    return Rows(OutboxMessage, where)


def idle_failures(before: datetime, lock_after: int) -> Rows:
    """The sign-in failure counters idle since BEFORE that lock nothing (fewer than
    LOCK_AFTER failures)."""
    where = (SignInFailure.last_failed_at < before, SignInFailure.count < lock_after)
    return Rows(SignInFailure, where)


def audit_records(before: datetime) -> Rows:
    """The audit records written before BEFORE, found procedure by procedure through the
    index on (flow, created_at): the trail is the largest table."""
    return Rows(AuditRecord, (AuditRecord.created_at < before,), by=AuditRecord.flow.expression)


def ended_sessions(session: Session, now: datetime) -> int:
    """Delete the web sessions that have ended (storage.sessions.sweep); how many.

    sweep keeps the one rule of when a session has ended but says not how many it deleted:
    its statement's result is read on its way out.
    """
    deleted: list[int] = []

    def count(state: ORMExecuteState) -> Result[Any] | None:
        if not state.is_delete:
            return None
        result = state.invoke_statement()
        deleted.append(int(getattr(result, "rowcount", 0) or 0))
        return result

    event.listen(session, "do_orm_execute", count)
    try:
        sessions.sweep(session, now)
    finally:
        event.remove(session, "do_orm_execute", count)
    return sum(deleted)


def kept_files(session: Session, names: Sequence[str]) -> set[str]:
    """Which of these stored file names a document or a message attachment has."""
    if not names:
        return set()
    documents = select(Document.storage_name).where(Document.storage_name.in_(names))
    attachments = select(Attachment.storage_name).where(Attachment.storage_name.in_(names))
    return set(session.scalars(documents.union(attachments)))


def _distinct(session: Session, column: ColumnElement[str]) -> list[str]:
    """The values of COLUMN, which leads an index: one index probe each (a loose index
    scan), rather than a read of the whole table."""
    found: list[str] = []
    while True:
        query = select(func.min(column))
        if found:
            query = query.where(column > found[-1])
        value = session.scalar(query)
        if value is None:
            return found
        found.append(value)
