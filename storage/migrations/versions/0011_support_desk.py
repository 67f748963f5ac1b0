"""support desk: an agent lifts a verification lock; staff reads name what was read

Revision ID: 0011
Revises: 0010

A failed identity check an agent has lifted no longer counts toward a lock. A staff
access record names what a staff member read or acted on (a customer, a conversation,
an attachment, a quote, an export).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = storage.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("identity_checks") as table:
        table.add_column(sa.Column("lifted_at", When(), nullable=True))
    with op.batch_alter_table("staff_access") as table:
        table.add_column(sa.Column("subject", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_access") as table:
        table.drop_column("subject")
    with op.batch_alter_table("identity_checks") as table:
        table.drop_column("lifted_at")
