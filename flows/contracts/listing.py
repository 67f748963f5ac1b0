"""What a customer's pages read of their contracts: the contracts linked to their MINI ID,
recent payments and documents, one of theirs by id (someone else's is none)."""

from __future__ import annotations

from storage.contracts import documents, of_customer, owned, owned_document, recent_payments

__all__ = ["documents", "of_customer", "owned", "owned_document", "recent_payments"]
