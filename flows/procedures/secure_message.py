"""Composing a secure message: the guards and actions of secure_message.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.contracts.files import UploadQuota
from flows.contracts.owned import ContractOwned
from flows.messaging import TARGET_BUSINESS_DAYS, threads
from flows.messaging.targets import add_business_days
from flows.support import case_reference


class SecureMessage(ContractOwned, UploadQuota):
    def open_conversation(self, fields: Mapping[str, Any]) -> None:
        """Start the conversation (its own lifecycle) and write the first message in it."""
        contract, ctx = self.contract, self.ctx
        assert contract is not None and ctx.customer_id is not None  # contract_owned said so
        shown = {"subject": fields["subject"], "contract_number": contract.number}
        conversation_id = self.start("conversation", shown, customer_id=ctx.customer_id)
        conversation = threads.open_conversation(
            ctx.session,
            conversation_id,
            customer_id=ctx.customer_id,
            contract=contract,
            subject=fields["subject"],
            now=ctx.now,
        )
        attached = fields.get("attachment", [])
        threads.write(ctx.session, conversation, fields["body"], attached, ctx.uploads, now=ctx.now)
        answer_by = add_business_days(ctx.now, TARGET_BUSINESS_DAYS)
        self.memory.update(
            conversation_id=conversation_id,
            **shown,
            attachments=[f.display_name for f in attached],
            reference=case_reference(conversation_id),  # what the customer quotes on the phone
            answer_by=answer_by.date().isoformat(),  # the agents' target
        )


MODEL = SecureMessage
