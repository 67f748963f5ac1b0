"""secure messages: conversations, their messages and attachments

Revision ID: 0007
Revises: 0006

Written on 0004 while 0005-0007 were written in parallel; chained after 0006 when main
(0005, 0006) was merged in. Account association's 0007 goes between when it lands.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=True),
        sa.Column("contract_number", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(), nullable=False),
        sa.Column("last_message_at", storage.db.UTCDateTime(), nullable=False),
        sa.Column("waiting_since", storage.db.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", BigId, nullable=True),
        sa.Column("claimed_until", storage.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["flow_instances.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["identities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["claimed_by"], ["staff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversations_customer", ["customer_id", "last_message_at"], unique=False
        )
        batch_op.create_index("ix_conversations_waiting", ["waiting_since"], unique=False)

    op.create_table(
        "conversation_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=8), nullable=False),
        sa.Column("staff_id", BigId, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", storage.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_messages_conversation", ["conversation_id", "id"], unique=False
        )

    op.create_table(
        "message_attachments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["conversation_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_name"),
    )
    with op.batch_alter_table("message_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_message_attachments_message", ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_message_attachments_message")
    op.drop_table("message_attachments")
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_messages_conversation")
    op.drop_table("conversation_messages")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_waiting")
        batch_op.drop_index("ix_conversations_customer")
    op.drop_table("conversations")
