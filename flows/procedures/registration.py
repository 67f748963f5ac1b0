"""Registration («S'inscrire»): the guards and actions of registration.yaml.

The on-screen answer never tells whether the address already has a MINI ID: a new
address gets an activation e-mail, an address with an active MINI ID gets an e-mail
telling its owner to sign in or reset the password, and both cost a password hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.accounts import passwords
from flows.procedures.steps.activation import Activation
from storage import identities


class Registration(Activation):
    route = "register"

    def details_valid(self, data: Mapping[str, Any]) -> bool:
        found = passwords.new_password_problem(
            data["password"],
            data["password_confirm"],
            [data["email"], data["first_name"], data["last_name"]],
        )
        return self.reject(*found) if found else True

    def register(self, data: Mapping[str, Any]) -> None:
        # Hashed whether or not the address is known, so both answers take as long.
        password_hash = passwords.hash_password(data["password"])
        session = self.ctx.session
        self.data.update(email=data["email"], first_name=data["first_name"], sent=[])
        identity = identities.pending_or_new(session, data["email"], self.ctx.now)
        if identity.status != "pending":
            # The owner is greeted by the name on record, not by what was typed.
            self.data.update(known=True, first_name=identity.first_name)
        else:
            # A second registration before activation: the newest details win.
            identity.first_name = data["first_name"]
            identity.last_name = data["last_name"]
            identity.password_hash = password_hash
            identity.language = self.ctx.language
            session.flush()
            self.data["identity_id"] = identity.id
        self.send_activation()

    def send_activation(self) -> None:
        if not self.may_mail():
            return
        if not self.data.get("known"):
            self.mail_activation_link()
            return
        lang = self.ctx.language
        self.ctx.mailer.email(
            self.ctx.session,
            to=self.data["email"],
            template="registration/email_already",
            language=lang,
            values={
                "first_name": self.data["first_name"],
                "login_url": self.ctx.url(f"/{lang}/login"),
                "reset_url": self.ctx.url(f"/{lang}/password-reset"),
            },
            instance_id=self.ctx.instance_id,
        )

    @classmethod
    def display(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"email": data.get("email", "")}


MODEL = Registration
