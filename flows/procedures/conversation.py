"""A secure message's conversation: the guards and actions of conversation.yaml.

Who may send what is the definition's (``by:``), decided by the engine: an agent's
events come from an active agent, whose id is the principal's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.contracts.files import UploadQuota
from flows.messaging import threads
from storage.messages import Conversation
from storage.models import Identity


class ConversationModel(UploadQuota):
    @property
    def conversation(self) -> Conversation:
        found = self.ctx.session.get(Conversation, self.ctx.instance_id)
        assert found is not None  # written in the transaction that started the instance
        return found

    # -- guards ----------------------------------------------------------------------

    @property
    def agent(self) -> int:
        """The agent sending this event (by: [agent] in the definition)."""
        agent = self.ctx.principal.id
        assert agent is not None
        return agent

    def claim_free(self, data: Mapping[str, Any]) -> bool:
        held_by = threads.holder(self.conversation, self.ctx.now)
        return held_by in (None, self.agent) or self.reject("event", "claimed")

    # -- actions ---------------------------------------------------------------------

    def add_customer_message(self, data: Mapping[str, Any]) -> None:
        self._write(data, None)

    def add_agent_message(self, data: Mapping[str, Any]) -> None:
        self._write(data, self.agent)

    def _write(self, data: Mapping[str, Any], staff: int | None) -> None:
        ctx = self.ctx
        attached = data.get("attachment", [])
        threads.write(
            ctx.session, self.conversation, data["body"], attached, ctx.uploads,
            now=ctx.now, staff_id=staff,
        )  # fmt: skip

    def hold(self, data: Mapping[str, Any]) -> None:
        threads.claim(self.conversation, self.agent, self.ctx.now)

    def notify_customer(self, data: Mapping[str, Any]) -> None:
        """Tell the customer an answer waits, in their language, at the address on record;
        never what it says (the message centre shows it, once signed in)."""
        customer = self.ctx.session.get(Identity, self.conversation.customer_id)
        assert customer is not None
        language = customer.language
        values = {"first_name": customer.first_name, "url": self.url("messages", language=language)}
        self.mail("conversation/email_answered", customer.email, values, language=language)

    def mark_read(self, data: Mapping[str, Any]) -> None:
        threads.mark_read(self.ctx.session, self.conversation, self.ctx.now)

    def close_conversation(self, data: Mapping[str, Any]) -> None:
        threads.close(self.conversation)


MODEL = ConversationModel
