"""A passkey on this device: the guard and actions of passkey_registration.yaml.

The ceremony is flows.accounts.passkeys (py_webauthn); this model keeps its challenge in
the instance's memory, so that it answers this instance only, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import passkeys, remembered
from flows.model import USER_AGENT, FlowModel, View
from storage.models import Identity
from storage.passkeys import Passkey


class PasskeyRegistration(FlowModel):
    created: Passkey | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The name the device's passkey is offered under: its browser and system."""
        browser, system = remembered.describe(str(view.client.get(USER_AGENT) or ""))
        return {"suggested_name": " · ".join(filter(None, [browser, system]))}

    def offer_passkey(self, fields: Mapping[str, Any]) -> None:
        ctx = self.ctx
        identity = ctx.session.get(Identity, self.customer_id or 0)
        assert identity is not None  # a customer's procedure has its customer
        if "name" in fields:
            self.memory["name"] = fields["name"]
        rp = passkeys.relying_party(ctx.base_url)
        handle = passkeys.user_handle(ctx.secret, identity.id)
        options = passkeys.offer_registration(
            ctx.session, self.memory, rp, identity, handle, ctx.now
        )
        self.told[passkeys.OPTIONS] = options  # for a tester's authenticator, once

    def passkey_created(self, fields: Mapping[str, Any]) -> bool:
        ctx = self.ctx
        problem = passkeys.challenge_problem(self.memory, ctx.now)
        if problem is None:
            self.created, problem = passkeys.register(
                ctx.session,
                self.customer_id or 0,
                fields["credential"],
                passkeys.relying_party(ctx.base_url),
                passkeys.challenge_of(self.memory),
                self.memory["name"],
                ctx.now,
            )
        return self.reject("event", problem) if problem else True

    def keep_passkey(self) -> None:
        assert self.created is not None  # passkey_created said so
        self.ctx.session.add(self.created)
        passkeys.spend(self.memory)


MODEL = PasskeyRegistration
