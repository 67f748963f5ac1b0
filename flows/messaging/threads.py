"""Writing to a conversation: its first message, the ones after, who holds it, read marks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.contracts import files
from flows.fields import AcceptedFile
from flows.messaging import CLAIM
from storage.contracts import Contract
from storage.messages import Attachment, Conversation, Message, unread

FOLDER = "messages"  # under the uploads folder: outside the web root


def open_conversation(
    session: Session,
    conversation_id: str,
    *,
    customer_id: int,
    contract: Contract,
    subject: str,
    now: datetime,
) -> Conversation:
    """The conversation of a flow instance just started, waiting for its first answer."""
    conversation = Conversation(
        id=conversation_id,
        customer_id=customer_id,
        contract_id=contract.id,
        contract_number=contract.number,
        subject=subject,
        created_at=now,
        last_message_at=now,
        waiting_since=now,
    )
    session.add(conversation)
    session.flush()
    return conversation


def write(
    session: Session,
    conversation: Conversation,
    body: str,
    attached: Sequence[AcceptedFile],
    uploads: Path,
    *,
    now: datetime,
    staff_id: int | None = None,
) -> Message:
    """Add a message (an agent's when STAFF_ID is given) with its files kept on disk."""
    message = Message(
        conversation_id=conversation.id,
        author="customer" if staff_id is None else "staff",
        staff_id=staff_id,
        body=body,
        created_at=now,
    )
    session.add(message)
    session.flush()
    for accepted in attached:
        session.add(
            Attachment(
                message_id=message.id,
                filename=accepted.display_name,
                storage_name=files.store(session, uploads / FOLDER, accepted),
                content_type=accepted.content_type,
                size=len(accepted.content),
                sha256=accepted.digest,
                created_at=now,
            )
        )
    conversation.last_message_at = now
    if staff_id is None:
        conversation.waiting_since = conversation.waiting_since or now
    else:  # answered: no longer waiting, nor held
        conversation.waiting_since = None
        conversation.claimed_by = conversation.claimed_until = None
    session.flush()
    return message


def holder(conversation: Conversation, now: datetime) -> int | None:
    """The agent who holds the conversation now, if any."""
    held = conversation.claimed_until is not None and conversation.claimed_until > now
    return conversation.claimed_by if held else None


def claim(conversation: Conversation, staff_id: int, now: datetime) -> None:
    conversation.claimed_by = staff_id
    conversation.claimed_until = now + CLAIM


def mark_read(session: Session, conversation: Conversation, now: datetime) -> int:
    """Mark the agents' messages read; how many were not."""
    fresh = unread(session, conversation.id)
    for message in fresh:
        message.read_at = now
    return len(fresh)


def close(conversation: Conversation) -> None:
    conversation.waiting_since = None
    conversation.claimed_by = conversation.claimed_until = None


def path_of(uploads: Path, attachment: Attachment) -> Path:
    """Where an attachment's file is: a name we generated, never the sender's."""
    return uploads / FOLDER / attachment.storage_name


def others_since(session: Session, conversation_id: str, seen: int, staff_id: int) -> set[int]:
    """The other agents who answered after message SEEN: two agents answering at once both
    get their answer in, and the second is told whose came first."""
    query = select(Message.staff_id).where(
        Message.conversation_id == conversation_id,
        Message.id > seen,
        Message.author == "staff",
        Message.staff_id != staff_id,
    )
    return {s for s in session.scalars(query) if s is not None}
