"""A secure message's conversation: the guards and actions of conversation.yaml.

The customer sends as "customer" (or a tester as "api", "cli"); an agent as "staff:<id>".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import credentials
from flows.contracts.files import UploadQuota
from flows.messaging import threads
from storage.messages import Conversation
from storage.models import Identity, Staff

STAFF = "staff:"


def staff_id(actor: str) -> int | None:
    """The staff member an actor names ("staff:<id>"), if it names one."""
    number = actor.removeprefix(STAFF)
    return int(number) if actor.startswith(STAFF) and number.isdigit() else None


class ConversationModel(UploadQuota):
    agent: Staff | None = None

    @property
    def conversation(self) -> Conversation:
        found = self.ctx.session.get(Conversation, self.ctx.instance_id)
        assert found is not None  # written in the transaction that started the instance
        return found

    # -- guards ----------------------------------------------------------------------

    def by_customer(self, data: Mapping[str, Any]) -> bool:
        """Staff answer as agents; they never write in the customer's name."""
        return not self.ctx.actor.startswith(STAFF) or self.reject("event", "customer_only")

    def by_agent(self, data: Mapping[str, Any]) -> bool:
        number = staff_id(self.ctx.actor)
        member = self.ctx.session.get(Staff, number) if number is not None else None
        if member is None or member.role != "agent" or not credentials.active(member):
            return self.reject("event", "agents_only")
        self.agent = member
        return True

    def claim_free(self, data: Mapping[str, Any]) -> bool:
        assert self.agent is not None  # by_agent ran first
        held_by = threads.holder(self.conversation, self.ctx.now)
        return held_by in (None, self.agent.id) or self.reject("event", "claimed")

    # -- actions ---------------------------------------------------------------------

    def add_customer_message(self, data: Mapping[str, Any]) -> None:
        self._write(data, None)

    def add_agent_message(self, data: Mapping[str, Any]) -> None:
        assert self.agent is not None
        self._write(data, self.agent.id)

    def _write(self, data: Mapping[str, Any], staff: int | None) -> None:
        ctx = self.ctx
        attached = data.get("attachment", [])
        threads.write(
            ctx.session, self.conversation, data["body"], attached, ctx.uploads,
            now=ctx.now, staff_id=staff,
        )  # fmt: skip

    def hold(self, data: Mapping[str, Any]) -> None:
        assert self.agent is not None
        threads.claim(self.conversation, self.agent.id, self.ctx.now)

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
