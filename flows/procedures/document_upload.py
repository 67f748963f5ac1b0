"""Sending a document about a contract: the guards and actions of document_upload.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.contracts import documents
from flows.contracts.files import UploadQuota
from flows.contracts.owned import ContractOwned
from flows.contracts.schedule import today


class DocumentUpload(ContractOwned, UploadQuota):
    QUOTA_FIELD = "document"

    def keep_document(self, fields: Mapping[str, Any]) -> None:
        contract, now = self.contract, self.ctx.now
        assert contract is not None  # contract_owned said so
        (sent,) = fields["document"]
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
        self.memory.update(
            contract_id=contract.id, contract_number=contract.number, file_name=sent.display_name
        )


MODEL = DocumentUpload
