"""Download my data: the guards and actions of data_export.yaml (the archive itself:
flows.accounts.export)."""

from __future__ import annotations

import secrets
from typing import Any

from flows.accounts import export
from flows.model import View
from flows.procedures.steps.step_up import StepUpStep
from storage.models import Identity


class DataExport(StepUpStep):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        return {"step_up": cls.step_up_needed(view)}

    def ask_for_archive(self) -> None:
        self.memory["asked_at"] = self.ctx.now.isoformat()

    def build_archive(self) -> None:
        """Sent by the background worker (the system): the archive, then an e-mail."""
        ctx = self.ctx
        identity = ctx.session.get(Identity, self.customer_id or 0)
        assert identity is not None  # a customer's procedure has its customer
        data, attached = export.document(ctx.session, identity, ctx.now)
        name = f"{secrets.token_hex(16)}.zip"
        page = export.html(data, identity.language)
        size = export.write(ctx.uploads, ctx.session, name, data, page, attached)
        self.memory.update(archive=name, size=size, files=len(attached))
        values = {"first_name": identity.first_name, "link": self.url(), "days": 7}
        self.mail("data_export/email_ready", identity.email, values)


MODEL = DataExport
