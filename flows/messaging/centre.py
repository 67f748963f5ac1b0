"""What the customers' message centre and the agents' pages read of conversations: a
customer's conversations, one of theirs, an attachment (theirs, or any, for agents)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import messages
from storage.messages import Attachment, Conversation, Listed


def inbox(session: Session, customer_id: int) -> list[Listed]:
    """The customer's conversations, the most recent first, with their unread answers."""
    return messages.of_customer(session, customer_id)


def unread(session: Session, customer_id: int) -> int:
    """How many answers the customer has not read yet (the header's «Messages (1)»)."""
    return messages.unread_count(session, customer_id)


def owned(session: Session, conversation_id: str, customer_id: int) -> Conversation | None:
    """The conversation, only when it is this customer's."""
    return messages.owned(session, conversation_id, customer_id)


def attachment(
    session: Session, attachment_id: int, customer_id: int | None = None
) -> Attachment | None:
    """An attachment; with CUSTOMER_ID, only when it is in that customer's conversation."""
    return messages.attachment_of(session, attachment_id, customer_id)


FLOW = messages.FLOW  # the procedure a conversation is an instance of
