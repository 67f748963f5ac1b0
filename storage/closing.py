"""The queries of closing a MINI ID and of removing what is personal of it
(flows.accounts.closing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.contracts import Contract
from storage.devices import DeviceChallenge, IdentityCheck, SeenDevice
from storage.messages import Attachment, Conversation, Message
from storage.models import AuditRecord, FlowInstance, Identity, OutboxMessage, SignInFailure, Token


def forget_seen(session: Session, identity_id: int) -> None:
    session.execute(delete(SeenDevice).where(SeenDevice.identity_id == identity_id))


def unlink_contracts(session: Session, identity_id: int) -> list[str]:
    """Unlink every contract of the MINI ID; their numbers."""
    numbers = list(
        session.scalars(select(Contract.number).where(Contract.identity_id == identity_id))
    )
    session.execute(
        update(Contract).where(Contract.identity_id == identity_id).values(identity_id=None)
    )
    return numbers


def closed_before(session: Session, before: datetime, limit: int) -> list[int]:
    query = (
        select(Identity.id)
        .where(Identity.status == "closed", Identity.closed_at < before)
        .order_by(Identity.closed_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def delete_conversations(session: Session, identity_id: int) -> list[str]:
    """Delete the MINI ID's conversations, messages and attachments; the attachments'
    stored names (their files are the caller's to remove)."""
    conversations = select(Conversation.id).where(Conversation.customer_id == identity_id)
    messages = select(Message.id).where(Message.conversation_id.in_(conversations))
    attached = Attachment.message_id.in_(messages)
    names = list(session.scalars(select(Attachment.storage_name).where(attached)))
    session.execute(delete(Attachment).where(attached))
    session.execute(delete(Message).where(Message.conversation_id.in_(conversations)))
    session.execute(delete(Conversation).where(Conversation.customer_id == identity_id))
    return names


def forget_person(session: Session, identity_id: int, email_key: str) -> None:
    """Everything else personal of the MINI ID: its codes, checks, links, failure counter and
    messages to its address; what its procedures kept and what its audit records carried
    (the records themselves stay, for the analysts' counts)."""
    for model in (DeviceChallenge, IdentityCheck, Token):
        session.execute(delete(model).where(model.identity_id == identity_id))
    session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key))
    session.execute(delete(OutboxMessage).where(OutboxMessage.recipient_key == email_key))
    session.execute(
        update(FlowInstance).where(FlowInstance.customer_id == identity_id).values(data={})
    )
    session.execute(
        update(AuditRecord).where(AuditRecord.customer_id == identity_id).values(data={})
    )
