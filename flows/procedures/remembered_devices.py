"""Remembered devices: the guards and actions of remembered_devices.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import remembered
from flows.model import DEVICE_TOKEN, FlowModel, View
from storage import devices
from storage.devices import RememberedDevice

ALL = "all"


class RememberedDevices(FlowModel):
    chosen: list[RememberedDevice] | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The customer's remembered devices, the browser looking marked as this one."""
        found = remembered.of_customer(view.session, view.customer_id or 0, view.now)
        mine = view.client.get(DEVICE_TOKEN)
        return {"devices": [(d, remembered.is_this_one(d, mine)) for d in found]}

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


MODEL = RememberedDevices
