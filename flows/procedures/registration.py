"""Registration («S'inscrire»): the guards and actions of registration.yaml.

The on-screen answer never tells whether the address already has a MINI ID: a new
address gets an activation e-mail, an address with an active MINI ID gets an e-mail
telling its owner to sign in or reset the password, and all cost a password hash.
A MINI ID still waiting for activation keeps what its first registration stored (names,
password, the link already sent): registering its address again only e-mails it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import passwords
from flows.procedures.steps.activation import ActivationStep
from storage import identities


class Registration(ActivationStep):
    def details_valid(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: every problem of the password at once, beside its own field."""
        personal = [fields.get(k) or "" for k in ("email", "first_name", "last_name")]
        found = passwords.new_password_problems(
            fields["password"], fields.get("password_confirm"), [p for p in personal if p]
        )
        for field, reason in found:
            self.reject(field, reason)
        return not found

    def register(self, fields: Mapping[str, Any]) -> None:
        # Hashed whether or not the address is known, so both answers take as long.
        password_hash = passwords.hash_password(fields["password"])
        session = self.ctx.session
        self.memory.update(email=fields["email"], first_name=fields["first_name"], sent=[])
        identity, made = identities.pending_or_new(session, fields["email"], self.ctx.now)
        if made:
            identity.first_name = fields["first_name"]
            identity.last_name = fields["last_name"]
            identity.password_hash = password_hash
            identity.language = self.ctx.language
            session.flush()
            self.memory["identity_id"] = identity.id
            self.customer_id = identity.id  # whose it is, for the support desk
        elif identity.status == "closed":
            # Closed by its owner lately: an agent may reopen it; it cannot be registered.
            self.memory.update(closed=True, first_name=identity.first_name)
        elif identity.status == "pending":
            # Registered before and not activated yet: what was stored then stays, and so
            # does the link sent then (whoever registers again could be someone else).
            self.memory["pending"] = True
        else:
            # The owner is greeted by the name on record, not by what was typed.
            self.memory.update(known=True, first_name=identity.first_name)
        self.send_activation()

    def send_activation(self) -> None:
        if not self.may_mail():
            return
        urls = {"login_url": self.url("sign_in"), "reset_url": self.url("password_reset")}
        if self.memory.get("pending"):
            self.mail("registration/email_pending", self.memory["email"], urls)
        elif self.memory.get("closed"):
            values = {"first_name": self.memory["first_name"]}
            self.mail("registration/email_closed", self.memory["email"], values)
        elif self.memory.get("known"):
            values = {"first_name": self.memory["first_name"], **urls}
            self.mail("registration/email_already", self.memory["email"], values)
        else:
            self.mail_activation_link()


MODEL = Registration
