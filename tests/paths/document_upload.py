"""Sending a document: a customer with a contract, and a PDF."""

from __future__ import annotations

import secrets
from typing import Any

from flows.fields import Upload
from tests.factories import contract, identity
from tests.paths import Steps, Walk
from web.services import Services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def customer(services: Services) -> int:
    """A signed-in customer's procedure starts with its customer: one with a contract."""
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    contract(services, f"PR-25-{secrets.randbelow(10**6):06d}", identity_id=who)
    return who


def send(walk: Walk) -> dict[str, Any]:
    [mine] = walk.customer_contracts()
    return {"contract": str(mine), "document": [Upload("relevé.pdf", PDF)]}


STEPS: Steps = {("choosing", "upload"): send}
