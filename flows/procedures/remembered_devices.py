"""Where I am signed in: the guards and actions of remembered_devices.yaml.

A session is named in the list by a handle: the first 16 characters of its key (the
SHA-256 of its cookie), enough to tell the customer's apart and nothing to sign in with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import remembered, sessions
from flows.model import DEVICE_TOKEN, FlowModel, View
from storage import devices, passkeys
from storage.devices import RememberedDevice
from storage.models import WebSession
from storage.passkeys import Passkey

ALL = "all"
OTHERS = "others"
HANDLE = 16


def handle(row: WebSession) -> str:
    return row.id[:HANDLE]


class RememberedDevices(FlowModel):
    chosen: list[RememberedDevice] | None = None
    ending: list[WebSession] | None = None
    removing: Passkey | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The customer's sessions and remembered devices, this browser's marked."""
        owner = view.customer_id or 0
        found = remembered.of_customer(view.session, owner, view.now)
        mine = view.client.get(DEVICE_TOKEN)
        here = view.principal.session
        live = sessions.of_customer(view.session, owner, view.now)
        return {
            "devices": [(d, remembered.is_this_one(d, mine)) for d in found],
            "sessions": [(s, handle(s), s.id == here) for s in live],
            "passkeys": passkeys.of_customer(view.session, owner),
        }

    def session_known(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: another of the customer's open sessions, or all the others."""
        ctx = self.ctx
        live = sessions.of_customer(ctx.session, ctx.customer_id or 0, ctx.now)
        others = [s for s in live if s.id != ctx.principal.session]
        wanted = str(fields["session"])
        self.ending = [s for s in others if wanted in (OTHERS, handle(s))]
        return bool(self.ending) or wanted == OTHERS or self.reject("session", "session_unknown")

    def end_sessions(self, fields: Mapping[str, Any]) -> None:
        owner = self.ctx.customer_id
        assert owner is not None
        for row in self.ending or []:
            sessions.end(self.ctx.session, owner, row.id)
        self.memory.update(ended=len(self.ending or []), others=fields["session"] == OTHERS)

    def device_known(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: one of the customer's devices (by its number), or all of them."""
        listed = remembered.of_customer(self.ctx.session, self.ctx.customer_id or 0, self.ctx.now)
        wanted = str(fields["device"])
        self.chosen = [d for d in listed if wanted in (ALL, str(d.id))]
        return bool(self.chosen) or wanted == ALL or self.reject("device", "device_unknown")

    def forget_devices(self, fields: Mapping[str, Any]) -> None:
        chosen, owner = self.chosen or [], self.ctx.customer_id
        assert owner is not None
        for device in chosen:
            devices.forget(self.ctx.session, owner, device.id)
        self.memory.update(forgotten=len(chosen), all=fields["device"] == ALL)
        if any(remembered.is_this_one(d, fields.get(DEVICE_TOKEN)) for d in chosen):
            self.client[DEVICE_TOKEN] = ""  # this browser is no longer remembered

    def passkey_owned(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: one of the customer's passkeys, by its number in the list."""
        owned = passkeys.of_customer(self.ctx.session, self.ctx.customer_id or 0)
        self.removing = next((p for p in owned if str(p.id) == str(fields["passkey"])), None)
        return self.removing is not None or self.reject("passkey", "passkey_gone")

    def remove_passkeys(self) -> None:
        removing, owner = self.removing, self.ctx.customer_id
        assert removing is not None and owner is not None
        passkeys.remove(self.ctx.session, owner, removing.id)
        self.memory["removed"] = removing.name


MODEL = RememberedDevices
