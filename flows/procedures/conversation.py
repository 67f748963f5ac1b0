"""A secure message's conversation: the guards and actions of conversation.yaml.

Who may send what is the definition's (``by:``), decided by the engine: an agent's
events come from an active agent, whose id is the principal's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.access import Kind
from flows.contracts import schedule
from flows.contracts.files import UploadQuota
from flows.messaging import staff_name, targets, threads
from flows.model import View
from storage import contracts, messages
from storage.contracts import Contract
from storage.messages import Conversation
from storage.models import Identity


class ConversationModel(UploadQuota):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The thread and its contract; to staff, also the customer, the contract's standing,
        who holds the conversation and how long the customer has waited."""
        session, now = view.session, view.now
        conversation = session.get(Conversation, view.instance_id or "")
        if conversation is None:
            return {}
        thread = messages.thread(session, conversation.id)
        shown = {"conversation": conversation, "thread": thread}
        if view.principal.kind is not Kind.STAFF:
            owner = view.customer_id or 0
            return {
                **shown,
                "contract": contracts.owned(session, conversation.contract_id or 0, owner),
            }
        contract = session.get(Contract, conversation.contract_id or 0)
        holder = threads.holder(conversation, now)
        ids = {m.staff_id for m in thread if m.staff_id} | {holder or 0}
        return {
            **shown,
            "contract": contract,
            "customer": session.get(Identity, conversation.customer_id),
            "names": {i: staff_name(s) for i, s in messages.staff_names(session, ids).items()},
            "standing": schedule.standing(contract, schedule.today(now)) if contract else None,
            "holder": holder,
            "held_by_me": holder is not None and holder == view.principal.id,
            "wait": targets.wait(conversation.waiting_since, now)
            if conversation.waiting_since
            else None,
        }

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

    def claim_free(self, fields: Mapping[str, Any]) -> bool:
        held_by = threads.holder(self.conversation, self.ctx.now)
        return held_by in (None, self.agent) or self.reject("event", "claimed")

    # -- actions ---------------------------------------------------------------------

    def add_customer_message(self, fields: Mapping[str, Any]) -> None:
        self._write(fields, None)

    def add_agent_message(self, fields: Mapping[str, Any]) -> None:
        seen = fields.get("seen")
        if seen is not None:  # the agent is told who answered while they were writing
            others = threads.others_since(self.ctx.session, self.ctx.instance_id, seen, self.agent)
            names = messages.staff_names(self.ctx.session, others).values()
            if names:
                self.told["meanwhile"] = ", ".join(sorted(staff_name(s) for s in names))
        self._write(fields, self.agent)

    def _write(self, fields: Mapping[str, Any], staff: int | None) -> None:
        ctx = self.ctx
        attached = fields.get("attachment", [])
        threads.write(
            ctx.session, self.conversation, fields["body"], attached, ctx.uploads,
            now=ctx.now, staff_id=staff,
        )  # fmt: skip

    def hold(self, fields: Mapping[str, Any]) -> None:
        threads.claim(self.conversation, self.agent, self.ctx.now)

    def notify_customer(self, fields: Mapping[str, Any]) -> None:
        """Tell the customer an answer waits, in their language, at the address on record;
        never what it says (the message centre shows it, once signed in)."""
        customer = self.ctx.session.get(Identity, self.conversation.customer_id)
        assert customer is not None
        language = customer.language
        values = {"first_name": customer.first_name, "url": self.url("messages", language=language)}
        self.mail("conversation/email_answered", customer.email, values, language=language)

    def mark_read(self, fields: Mapping[str, Any]) -> None:
        threads.mark_read(self.ctx.session, self.conversation, self.ctx.now)

    def close_conversation(self, fields: Mapping[str, Any]) -> None:
        threads.close(self.conversation)


MODEL = ConversationModel
