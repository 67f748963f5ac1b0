"""staff second factor: each staff account's authenticator key (encrypted), when it was
confirmed, the last time step taken; its recovery codes (hashed, each used once)

Revision ID: 0010
Revises: 0009

Staff accounts on record before this revision have no authenticator: each enrols one at
its next sign-in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        table.add_column(sa.Column("totp_enrolled_at", When(), nullable=True))
        table.add_column(sa.Column("totp_last_counter", sa.BigInteger(), nullable=True))
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("staff_id", BigId, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("used_at", When(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_recovery_codes_staff", "staff_recovery_codes", ["staff_id"])


def downgrade() -> None:
    op.drop_table("staff_recovery_codes")
    with op.batch_alter_table("staff") as table:
        table.drop_column("totp_last_counter")
        table.drop_column("totp_enrolled_at")
        table.drop_column("totp_secret")
