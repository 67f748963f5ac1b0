"""Secure messages: conversations, their messages, the files attached to them.

A conversation is the domain side of a ``conversation`` flow instance (same id): the
instance holds its lifecycle (waiting, answered, closed), these rows what was written. A
customer reaches a conversation, a message or an attachment only through ``customer_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    ScalarSelect,
    String,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.contracts import Contract, Document
from storage.db import utcnow
from storage.models import Base, BigId, FlowInstance, Staff

FLOW = "conversation"


class Conversation(Base):
    """A customer's exchange with MINI Financial Services about one contract and subject."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), ForeignKey("flow_instances.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("identities.id", ondelete="CASCADE"))
    contract_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contracts.id", ondelete="SET NULL")
    )
    contract_number: Mapped[str] = mapped_column(String(32))  # kept should the contract go
    subject: Mapped[str] = mapped_column(String(32))  # a key of flows.messaging.SUBJECTS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Since when the customer has been waiting for an answer; None once answered or closed.
    waiting_since: Mapped[datetime | None]
    # The agent who opened it last holds it until then, so two do not write the same answer.
    claimed_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL")
    )
    claimed_until: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_conversations_customer", "customer_id", "last_message_at"),
        Index("ix_conversations_waiting", "waiting_since"),
    )


class Message(Base):
    """One message of a conversation, by the customer or by an agent."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    author: Mapped[str] = mapped_column(String(8))  # customer | staff
    staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An agent's message the customer has not opened yet has none.
    read_at: Mapped[datetime | None]
    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin", order_by="Attachment.id")

    __table_args__ = (Index("ix_conversation_messages_conversation", "conversation_id", "id"),)


class Attachment(Base):
    """A file sent with a message, kept under a generated name outside the web root."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversation_messages.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(200))  # shown and offered on download
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_message_attachments_message", "message_id"),)


@dataclass(frozen=True)
class Listed:
    """A conversation as a list shows it: where it stands, and what is new in it."""

    conversation: Conversation
    state: str
    unread: int


def _unread() -> ScalarSelect[int]:
    return (
        select(func.count(Message.id))
        .where(
            Message.conversation_id == Conversation.id,
            Message.author == "staff",
            Message.read_at.is_(None),
        )
        .correlate(Conversation)
        .scalar_subquery()
    )


def of_customer(session: Session, customer_id: int) -> list[Listed]:
    """The customer's conversations, the most recent first."""
    query = (
        select(Conversation, FlowInstance.state, _unread())
        .join(FlowInstance, FlowInstance.id == Conversation.id)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id)
    )
    return [Listed(c, state, unread or 0) for c, state, unread in session.execute(query)]


# Built once: every page a signed-in customer opens counts them (the header's «Messages»).
_UNREAD = (
    select(func.count(Message.id))
    .join(Conversation, Conversation.id == Message.conversation_id)
    .join(FlowInstance, FlowInstance.id == Conversation.id)
    .where(
        Conversation.customer_id == bindparam("customer"),
        Message.author == "staff",
        Message.read_at.is_(None),
        FlowInstance.state != "archived",
    )
)


def unread_count(session: Session, customer_id: int) -> int:
    """The agents' messages not read yet in the customer's conversations, archived ones
    aside (no longer opened, so never read)."""
    return session.connection().execute(_UNREAD, {"customer": customer_id}).scalar() or 0


def owned(session: Session, conversation_id: str, customer_id: int) -> Conversation | None:
    """The conversation, only when it is this customer's."""
    found = session.get(Conversation, conversation_id[:32])
    return found if found is not None and found.customer_id == customer_id else None


def thread(session: Session, conversation_id: str) -> list[Message]:
    """Every message of a conversation, in the order written, with its attachments."""
    query = select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    return list(session.scalars(query))


def unread(session: Session, conversation_id: str) -> list[Message]:
    query = select(Message).where(
        Message.conversation_id == conversation_id,
        Message.author == "staff",
        Message.read_at.is_(None),
    )
    return list(session.scalars(query))


def attachment_of(
    session: Session, attachment_id: int, customer_id: int | None = None
) -> Attachment | None:
    """An attachment; with CUSTOMER_ID, only when it is in that customer's conversation."""
    query = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Attachment.id == attachment_id)
    )
    if customer_id is not None:
        query = query.where(Conversation.customer_id == customer_id)
    return session.scalar(query)


@dataclass(frozen=True)
class Waiting:
    """A conversation in the agents' queue."""

    conversation: Conversation
    contract: Contract | None
    holder: Staff | None  # the agent holding it, while the claim lasts


def waiting(
    session: Session,
    now: datetime,
    *,
    subject: str | None = None,
    since_before: datetime | None = None,
    limit: int = 200,
) -> list[Waiting]:
    """Conversations waiting for an answer, the longest waiting first."""
    query = (
        select(Conversation, Contract, Staff)
        .join(FlowInstance, FlowInstance.id == Conversation.id)
        .outerjoin(Contract, Contract.id == Conversation.contract_id)
        .outerjoin(
            Staff, (Staff.id == Conversation.claimed_by) & (Conversation.claimed_until > now)
        )
        .where(FlowInstance.flow == FLOW, FlowInstance.state == "waiting")
        .order_by(Conversation.waiting_since, Conversation.id)
        .limit(limit)
    )
    if subject is not None:
        query = query.where(Conversation.subject == subject)
    if since_before is not None:
        query = query.where(Conversation.waiting_since <= since_before)
    return [Waiting(c, contract, holder) for c, contract, holder in session.execute(query)]


def staff_names(session: Session, ids: set[int]) -> dict[int, Staff]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}


def uploaded_since(session: Session, customer_id: int, since: datetime) -> tuple[int, int]:
    """How many files the customer sent since SINCE, and their bytes: documents and the
    attachments of their own messages together (an agent's are not theirs)."""
    documents = select(Document.size).where(
        Document.uploaded_by == customer_id, Document.created_at >= since
    )
    attachments = (
        select(Attachment.size)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.customer_id == customer_id,
            Message.author == "customer",
            Attachment.created_at >= since,
        )
    )
    sent = documents.union_all(attachments).subquery()
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(sent.c.size), 0))
    ).one()
    return int(count), int(total)
