"""Moving in-flight instances to the current version, as its definition declares.

A definition may say where instances of an older version go (``procedure.migrations``:
``{from: VERSION, states: {old: new}}``). Only instances not ended, still within their
time, in a state the mapping names, move; each in a transaction of its own: its row
locked and checked again, then the current version, the mapped state, the expiry of that
state counted from now, and an audit record ``migrate`` by the actor ``migration``.
Every other instance finishes on the version it started on, as always (an overdue one
is expired by the sweeper on its own version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from flows import audit
from flows.definition import Definition, Migration, parse
from flows.registry import Registry
from storage.db import Database
from storage.models import FlowInstance, FlowVersion

ACTOR = "migration"
EVENT = "migrate"


class MigrationError(ValueError):
    """The declared mapping cannot apply: an unknown version, or states it never had."""


@dataclass(frozen=True)
class Move:
    instance_id: str
    from_version: str
    source: str
    target: str


def plan(db: Database, registry: Registry, name: str, now: datetime) -> list[Move]:
    """What would move now, oldest instance first."""
    definition = registry.get(name)
    moves: list[Move] = []
    with db.read() as session:
        for migration in definition.migrations:
            _check(session, definition, migration)
            moves += [
                Move(row.id, migration.from_version, row.state, migration.states[row.state])
                for row in session.scalars(_movable(definition.name, migration, now))
            ]
    return moves


def migrate(
    db: Database, registry: Registry, name: str, clock: Callable[[], datetime]
) -> list[Move]:
    """Move what ``plan`` finds; returns what moved (a row changed meanwhile stays put)."""
    definition = registry.get(name)
    # The version they move to is kept, like any that ran, before any instance runs it.
    registry.record_versions(db)
    moved = []
    for move in plan(db, registry, name, clock()):
        with db.write() as session:
            if _apply(session, definition, move, clock()):
                moved.append(move)
    return moved


def _movable(flow: str, migration: Migration, now: datetime) -> Select[FlowInstance]:
    return (
        select(FlowInstance)
        .where(
            FlowInstance.flow == flow,
            FlowInstance.version == migration.from_version,
            FlowInstance.ended_at.is_(None),
            FlowInstance.state.in_(list(migration.states)),
            or_(FlowInstance.expires_at.is_(None), FlowInstance.expires_at > now),
        )
        .order_by(FlowInstance.created_at, FlowInstance.id)
    )


def _check(session: Session, definition: Definition, migration: Migration) -> None:
    row = session.get(FlowVersion, (definition.name, migration.from_version))
    if row is None:
        raise MigrationError(f"{definition.name}: version {migration.from_version} never ran here")
    states = parse(row.document)["statechart"]["states"]
    unknown = sorted(set(migration.states) - set(states))
    if unknown:
        raise MigrationError(
            f"{definition.name} {migration.from_version} has no state {', '.join(unknown)}"
        )


def _apply(session: Session, definition: Definition, move: Move, now: datetime) -> bool:
    row = session.get(FlowInstance, move.instance_id, with_for_update=True)
    still = (
        row is not None
        and row.version == move.from_version
        and row.state == move.source
        and row.ended_at is None
        and (row.expires_at is None or row.expires_at > now)
    )
    if not still or row is None:
        return False
    info = definition.states[move.target]
    row.version = definition.version
    row.state = move.target
    row.updated_at = now
    row.expires_at = now + info.expires_after if info.expires_after else None
    row.ended_at = now if info.final else None
    audit.write(
        session,
        row,
        event=EVENT,
        source=move.source,
        outcome="taken",
        actor=ACTOR,
        now=now,
        data={"from_version": move.from_version},
    )
    return True
