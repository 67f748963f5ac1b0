"""Account association: the guards and actions of account_association.yaml.

Format problems (a VIN with an I, a wrong check digit, an amount that is no amount) are
told beside their field and cost no attempt; an attempt that reaches the records is kept
(flows.contracts.association), and a failed one answers the same whatever did not match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.contracts import association, values
from flows.model import View
from flows.procedures.steps.device_code import DeviceCodeStep
from flows.support import case_reference
from storage.contracts import Contract

# The fields each method needs besides the names.
NEEDED = {"vin": ("vin", "last_payment_amount"), "customer_number": ("customer_number",)}


class AccountAssociation(DeviceCodeStep):
    contract: Contract | None = None
    contract_locked = False  # the contract named is locked, whoever failed against it
    named_ids: tuple[int, ...] = ()  # the contracts of record the attempt named

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """On the form: the attempts left once one failed, or the lock at once (no form to
        fill in vain). On the locked page: when verification reopens by itself (never, for
        a contract only an agent reopens), and the case reference the customer gives on
        the phone."""
        owner = view.customer_id or view.principal.customer_id
        if view.state == "identifying" and owner is not None:
            left = association.attempts_left(view.session, owner, view.now)
            if left:
                return {"attempts_left": left if left < association.LOCK_AFTER else None}
            reopens = association.reopens_at(view.session, owner, view.now)
            return {"locked_now": True, "reopens_at": reopens}
        if view.state != "locked" or view.instance_id is None:
            return super().screen(view)
        lock = view.memory.get("lock") or {}
        reopens = None
        if lock.get("why") == "identity" and owner is not None:
            reopens = association.reopens_at(view.session, owner, view.now)
        return {"reopens_at": reopens, "case_reference": case_reference(view.instance_id)}

    def details_complete(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: what the chosen method needs is there and well formed."""
        method = fields["method"]
        for name in NEEDED[method]:
            if not fields.get(name):
                self.reject(name, "required")
        if method == "vin" and fields.get("vin"):
            self._parsed("vin", lambda: values.parse_typed_vin(fields["vin"]))
        if method == "vin" and fields.get("last_payment_amount"):
            text = fields["last_payment_amount"]
            self._parsed(
                "last_payment_amount", lambda: values.parse_amount(text, self.ctx.language)
            )
        return not self.errors

    def _parsed(self, field: str, parse: Any) -> None:
        try:
            parse()
        except values.BadValue as bad:
            self.reject(field, bad.reason)

    def not_locked(self) -> bool:
        owner = self.customer_id
        if owner is None:  # started without a customer (the API): nobody to verify
            return self.reject("event", "refused")
        # Counted and decided under the MINI ID's lock, held until the attempt is kept.
        association.hold(self.ctx.session, owner)
        return not association.locked(self.ctx.session, owner, self.ctx.now)

    def identity_matches(self, fields: Mapping[str, Any]) -> bool:
        session, owner, now = self.ctx.session, self.customer_id, self.ctx.now
        assert owner is not None  # not_locked said so
        claim = self._claim(fields)
        named = association.named(session, claim)  # locked, so counted one at a time
        self.named_ids = tuple(c.id for c in named)
        if association.contract_locked(named):
            self.contract_locked = True  # lock_reached: the same page as the MINI ID's lock
            return False
        self.contract = association.find(named, claim, owner)
        association.record(session, owner, named, self.contract is not None, now)
        if self.contract is None:
            self.contract_locked = association.contract_locked(named)
            return self.reject("event", "identity_mismatch")
        return True

    def _claim(self, fields: Mapping[str, Any]) -> association.Claim:
        names = {"first_name": fields["first_name"], "last_name": fields["last_name"]}
        if fields["method"] == "vin":
            return association.Claim(
                **names,
                vin=values.parse_typed_vin(fields["vin"]),
                cents=values.parse_amount(fields["last_payment_amount"], self.ctx.language),
            )
        return association.Claim(
            **names, customer_number=association.customer_number(fields["customer_number"])
        )

    def lock_reached(self) -> bool:
        owner = self.customer_id
        if owner is None:
            return False
        return self.contract_locked or association.locked(self.ctx.session, owner, self.ctx.now)

    def keep_lock(self) -> None:
        """Why verification is locked, and the contracts named: what the agent who lifts
        the lock reopens (flows/procedures/customer_support.py)."""
        why = "contract" if self.contract_locked else "identity"
        self.memory["lock"] = {"why": why, "contracts": list(self.named_ids)}

    def ask_device_code(self) -> None:
        assert self.contract is not None  # identity_matches said so
        self.offer_device_code(self.contract)

    def link_contracts(self) -> None:
        session, owner = self.ctx.session, self.customer_id
        contract = session.get(Contract, self.memory["contract_id"])
        assert contract is not None and owner is not None
        self.memory["linked"] = association.link_all(session, contract, owner, self.ctx.now)


MODEL = AccountAssociation
