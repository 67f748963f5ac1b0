"""limits by contract and by recipient: identity checks name their contract, a contract's
association lock, device codes keep a digest of where they went; messages given up on
lose their bodies

Revision ID: 0009
Revises: 0008

Messages that failed for good before this revision still held their bodies and extras
(live links and codes): cleared here as delivery now clears them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = storage.db.UTCDateTime

outbox = sa.table(
    "outbox",
    sa.column("status", sa.String),
    sa.column("body_text", sa.Text),
    sa.column("body_html", sa.Text),
    sa.column("extras", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("identity_checks") as table:
        table.add_column(sa.Column("contract_id", BigId, nullable=True))
        table.create_foreign_key(
            "fk_identity_checks_contract", "contracts", ["contract_id"], ["id"], ondelete="SET NULL"
        )
        table.create_index("ix_identity_checks_contract", ["contract_id", "created_at"])
    with op.batch_alter_table("contracts") as table:
        table.add_column(sa.Column("association_locked_at", When(), nullable=True))
    with op.batch_alter_table("device_challenges") as table:
        table.add_column(sa.Column("recipient_key", sa.String(length=64), nullable=True))
        table.create_index("ix_device_challenges_recipient", ["recipient_key", "created_at"])
    op.execute(
        outbox.update()
        .where(outbox.c.status == "failed")
        .values(body_text="", body_html=None, extras={})
    )


def downgrade() -> None:
    with op.batch_alter_table("device_challenges") as table:
        table.drop_index("ix_device_challenges_recipient")
        table.drop_column("recipient_key")
    with op.batch_alter_table("contracts") as table:
        table.drop_column("association_locked_at")
    with op.batch_alter_table("identity_checks") as table:
        table.drop_index("ix_identity_checks_contract")
        table.drop_constraint("fk_identity_checks_contract", type_="foreignkey")
        table.drop_column("contract_id")
