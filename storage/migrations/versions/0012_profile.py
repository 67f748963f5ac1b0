"""«Mon profil»: sessions a customer recognises, a privileged session, browsers seen

Revision ID: 0012
Revises: 0011

A session keeps the browser and system it was opened with (never the user agent) and
when the password was last typed in it (the step-up of the profile's procedures). The
browsers a MINI ID has signed in with are kept (as the SHA-256 of a cookie's token), so
that a sign-in from any other is told by e-mail.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = storage.db.UTCDateTime
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as table:
        table.add_column(
            sa.Column("browser", sa.String(length=100), nullable=False, server_default="")
        )
        table.add_column(
            sa.Column("system", sa.String(length=100), nullable=False, server_default="")
        )
        table.add_column(sa.Column("password_at", When(), nullable=True))
    op.create_table(
        "seen_devices",
        sa.Column("id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "identity_id", BigId, sa.ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("browser", sa.String(length=100), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", When(), nullable=False),
        sa.Column("last_seen_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", "identity_id", name="uq_seen_devices_token_identity"),
    )
    op.create_index("ix_seen_devices_identity", "seen_devices", ["identity_id"])


def downgrade() -> None:
    op.drop_index("ix_seen_devices_identity", table_name="seen_devices")
    op.drop_table("seen_devices")
    with op.batch_alter_table("web_sessions") as table:
        table.drop_column("password_at")
        table.drop_column("system")
        table.drop_column("browser")
