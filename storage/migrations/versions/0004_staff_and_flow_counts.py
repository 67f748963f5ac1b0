"""staff accounts, staff sessions, hourly flow counts

Revision ID: 0004
Revises: 0003

The counts of the audit records already written are computed here, so the analysts'
heatmap covers the whole trail from the start.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email_key"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", BigId, nullable=True))
        batch_op.create_foreign_key(
            "fk_web_sessions_staff_id_staff", "staff", ["staff_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_web_sessions_staff", ["staff_id"], unique=False)
    with op.batch_alter_table("flow_instances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flow_instances_flow_created",
            ["flow", "created_at", "state", "ended_at", "expires_at"],
            unique=False,
        )
    counts = op.create_table(
        "flow_counts",
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("hour", storage.db.UTCDateTime(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "flow", "hour", "version", "source", "event", "target", "outcome", "reason"
        ),
    )
    _count_existing_records(counts)


def _count_existing_records(counts: sa.Table) -> None:
    audit = sa.table(
        "audit_records",
        sa.column("flow", sa.String()),
        sa.column("version", sa.String()),
        sa.column("created_at", storage.db.UTCDateTime()),
        sa.column("source", sa.String()),
        sa.column("event", sa.String()),
        sa.column("target", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("reasons", sa.JSON()),
    )
    found: Counter[tuple[Any, ...]] = Counter()
    rows = op.get_bind().execute(sa.select(audit)).yield_per(10_000)
    for flow, version, at, source, event, target, outcome, reasons in rows:
        hour = at.replace(minute=0, second=0, microsecond=0)
        key = (flow, hour, version, source, event, target or "", outcome)
        found[(*key, "")] += 1
        for reason in sorted(set((reasons or {}).values())):
            found[(*key, str(reason))] += 1
    names = ("flow", "hour", "version", "source", "event", "target", "outcome", "reason")
    rows_out = [{**dict(zip(names, k, strict=True)), "count": n} for k, n in found.items()]
    if rows_out:
        op.bulk_insert(counts, rows_out)


def downgrade() -> None:
    op.drop_table("flow_counts")
    with op.batch_alter_table("flow_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_instances_flow_created")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_staff")
        batch_op.drop_constraint("fk_web_sessions_staff_id_staff", type_="foreignkey")
        batch_op.drop_column("staff_id")
    op.drop_table("staff")
