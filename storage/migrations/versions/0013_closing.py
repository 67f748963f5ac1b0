"""closing a MINI ID: when it was closed (an agent may reopen it for 30 days)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = storage.db.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("identities") as table:
        table.add_column(sa.Column("closed_at", When(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identities") as table:
        table.drop_column("closed_at")
