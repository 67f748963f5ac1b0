"""The audit trail: one record per event sent to an instance, taken or refused.

Written in the step's transaction, with the hourly count the analysts' heatmap reads.
A record never holds a secret: the engine hands it what fields.for_audit kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import flow_counts
from storage.models import AuditRecord, FlowInstance

ACTOR_WIDTH = 64


def write(
    session: Session,
    instance: FlowInstance,
    *,
    event: str,
    source: str,
    outcome: str,
    actor: str,
    now: datetime,
    reasons: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Record EVENT sent to INSTANCE from SOURCE; a taken one records the state it reached."""
    record = AuditRecord(
        instance_id=instance.id,
        flow=instance.flow,
        version=instance.version,
        event=event,
        source=source,
        target=instance.state if outcome == "taken" else None,
        outcome=outcome,
        reasons=reasons or {},
        data=data or {},
        actor=actor[:ACTOR_WIDTH],
        customer_id=instance.customer_id,
        created_at=now,
    )
    session.add(record)
    # The analysts' hourly counts move with the trail, in the same transaction.
    flow_counts.add(session, record)
    return record


def as_json(record: AuditRecord) -> dict[str, Any]:
    return {
        "at": record.created_at.isoformat(),
        "event": record.event,
        "source": record.source,
        "target": record.target,
        "outcome": record.outcome,
        "reasons": record.reasons,
        "data": record.data,
        "actor": record.actor,
        "version": record.version,
    }
