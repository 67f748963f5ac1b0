"""The queries of a customer's data archive (flows.accounts.export): everything of one MINI
ID, read in one transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.contracts import Contract, Document, Payment
from storage.devices import RememberedDevice, SeenDevice
from storage.messages import Conversation, Message
from storage.models import AuditRecord, FlowInstance
from storage.passkeys import Passkey
from storage.quotes import PayoffQuote


def payments(session: Session, contract_id: int) -> list[Payment]:
    query = select(Payment).where(Payment.contract_id == contract_id).order_by(Payment.paid_on)
    return list(session.scalars(query))


def documents(session: Session, contract_id: int) -> list[Document]:
    query = select(Document).where(Document.contract_id == contract_id).order_by(Document.id)
    return list(session.scalars(query))


def quotes(session: Session, identity_id: int) -> list[tuple[PayoffQuote, Contract]]:
    query = (
        select(PayoffQuote, Contract)
        .join(Contract, Contract.id == PayoffQuote.contract_id)
        .where(PayoffQuote.identity_id == identity_id)
        .order_by(PayoffQuote.issued_at)
    )
    return [(q, c) for q, c in session.execute(query)]


def conversations(session: Session, identity_id: int) -> list[tuple[Conversation, list[Message]]]:
    query = (
        select(Conversation)
        .where(Conversation.customer_id == identity_id)
        .order_by(Conversation.created_at)
    )
    found = []
    for conversation in session.scalars(query):
        thread = select(Message).where(Message.conversation_id == conversation.id)
        found.append((conversation, list(session.scalars(thread.order_by(Message.id)))))
    return found


def remembered(session: Session, identity_id: int) -> list[RememberedDevice]:
    query = select(RememberedDevice).where(RememberedDevice.identity_id == identity_id)
    return list(session.scalars(query.order_by(RememberedDevice.id)))


def passkeys(session: Session, identity_id: int) -> list[Passkey]:
    query = select(Passkey).where(Passkey.identity_id == identity_id)
    return list(session.scalars(query.order_by(Passkey.id)))


def seen(session: Session, identity_id: int) -> list[SeenDevice]:
    query = select(SeenDevice).where(SeenDevice.identity_id == identity_id)
    return list(session.scalars(query.order_by(SeenDevice.id)))


def trail(session: Session, identity_id: int) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.customer_id == identity_id)
    return list(session.scalars(query.order_by(AuditRecord.id)))


def preparing(session: Session, flow: str, limit: int) -> list[str]:
    """Instances of FLOW waiting for their archive, oldest first."""
    query = (
        select(FlowInstance.id)
        .where(FlowInstance.flow == flow, FlowInstance.state == "preparing")
        .order_by(FlowInstance.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))
