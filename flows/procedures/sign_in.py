"""Sign in: the guards and actions of sign_in.yaml.

The password check, with its delays and its lockout, is flows.credentials, shared with
the staff sign-in. A customer whose MINI ID has linked contracts authorizes each device
with a code (the shared step device_code), unless the device is a remembered one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from flows.accounts import credentials, passkeys, passwords, remembered, seen
from flows.model import DEVICE_TOKEN, SEEN_TOKEN, USER_AGENT
from flows.procedures.steps.activation import ActivationStep
from flows.procedures.steps.device_code import DeviceCodeStep
from storage import contracts, identities
from storage.models import Identity


class SignIn(ActivationStep, DeviceCodeStep):
    identity: Identity | None = None
    verdict: bool | None = None  # both submit transitions ask; the password is checked once

    def credentials_valid(self, fields: Mapping[str, Any]) -> bool:
        if self.verdict is None:
            self.verdict = self._check(fields["email"], fields["password"])
        return self.verdict or self.reject("event", "credentials")

    def _check(self, email: str, password: str) -> bool:
        session = self.ctx.session
        self.identity = credentials.check(
            session,
            failure_key=identities.email_key(email),
            find=partial(identities.by_email, session, email, lock=True),
            password=password,
            usable={"active", "pending"},
            now=self.ctx.now,
        )
        return self.identity is not None

    def account_active(self) -> bool:
        return credentials.active(self.identity)

    def account_pending(self) -> bool:
        return self.identity is not None and self.identity.status == "pending"

    def device_trusted(self, fields: Mapping[str, Any]) -> bool:
        identity = self.identity
        assert identity is not None  # credentials_valid comes first
        session, now = self.ctx.session, self.ctx.now
        if not contracts.of_customer(session, identity.id):
            return True  # nothing to protect yet: association will ask for a code
        return remembered.recognised(session, fields.get(DEVICE_TOKEN), identity.id, now)

    def ask_device_code(self, fields: Mapping[str, Any]) -> None:
        identity = self.identity
        assert identity is not None
        self._upgrade_hash(identity, fields)
        # The instance is the customer's from here; the session opens once authorized.
        self.customer_id = identity.id
        self.memory["password_at"] = self.ctx.now.isoformat()
        linked = contracts.of_customer(self.ctx.session, identity.id)
        self.offer_device_code(max(linked, key=lambda c: (c.updated_at, c.id)))

    def open_session(self, fields: Mapping[str, Any]) -> None:
        """Straight from the password, or once the device is authorized (then: in
        device_code)."""
        identity = self.identity or self.ctx.session.get(Identity, self.customer_id or 0)
        assert identity is not None
        self._upgrade_hash(identity, fields)
        self.customer_id = identity.id
        # The site opens in their language (theirs to choose in «Mon profil»).
        self.told["language"] = identity.language
        if "password" in fields or "password_at" in self.memory:  # not with a passkey alone
            self.told["password_at"] = self.memory.get("password_at", self.ctx.now.isoformat())
        passkeys.spend(self.memory)  # a passkey's challenge serves once
        self.notice_new_device(identity, fields)
        # Where a customer lands: the overview; with no contract linked yet, the first
        # page of «Associez votre compte».
        linked = contracts.of_customer(self.ctx.session, identity.id)
        self.told["next"] = "overview" if linked else self.ctx.routes["account_association"]

    def notice_new_device(self, identity: Identity, fields: Mapping[str, Any]) -> None:
        """A browser this MINI ID never signed in with: the customer is told by e-mail."""
        agent = str(fields.get(USER_AGENT) or "")
        token, new = seen.note(
            self.ctx.session, fields.get(SEEN_TOKEN), identity.id, agent, self.ctx.now
        )
        self.client[SEEN_TOKEN] = token
        if new:
            browser, system = remembered.describe(agent)
            values = {
                "first_name": identity.first_name,
                "when": self.ctx.now,
                "browser": browser,
                "system": system,
                "reset_url": self.url("password_reset"),
                "devices_url": self.url("remembered_devices"),
            }
            self.mail("sign_in/email_new_device", identity.email, values)

    @staticmethod
    def _upgrade_hash(identity: Identity, fields: Mapping[str, Any]) -> None:
        if "password" in fields and passwords.needs_rehash(identity.password_hash):
            identity.password_hash = passwords.hash_password(fields["password"])

    def offer_passkey(self, fields: Mapping[str, Any]) -> None:
        """A challenge for the browser's passkeys, whichever address was typed: the page
        and its options are the same for one with a passkey, one without, and none."""
        if "email" in fields:
            self.memory["email"] = fields["email"]
        rp = passkeys.relying_party(self.ctx.base_url)
        self.told[passkeys.OPTIONS] = passkeys.offer_sign_in(self.memory, rp, self.ctx.now)

    def passkey_valid(self, fields: Mapping[str, Any]) -> bool:
        ctx = self.ctx
        problem = passkeys.challenge_problem(self.memory, ctx.now)
        if problem is None:
            found = identities.by_email(ctx.session, self.memory["email"], lock=True)
            self.identity = found if credentials.active(found) else None
            _, problem = passkeys.authenticate(
                ctx.session,
                self.identity.id if self.identity else None,
                fields["credential"],
                passkeys.relying_party(ctx.base_url),
                passkeys.challenge_of(self.memory),
                ctx.now,
            )
        return self.reject("event", problem) if problem else True

    def remember_identity(self) -> None:
        identity = self.identity
        assert identity is not None
        self.memory.update(
            email=identity.email, first_name=identity.first_name, identity_id=identity.id
        )
        self.customer_id = identity.id  # the password was right: the support desk sees it


MODEL = SignIn
