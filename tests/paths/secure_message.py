"""Composing a secure message: a customer with a linked contract, a question and a PDF."""

from __future__ import annotations

from typing import Any

from flows.fields import Upload
from tests.paths import Steps, Walk
from tests.paths.document_upload import PDF
from tests.paths.document_upload import customer as customer  # one with a contract


def compose(walk: Walk) -> dict[str, Any]:
    [mine] = walk.customer_contracts()
    return {
        "subject": "payments",
        "contract": str(mine),
        "body": "Puis-je changer la date de mon prélèvement?",
        "attachment": [Upload("relevé.pdf", PDF)],
    }


STEPS: Steps = {("composing", "submit"): compose}
