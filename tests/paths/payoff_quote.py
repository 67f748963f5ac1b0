"""A payoff quote: a customer with a contract, and the first business day of its province
within the next 30 days."""

from __future__ import annotations

from typing import Any

from flows.contracts import payoff
from flows.contracts.schedule import today
from storage.contracts import Contract
from tests.paths import Steps, Walk
from tests.paths.document_upload import customer as customer  # one with a contract


def ask(walk: Walk) -> dict[str, Any]:
    [mine] = walk.customer_contracts()
    with walk.services.db.read() as session:
        found = session.get(Contract, mine)
        assert found is not None
        province = found.province
    first, _ = payoff.date_window(today(walk.services.clock()), province)
    return {"contract": str(mine), "date": first.isoformat()}


STEPS: Steps = {("choosing", "ask"): ask}
