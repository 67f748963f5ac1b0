"""The support desk: the guards and actions of customer_support.yaml, and the customer's
page an agent reads (its staff screen).

The instance is the customer's (``customer_id``); the agent is the principal. Nothing
here sets a password, reads a code or shows a link: the page lists what was sent, never
what it said.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows.accounts import closing, links, remembered
from flows.contracts import association
from flows.model import FlowModel, View
from flows.procedures.steps.activation import LINK_MAIL, LINK_PURPOSE, LINK_VALID_FOR
from flows.support_page import customer_page
from storage import devices, passkeys, sessions
from storage import support as store
from storage.models import FlowInstance, Identity

# How far back the locks of an account association are looked for.
LOOKBACK = timedelta(days=30)
TOLD = "customer_support/email_change"


class CustomerSupport(FlowModel):
    contracts: list[int]  # what lock_to_lift found, for lift
    waiting: FlowInstance  # what activation_waiting found, for new_activation_link

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        if view.customer_id is None:
            return {}
        return customer_page(view.session, view.customer_id, view.now)

    @property
    def customer(self) -> Identity:
        """The customer's row, locked: one action at a time on a MINI ID."""
        found = self.ctx.session.get(Identity, self.customer_id or 0, with_for_update=True)
        assert found is not None  # the engine starts a case only for a customer
        return found

    def tell(self, change: str) -> None:
        """The customer is told what an agent did, in their language, at their address."""
        customer = self.customer
        values = {"first_name": customer.first_name, "change": change}
        self.mail(TOLD, customer.email, values, language=customer.language)

    # -- lift an association lock ----------------------------------------------------

    def lock_to_lift(self, fields: Mapping[str, Any]) -> bool:
        session, owner, now = self.ctx.session, self.customer.id, self.ctx.now
        self.contracts = store.locked_association_contracts(session, owner, now - LOOKBACK)
        if association.locked(session, owner, now) or store.locked_contracts(
            session, self.contracts
        ):
            return True
        return self.reject("event", "nothing_locked")

    def lift(self, fields: Mapping[str, Any]) -> None:
        association.lift(self.ctx.session, self.customer.id, self.contracts, self.ctx.now)

    def tell_lifted(self, fields: Mapping[str, Any]) -> None:
        self.tell("lifted")

    # -- a new activation e-mail -----------------------------------------------------

    def activation_waiting(self, fields: Mapping[str, Any]) -> bool:
        # The waiting instance is locked before the MINI ID, as its own activation does.
        owner = self.customer_id or 0
        waiting = store.awaiting_activation(self.ctx.session, owner, self.ctx.now)
        if self.customer.status != "pending":
            return self.reject("event", "not_pending")
        if waiting is None:
            return self.reject("event", "no_activation_waiting")
        self.waiting = waiting
        return True

    def new_activation_link(self, fields: Mapping[str, Any]) -> None:
        """A new link for the registration or sign-in that waits (older links stop), which
        waits 24 h more; the e-mail is the one that procedure sends."""
        waiting: FlowInstance = self.waiting
        customer, now = self.customer, self.ctx.now
        token = links.issue(
            self.ctx.session,
            purpose=LINK_PURPOSE,
            instance_id=waiting.id,
            identity_id=customer.id,
            now=now,
            valid_for=LINK_VALID_FOR,
        )
        waiting.expires_at = max(waiting.expires_at or now, now + LINK_VALID_FOR)
        route = self.ctx.routes.get(waiting.flow, waiting.flow)
        url = self.ctx.base_url.rstrip("/") + links.path(customer.language, route, token)
        values = {"first_name": customer.first_name, "link": url}
        self.mail(LINK_MAIL, customer.email, values, language=customer.language)

    # -- devices and sessions --------------------------------------------------------

    def device_known(self, fields: Mapping[str, Any]) -> bool:
        owned = devices.devices_of(self.ctx.session, self.customer.id, self.ctx.now)
        return any(d.id == fields["device"] for d in owned) or self.reject(
            "device", "no_such_device"
        )

    def devices_remembered(self, fields: Mapping[str, Any]) -> bool:
        session, owner = self.ctx.session, self.customer.id
        owned = devices.devices_of(session, owner, self.ctx.now) or passkeys.of_customer(
            session, owner
        )
        return bool(owned) or self.reject("event", "no_devices")

    def forget_one(self, fields: Mapping[str, Any]) -> None:
        devices.forget(self.ctx.session, self.customer.id, fields["device"])

    def forget_all(self, fields: Mapping[str, Any]) -> None:
        remembered.forget_all(self.ctx.session, self.customer.id)  # and the passkeys

    def tell_devices_forgotten(self, fields: Mapping[str, Any]) -> None:
        self.tell("devices")

    def sessions_alive(self, fields: Mapping[str, Any]) -> bool:
        alive = sessions.of_customer(self.ctx.session, self.customer.id, self.ctx.now)
        return bool(alive) or self.reject("event", "no_sessions")

    def sign_out_everywhere(self, fields: Mapping[str, Any]) -> None:
        sessions.end_all(self.ctx.session, self.customer.id)

    def tell_signed_out(self, fields: Mapping[str, Any]) -> None:
        self.tell("sessions")

    # -- disable, enable -------------------------------------------------------------

    def enabled(self, fields: Mapping[str, Any]) -> bool:
        status = self.customer.status
        if status in (closing.CLOSED, closing.ANONYMISED):
            return self.reject("event", "is_closed")  # reopening has its own rule
        return status != "disabled" or self.reject("event", "already_disabled")

    def disabled(self, fields: Mapping[str, Any]) -> bool:
        return self.customer.status == "disabled" or self.reject("event", "not_disabled")

    def disable_identity(self, fields: Mapping[str, Any]) -> None:
        """No sign-in any more, and every session ends now."""
        customer = self.customer
        customer.status = "disabled"
        sessions.end_all(self.ctx.session, customer.id)

    def enable_identity(self, fields: Mapping[str, Any]) -> None:
        """Back as it was: active once activated, else waiting for activation."""
        customer = self.customer
        customer.status = "active" if customer.activated_at is not None else "pending"

    def tell_disabled(self, fields: Mapping[str, Any]) -> None:
        self.tell("disabled")

    def tell_enabled(self, fields: Mapping[str, Any]) -> None:
        self.tell("enabled")

    # -- reopen a closed MINI ID -----------------------------------------------------

    def closed_lately(self, fields: Mapping[str, Any]) -> bool:
        customer = self.customer
        if customer.status != closing.CLOSED:
            return self.reject("event", "not_closed")
        return closing.reopenable(customer, self.ctx.now) or self.reject("event", "closed_too_long")

    def reopen_identity(self, fields: Mapping[str, Any]) -> None:
        closing.reopen(self.customer)

    def tell_reopened(self, fields: Mapping[str, Any]) -> None:
        self.tell("reopened")


MODEL = CustomerSupport
