"""Close my MINI ID: the guards and actions of account_closure.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import closing
from flows.model import DEVICE_TOKEN, View
from flows.procedures.steps.step_up import StepUpStep


class AccountClosure(StepUpStep):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        return {"step_up": cls.step_up_needed(view)}

    def confirmed(self, fields: Mapping[str, Any]) -> bool:
        return bool(fields.get("confirm")) or self.reject("confirm", "confirm_required")

    def close_identity(self) -> None:
        identity = self.identity
        assert identity is not None  # stepped_up comes first
        here = self.ctx.principal.session
        contracts = closing.close(self.ctx.session, identity, self.ctx.now, here)
        self.memory.update(email=identity.email, contracts=contracts)
        self.client[DEVICE_TOKEN] = ""  # this browser is no longer remembered either
        values = {
            "first_name": identity.first_name,
            "when": self.ctx.now,
            "days": closing.REOPEN_WITHIN.days,
        }
        self.mail("account_closure/email_closed", identity.email, values)


MODEL = AccountClosure
