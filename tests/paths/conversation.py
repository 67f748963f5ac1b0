"""A conversation: started by a customer's secure message; agents answer, claim and close."""

from __future__ import annotations

from typing import Any

from flows.engine import Snapshot
from tests.factories import TESTER
from tests.paths import ACTOR, Steps, Walk
from tests.paths import secure_message as composing
from tests.paths.document_upload import customer as customer  # one with a contract


def start(walk: Walk) -> Snapshot:
    """Conversations start with the customer's first message (secure_message)."""
    engine = walk.services.engine
    compose = engine.start("secure_message", by=ACTOR, language="fr", customer_id=walk.customer_id)
    result = engine.send(compose.id, "submit", composing.compose(walk), by=ACTOR)
    assert result.ok, result.errors
    return engine.snapshot(str(result.snapshot.display["conversation_id"]), by=TESTER)


def nothing(walk: Walk) -> dict[str, Any]:
    return {}


def customer_reply(walk: Walk) -> dict[str, Any]:
    return {"body": "Merci, une autre question."}


def agent_answer(walk: Walk) -> dict[str, Any]:
    return {"body": "Bonjour, voici la réponse."}


STEPS: Steps = {
    ("waiting", "reply"): customer_reply,
    ("waiting", "claim"): nothing,
    ("waiting", "answer"): agent_answer,
    ("waiting", "close"): nothing,
    ("answered", "reply"): customer_reply,
    ("answered", "answer"): agent_answer,
    ("answered", "read"): nothing,
    ("answered", "close"): nothing,
    ("closed", "reply"): customer_reply,
    ("closed", "read"): nothing,
}
