"""Sending a document about a contract: the guards and actions of document_upload.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.contracts import documents
from flows.contracts.schedule import today
from flows.model import FlowModel
from storage import contracts
from storage.contracts import Contract


class DocumentUpload(FlowModel):
    contract: Contract | None = None

    def contract_owned(self, data: Mapping[str, Any]) -> bool:
        """Someone else's contract is refused like one that does not exist."""
        customer = self.ctx.customer_id
        found = contracts.owned(self.ctx.session, data["contract"], customer) if customer else None
        self.contract = found
        return found is not None or self.reject("contract", "contract_unknown")

    def within_quota(self, data: Mapping[str, Any]) -> bool:
        """No customer fills the disk: 20 documents and 100 MB in any 24 hours."""
        (sent,) = data["document"]
        customer = self.ctx.customer_id
        if customer is None:  # contract_owned has refused already
            return False
        size = len(sent.content)
        problem = documents.quota_problem(self.ctx.session, customer, size, self.ctx.now)
        return self.reject("document", problem) if problem else True

    def keep_document(self, data: Mapping[str, Any]) -> None:
        contract, now = self.contract, self.ctx.now
        assert contract is not None  # contract_owned said so
        (sent,) = data["document"]
        documents.add(
            self.ctx.session,
            contract.id,
            "upload",
            today(now),
            sent,
            self.ctx.uploads,
            now=now,
            uploaded_by=self.ctx.customer_id,
        )
        self.data.update(
            contract_id=contract.id, contract_number=contract.number, file_name=sent.display_name
        )


MODEL = DocumentUpload
