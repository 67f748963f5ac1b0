"""A payoff quote: a customer with a contract, and a date within the next 30 days."""

from __future__ import annotations

from typing import Any

from flows.contracts.schedule import today
from tests.paths import Steps, Walk
from tests.paths.document_upload import customer as customer  # one with a contract


def ask(walk: Walk) -> dict[str, Any]:
    [mine] = walk.customer_contracts()
    return {"contract": str(mine), "date": today(walk.services.clock()).isoformat()}


STEPS: Steps = {("choosing", "ask"): ask}
