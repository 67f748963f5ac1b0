"""security hardening: delivered messages lose their bodies, the upload quota's index

Revision ID: 0005
Revises: 0004

Messages delivered before this revision still held their bodies and extras (live links
and codes): cleared here as delivery now clears them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table(
    "outbox",
    sa.column("status", sa.String),
    sa.column("body_text", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("extras", sa.JSON),
)


def upgrade() -> None:
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
