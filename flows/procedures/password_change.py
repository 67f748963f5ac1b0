"""Change my password: the guards and actions of password_change.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import View
from flows.procedures.steps.step_up import StepUpStep


class PasswordChange(StepUpStep):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        return {"step_up": cls.step_up_needed(view)}

    def stepped_up(self, fields: Mapping[str, Any]) -> bool:
        """The step-up; refused, the new password's problems are told too (all at once)."""
        if super().stepped_up(fields):
            return True
        if self.identity is not None and "password" in fields:  # it passed its own checks
            self.new_password_acceptable(self.identity, fields)
        return False

    def password_acceptable(self, fields: Mapping[str, Any]) -> bool:
        assert self.identity is not None  # stepped_up comes first
        return self.new_password_acceptable(self.identity, fields)

    def change_password(self, fields: Mapping[str, Any]) -> None:
        identity = self.identity
        assert identity is not None
        forgotten = self.set_new_password(identity, fields["password"])
        self.memory["devices_forgotten"] = forgotten
        values = {
            "first_name": identity.first_name,
            "when": self.ctx.now,
            "reset_url": self.url("password_reset", language=identity.language),
            "devices_forgotten": forgotten,
        }
        self.mail("password_change/email_changed", identity.email, values)


MODEL = PasswordChange
