"""What the change review reads: recorded journeys of a version, and its instances in flight."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.models import AuditRecord, FlowInstance


class Step(NamedTuple):
    """One audit record of a journey: what was sent, from where, and what came of it.

    A tuple: journeys are compared whole, and most of them repeat a few paths."""

    event: str
    source: str
    target: str | None
    outcome: str


def journeys(
    session: Session, flow: str, version: str, since: datetime
) -> Iterator[tuple[str, list[Step]]]:
    """(instance id, its records on VERSION in order) of the instances started on VERSION
    since SINCE; one instance's records at a time, however many there are."""
    started = select(AuditRecord.instance_id).where(
        AuditRecord.flow == flow,
        AuditRecord.version == version,
        AuditRecord.event == "start",
        AuditRecord.created_at >= since,
    )
    query = (
        select(
            AuditRecord.instance_id,
            AuditRecord.event,
            AuditRecord.source,
            AuditRecord.target,
            AuditRecord.outcome,
        )
        .where(
            AuditRecord.flow == flow,
            # Records follow their start: the (flow, created_at) index reads the period only.
            AuditRecord.created_at >= since,
            AuditRecord.version == version,
            AuditRecord.instance_id.in_(started),
        )
        .order_by(AuditRecord.instance_id, AuditRecord.id)
    )
    # Plain rows through Core, streamed: a month of a busy procedure is a million of them.
    rows = session.connection().execution_options(yield_per=5000).execute(query)
    for instance_id, records in groupby(rows, key=lambda r: r[0]):
        yield instance_id, [Step(*r[1:]) for r in records]


def in_flight(
    session: Session, flow: str, version: str, now: datetime
) -> list[tuple[str, bool, int]]:
    """(state, overdue, count) of VERSION's instances not ended; overdue: their time is up."""
    overdue = and_(FlowInstance.expires_at.is_not(None), FlowInstance.expires_at <= now)
    query = (
        select(FlowInstance.state, overdue, func.count())
        .where(
            FlowInstance.flow == flow,
            FlowInstance.version == version,
            FlowInstance.ended_at.is_(None),
        )
        .group_by(FlowInstance.state, overdue)
    )
    return [(state, bool(late), int(n)) for state, late, n in session.execute(query)]
