"""The language of my MINI ID: the action of language_choice.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.model import FlowModel, View
from storage.models import Identity


class LanguageChoice(FlowModel):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        found = view.session.get(Identity, view.customer_id or 0)
        return {"language": found.language if found else "fr"}

    def set_language(self, fields: Mapping[str, Any]) -> None:
        identity = self.ctx.session.get(Identity, self.customer_id or 0, with_for_update=True)
        assert identity is not None  # a customer's procedure has its customer
        identity.language = self.memory["language"] = fields["language"]
        self.told["language"] = identity.language  # the site follows at once


MODEL = LanguageChoice
