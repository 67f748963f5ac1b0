"""Audit records counted by the hour, in the transaction that writes them.

A period's heatmap sums a few thousand of these rows instead of reading every audit
record of the period (see FlowCount).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import AuditRecord, FlowCount


@dataclass(frozen=True, slots=True)
class CountRow:
    source: str
    event: str
    target: str
    outcome: str
    reason: str
    count: int


def keys(record: AuditRecord) -> list[dict[str, Any]]:
    """The counts RECORD adds one to: its own, and one per reason code it gives.

    Always in the same order, so concurrent steps cannot lock two rows crosswise.
    """
    key = {
        "flow": record.flow,
        "hour": record.created_at.replace(minute=0, second=0, microsecond=0),
        "version": record.version,
        "source": record.source,
        "event": record.event,
        "target": record.target or "",
        "outcome": record.outcome,
    }
    return [{**key, "reason": str(r)} for r in ["", *sorted(set(record.reasons.values()))]]


KEY = ("flow", "hour", "version", "source", "event", "target", "outcome", "reason")


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Any:
    """One statement per dialect, built once: compiled once, run on every step."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(FlowCount).on_conflict_do_update(
        index_elements=list(KEY), set_={"count": FlowCount.count + 1}
    )


def add(session: Session, record: AuditRecord) -> None:
    """Count RECORD, in the session's transaction."""
    statement = _upsert(session.get_bind().dialect.name)
    session.execute(statement, [{**key, "count": 1} for key in keys(record)])


def totals(session: Session, flow: str, since: datetime, until: datetime) -> list[CountRow]:
    """FLOW's counts from SINCE to UNTIL (excluded), all versions together."""
    query = (
        select(
            FlowCount.source,
            FlowCount.event,
            FlowCount.target,
            FlowCount.outcome,
            FlowCount.reason,
            func.sum(FlowCount.count),
        )
        .where(FlowCount.flow == flow, FlowCount.hour >= since, FlowCount.hour < until)
        .group_by(
            FlowCount.source,
            FlowCount.event,
            FlowCount.target,
            FlowCount.outcome,
            FlowCount.reason,
        )
    )
    return [CountRow(*row[:5], int(row[5])) for row in session.execute(query)]


def starts_by_version(session: Session, flow: str) -> dict[str, int]:
    """How many instances each version of FLOW started, ever."""
    query = (
        select(FlowCount.version, func.sum(FlowCount.count))
        .where(
            FlowCount.flow == flow,
            FlowCount.event == "start",
            FlowCount.outcome == "taken",
            FlowCount.reason == "",
        )
        .group_by(FlowCount.version)
    )
    return {version: int(count) for version, count in session.execute(query)}


def started(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """How many instances of each procedure started from SINCE to UNTIL (excluded)."""
    query = (
        select(FlowCount.flow, func.sum(FlowCount.count))
        .where(
            FlowCount.hour >= since,
            FlowCount.hour < until,
            FlowCount.event == "start",
            FlowCount.outcome == "taken",
            FlowCount.reason == "",
        )
        .group_by(FlowCount.flow)
    )
    return {flow: int(count) for flow, count in session.execute(query)}
