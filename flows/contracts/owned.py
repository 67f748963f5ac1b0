"""The guard of every procedure about one of the customer's contracts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flows.model import FlowModel, View
from flows.reasons import N_
from storage import contracts
from storage.contracts import Contract


class ContractOwned(FlowModel):
    """A model whose event names a contract (field ``contract``) of the signed-in customer."""

    REASONS: ClassVar[Mapping[str, str]] = {"contract_unknown": N_("Choose one of your contracts.")}
    contract: Contract | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The contracts to choose from: the customer's."""
        return {"contracts": contracts.of_customer(view.session, view.customer_id or 0)}

    def contract_owned(self, fields: Mapping[str, Any]) -> bool:
        """Someone else's contract is refused like one that does not exist."""
        customer = self.ctx.customer_id
        found = (
            contracts.owned(self.ctx.session, fields["contract"], customer) if customer else None
        )
        self.contract = found
        return found is not None or self.reject("contract", "contract_unknown")
