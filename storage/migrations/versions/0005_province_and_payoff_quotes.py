"""contracts' province; payoff quotes kept with their reference

Revision ID: 0005
Revises: 0004

Contracts on record before the province was imported were all Quebec's: they get QC.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("province", sa.String(length=2), server_default="QC", nullable=False)
        )
    op.create_table(
        "payoff_quotes",
        sa.Column("id", BigId, nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("identity_id", BigId, nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("payoff_date", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("per_diem_cents", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("issued_at", storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"]),
        sa.ForeignKeyConstraint(["identity_id"], ["identities.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("payoff_quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payoff_quotes_contract", ["contract_id", "issued_at"], unique=False
        )
    op.create_table(
        "payoff_quote_lines",
        sa.Column("quote_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("each_cents", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["quote_id"], ["payoff_quotes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("quote_id", "position"),
    )
    op.create_table(
        "payoff_quote_taxes",
        sa.Column("quote_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tax", sa.String(length=3), nullable=False),
        sa.Column("rate_pcm", sa.Integer(), nullable=False),
        sa.Column("base_cents", sa.BigInteger(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["payoff_quotes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("quote_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("payoff_quote_taxes")
    op.drop_table("payoff_quote_lines")
    with op.batch_alter_table("payoff_quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_payoff_quotes_contract")
    op.drop_table("payoff_quotes")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("province")
