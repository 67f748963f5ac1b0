"""The guard of every procedure about one of the customer's contracts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import FlowModel
from storage import contracts
from storage.contracts import Contract


class ContractOwned(FlowModel):
    """A model whose event names a contract (field ``contract``) of the signed-in customer."""

    contract: Contract | None = None

    def contract_owned(self, data: Mapping[str, Any]) -> bool:
        """Someone else's contract is refused like one that does not exist."""
        customer = self.ctx.customer_id
        found = contracts.owned(self.ctx.session, data["contract"], customer) if customer else None
        self.contract = found
        return found is not None or self.reject("contract", "contract_unknown")
