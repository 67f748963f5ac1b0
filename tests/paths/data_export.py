"""Download my data: a customer with a contract, a payment and a message with a file."""

from __future__ import annotations

import secrets
from datetime import date

from flows.fields import Upload
from tests.factories import PASSWORD, TESTER, contract, identity, payment
from tests.paths import Steps
from web.services import Services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def customer(services: Services) -> int:
    who = identity(services, f"client.{secrets.token_hex(4)}@example.com")
    linked = contract(services, f"PR-26-{secrets.randbelow(10**6):06d}", identity_id=who)
    payment(services, linked, date(2026, 11, 15), 51237)
    draft = services.engine.start("secure_message", by=TESTER, language="fr", customer_id=who)
    message = {"subject": "payments", "contract": linked, "body": "Ma question",
               "attachment": [Upload("releve.pdf", PDF)]}  # fmt: skip
    assert services.engine.send(draft.id, "submit", message, by=TESTER).ok
    return who


STEPS: Steps = {
    ("asking", "request"): lambda walk: {"current_password": PASSWORD},
    ("ready", "download"): lambda walk: {},
}
