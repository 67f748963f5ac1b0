"""security hardening: delivered messages lose their bodies

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
    op.execute(
        outbox.update()
        .where(outbox.c.status == "sent")
        .values(body_text="", body_html=None, extras={})
    )


def downgrade() -> None:
    """What was cleared is gone for good."""
