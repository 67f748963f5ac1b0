"""The records the pages read, by the names the engine and its procedures use.

Pages get them from flows' queries (never from storage directly: web → flows → storage),
and read their columns; only the flows change them.
"""

from __future__ import annotations

from storage.contracts import Contract, Document, DocumentLine, Payment, PaymentLine
from storage.db import Database
from storage.devices import RememberedDevice
from storage.messages import Attachment, Conversation, Message
from storage.models import AuditRecord, Identity, OutboxMessage, Staff, StaffAccess, WebSession
from storage.quotes import PayoffQuote, QuoteLine

__all__ = [
    "Attachment",
    "AuditRecord",
    "Contract",
    "Conversation",
    "Database",
    "Document",
    "DocumentLine",
    "Identity",
    "Message",
    "OutboxMessage",
    "Payment",
    "PaymentLine",
    "PayoffQuote",
    "QuoteLine",
    "RememberedDevice",
    "Staff",
    "StaffAccess",
    "WebSession",
]
