"""device codes, remembered devices, identity checks (account association)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.db.UTCDateTime


def _identity() -> sa.Column[int]:
    return sa.Column(
        "identity_id", BigId, sa.ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "device_challenges",
        sa.Column("id", BigId, nullable=False),
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        _identity(),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("expires_at", When(), nullable=False),
        sa.Column("used_at", When(), nullable=True),
        sa.Column("ended_at", When(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_challenges_instance", "device_challenges", ["instance_id", "id"])
    op.create_index(
        "ix_device_challenges_identity", "device_challenges", ["identity_id", "created_at"]
    )
    op.create_table(
        "remembered_devices",
        sa.Column("id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _identity(),
        sa.Column("browser", sa.String(length=100), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("last_used_at", When(), nullable=False),
        sa.Column("expires_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_remembered_devices_identity", "remembered_devices", ["identity_id"])
    op.create_table(
        "identity_checks",
        sa.Column("id", BigId, nullable=False),
        _identity(),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identity_checks_identity", "identity_checks", ["identity_id", "created_at"])


def downgrade() -> None:
    op.drop_table("identity_checks")
    op.drop_table("remembered_devices")
    op.drop_table("device_challenges")
