"""staff display names: how the consoles greet a staff member and name an agent

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.add_column(sa.Column("display_name", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.drop_column("display_name")
