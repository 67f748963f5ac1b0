"""The device code (device_code.yaml): shared by account association and sign-in.

The procedure's ``fields`` holds ``contract_id``, the contract of record whose phone or
e-mail address gets the code (never one typed during the procedure), the masked ones the
screens show, the ``channel`` chosen and where the last code went (``sent_to``). The code
is never in ``fields``: only its keyed hash is kept (flows.accounts.codes). The MINI ID is
the instance's customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import codes, passkeys, remembered
from flows.contracts.association import mask_email, mask_phone
from flows.model import DEVICE_TOKEN, USER_AGENT, FlowModel, View
from storage import passkeys as stored_passkeys
from storage.contracts import Contract
from storage.devices import DeviceChallenge

CODE_MAIL = "steps/device_code/email_code"
CODE_SMS = "steps/device_code/sms_code"


class DeviceCodeStep(FlowModel):
    """Guards and actions of the choosing_channel and code_sent steps."""

    challenge: DeviceChallenge | None = None
    record: Contract | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """How many seconds before another code may be sent; on the code page, once a code
        was mistyped, how many tries it has left."""
        if view.state not in ("choosing_channel", "code_sent") or view.customer_id is None:
            return {}
        found: dict[str, Any] = {
            "wait_seconds": codes.wait_before_next(view.session, view.customer_id, view.now),
            # A customer with a passkey may use it instead (the page offers it then).
            "has_passkey": bool(stored_passkeys.of_customer(view.session, view.customer_id)),
        }
        if view.state == "code_sent" and view.instance_id is not None:
            found["tries_left"] = codes.tries_left(view.session, view.instance_id, view.now)
        return found

    def offer_device_code(self, contract: Contract) -> None:
        """Where codes may go: the procedure's action leading into the step calls this."""
        self.memory.update(
            contract_id=contract.id,
            phone_masked=mask_phone(contract.phone),
            email_masked=mask_email(contract.email),
            sms_offered="sms" in self.ctx.channels,
        )
        self.offer_passkey_instead()

    def offer_passkey_instead(self) -> None:
        """A challenge for the customer's passkeys, should they use one instead of a code."""
        ctx = self.ctx
        owned = stored_passkeys.of_customer(ctx.session, self.customer_id or 0)
        rp = passkeys.relying_party(ctx.base_url)
        self.told[passkeys.OPTIONS] = passkeys.offer_sign_in(self.memory, rp, ctx.now, owned)

    def passkey_confirms(self, fields: Mapping[str, Any]) -> bool:
        ctx = self.ctx
        problem = passkeys.challenge_problem(self.memory, ctx.now)
        if problem is None:
            _, problem = passkeys.authenticate(
                ctx.session,
                self.customer_id,
                fields["credential"],
                passkeys.relying_party(ctx.base_url),
                passkeys.challenge_of(self.memory),
                ctx.now,
            )
        mine = {"passkey_unknown": "passkey_not_yours", "passkey_invalid": "passkey_failed"}
        return self.reject("event", mine.get(problem, problem)) if problem else True

    def spend_passkey_challenge(self) -> None:
        passkeys.spend(self.memory)

    recipient = ""  # where the code goes, as codes.recipient_key gives it

    def code_may_be_sent(self, fields: Mapping[str, Any]) -> bool:
        session, owner = self.ctx.session, self.customer_id
        self.record = contract = session.get(Contract, self.memory.get("contract_id", 0))
        if owner is None or contract is None:
            return self.reject("event", "refused")
        channel = self._channel(fields)
        if channel not in self.ctx.channels:
            return self.reject("event", "channel_unavailable")
        address = contract.phone if channel == "sms" else contract.email
        self.recipient = codes.recipient_key(self.ctx.secret, channel, address)
        reason = codes.throttled(session, owner, self.recipient, self.ctx.now)
        return self.reject("event", reason) if reason else True

    def _channel(self, fields: Mapping[str, Any]) -> str:
        """The channel chosen now (send_code), or the one chosen before (resend_code)."""
        return str(fields.get("channel") or self.memory["channel"])

    def issue_code(self, fields: Mapping[str, Any]) -> None:
        contract, owner = self.record, self.customer_id
        assert contract is not None and owner is not None  # code_may_be_sent said so
        channel = self._channel(fields)
        code = codes.issue(
            self.ctx.session,
            secret=self.ctx.secret,
            instance_id=self.ctx.instance_id,
            identity_id=owner,
            channel=channel,
            recipient=self.recipient,
            now=self.ctx.now,
        )
        if channel == "sms":
            self.sms(CODE_SMS, contract.phone, {"code": code})
            sent_to = self.memory["phone_masked"]
        else:
            self.mail(CODE_MAIL, contract.email, {"code": code, "first_name": contract.first_name})
            sent_to = self.memory["email_masked"]
        self.memory.update(
            channel=channel, sent_to=sent_to, codes_sent=self.memory.get("codes_sent", 0) + 1
        )

    def code_valid(self, fields: Mapping[str, Any]) -> bool:
        self.challenge, reason = codes.check(
            self.ctx.session,
            secret=self.ctx.secret,
            instance_id=self.ctx.instance_id,
            code=fields["code"],
            now=self.ctx.now,
        )
        if reason is None:
            return True
        # A mistyped code is the field's problem; the others ask for a new code.
        return self.reject("code" if reason == "code_wrong" else "event", reason)

    def authorize_device(self, fields: Mapping[str, Any]) -> None:
        challenge, owner = self.challenge, self.customer_id
        assert challenge is not None and owner is not None  # code_valid said so
        challenge.used_at = self.ctx.now
        self.told["offer"] = "passkey_registration"  # nothing to type here next time
        self.memory["remembered"] = bool(fields.get("remember_device"))
        if fields.get("remember_device"):
            token = remembered.remember(
                self.ctx.session, owner, str(fields.get(USER_AGENT) or ""), self.ctx.now
            )
            self.client[DEVICE_TOKEN] = token


STEP = DeviceCodeStep
