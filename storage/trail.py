"""The analysts' queries on instances and their audit trail (staff only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from storage.models import AuditRecord, FlowInstance, FlowVersion, Identity


@dataclass(frozen=True)
class Search:
    """What an analyst looks for; None means any."""

    flow: str | None = None
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None  # instances with at least one event of this outcome
    customer_email_key: str | None = None


@dataclass(frozen=True)
class Found:
    instance: FlowInstance
    customer_email: str | None


def where_now(
    session: Session, flow: str, since: datetime, until: datetime, now: datetime
) -> list[tuple[str, bool, int]]:
    """(state, overdue, count) of FLOW's instances started in the period.

    Overdue: not ended, and its time is up (abandoned; the sweeper has not expired it yet).
    """
    overdue = and_(FlowInstance.ended_at.is_(None), FlowInstance.expires_at <= now)
    query = (
        select(FlowInstance.state, overdue, func.count())
        .where(
            FlowInstance.flow == flow,
            FlowInstance.created_at >= since,
            FlowInstance.created_at < until,
        )
        .group_by(FlowInstance.state, overdue)
    )
    return [(state, bool(late), int(count)) for state, late, count in session.execute(query)]


def versions(session: Session, flow: str) -> list[FlowVersion]:
    """Every version of FLOW that ran, oldest first."""
    query = select(FlowVersion).where(FlowVersion.flow == flow)
    return list(session.scalars(query.order_by(FlowVersion.first_seen_at, FlowVersion.version)))


def _conditions(search: Search) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    equal = {
        FlowInstance.flow: search.flow,
        FlowInstance.state: search.state,
    }
    found += [column == value for column, value in equal.items() if value is not None]
    if search.customer_email_key is not None:
        customer = select(Identity.id).where(Identity.email_key == search.customer_email_key)
        found.append(FlowInstance.customer_id.in_(customer.scalar_subquery()))
    if search.since is not None:
        found.append(FlowInstance.created_at >= search.since)
    if search.until is not None:
        found.append(FlowInstance.created_at < search.until)
    if search.outcome is not None:
        found.append(
            select(AuditRecord.id)
            .where(
                AuditRecord.instance_id == FlowInstance.id, AuditRecord.outcome == search.outcome
            )
            .exists()
        )
    return found


def search(session: Session, search: Search, *, limit: int, offset: int = 0) -> list[Found]:
    """The newest instances matching SEARCH, with their customer's address."""
    query = (
        select(FlowInstance, Identity.email)
        .where(*_conditions(search))
        .outerjoin(Identity, Identity.id == FlowInstance.customer_id)
        .order_by(FlowInstance.created_at.desc(), FlowInstance.id)
        .limit(limit)
        .offset(offset)
    )
    return [Found(instance, email) for instance, email in session.execute(query)]


def instance(session: Session, instance_id: str) -> Found | None:
    row = session.get(FlowInstance, instance_id)
    if row is None:
        return None
    email = None
    if row.customer_id is not None:
        email = session.scalar(select(Identity.email).where(Identity.id == row.customer_id))
    return Found(row, email)


def timeline(session: Session, instance_id: str) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.instance_id == instance_id)
    return list(session.scalars(query.order_by(AuditRecord.id)))


def records(session: Session, search: Search, *, limit: int) -> Iterator[AuditRecord]:
    """The audit records of the instances matching SEARCH, newest instances first."""
    query = (
        select(AuditRecord)
        .join(FlowInstance, FlowInstance.id == AuditRecord.instance_id)
        .where(*_conditions(search))
        .order_by(FlowInstance.created_at.desc(), FlowInstance.id, AuditRecord.id)
        .limit(limit)
    )
    yield from session.scalars(query.execution_options(yield_per=1000))
