"""security hardening: staff access records, the upload quota's index, delivered messages
lose their bodies

Revision ID: 0006
Revises: 0005

Messages delivered before this revision still held their bodies and extras (live links
and codes): cleared here as delivery now clears them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

outbox = sa.table(
    "outbox",
    sa.column("status", sa.String),
    sa.column("body_text", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("extras", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "staff_access",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("account", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_access_time", "staff_access", ["created_at"], unique=False)
    op.create_index(
        "ix_staff_access_staff", "staff_access", ["staff_id", "created_at"], unique=False
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_documents_uploaded_by", ["uploaded_by", "created_at"], unique=False
        )
    op.execute(
        outbox.update()
        .where(outbox.c.status == "sent")
        .values(body_text="", body_html=None, extras={})
    )


def downgrade() -> None:
    # What was cleared from delivered messages is gone for good.
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_uploaded_by")
    op.drop_index("ix_staff_access_staff", table_name="staff_access")
    op.drop_index("ix_staff_access_time", table_name="staff_access")
    op.drop_table("staff_access")
