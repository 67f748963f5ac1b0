"""Registration («S'inscrire»): the guards and actions of registration.yaml.

The on-screen answer never tells whether the address already has a MINI ID: a new
address gets an activation e-mail, an address with an active MINI ID gets an e-mail
telling its owner to sign in or reset the password, and both cost a password hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flows import links, passwords
from flows.model import FlowModel
from storage import identities, outbox
from storage.models import Identity, Token

ROUTE = "register"
LINK_PURPOSE = "activation"
LINK_VALID_FOR = timedelta(hours=24)
RESEND_GAP = timedelta(seconds=60)
MAILS_PER_HOUR = 5
MAIL_KINDS = ["registration/email_activate", "registration/email_already"]


class Registration(FlowModel):
    link: Token | None = None  # the activation link, as link_valid found it

    # -- guards ----------------------------------------------------------------------

    def details_valid(self, data: Mapping[str, Any]) -> bool:
        password = data["password"]
        personal = [data["email"], data["first_name"], data["last_name"]]
        problem = passwords.policy_problem(password, personal)
        if problem:
            self.reject("password", problem)
        elif data["password_confirm"] != password:
            self.reject("password_confirm", "password_mismatch")
        return not self.errors

    def resend_allowed(self) -> bool:
        sent = [datetime.fromisoformat(t) for t in self.data.get("sent", [])]
        now = self.ctx.now
        if sent and now - sent[-1] < RESEND_GAP:
            return self.reject("event", "too_soon")
        if sum(1 for t in sent if now - t < timedelta(hours=1)) >= MAILS_PER_HOUR:
            return self.reject("event", "too_many")
        return True

    def link_valid(self, data: Mapping[str, Any]) -> bool:
        self.link = links.find(self.ctx.session, data["token"])
        problem = links.problem(
            self.link, purpose=LINK_PURPOSE, instance_id=self.ctx.instance_id, now=self.ctx.now
        )
        return self.reject("token", problem) if problem else True

    # -- actions ---------------------------------------------------------------------

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
        self.data["sent"] = [*self.data.get("sent", []), self.ctx.now.isoformat()]
        email = self.data["email"]
        since = self.ctx.now - timedelta(hours=1)
        if outbox.recent_count(self.ctx.session, email, since, MAIL_KINDS) >= MAILS_PER_HOUR:
            # Someone is using this form to flood the address: stop writing to it.
            return
        values: dict[str, Any] = {"first_name": self.data["first_name"]}
        if self.data.get("known"):
            template = "registration/email_already"
            values["login_url"] = self.ctx.url(f"/{self.ctx.language}/login")
            values["reset_url"] = self.ctx.url(f"/{self.ctx.language}/password-reset")
        else:
            template = "registration/email_activate"
            token = links.issue(
                self.ctx.session,
                purpose=LINK_PURPOSE,
                instance_id=self.ctx.instance_id,
                identity_id=self.data["identity_id"],
                now=self.ctx.now,
                valid_for=LINK_VALID_FOR,
            )
            values["link"] = self.ctx.url(links.path(self.ctx.language, ROUTE, token))
        self.ctx.mailer.email(
            self.ctx.session,
            to=email,
            template=template,
            language=self.ctx.language,
            values=values,
            instance_id=self.ctx.instance_id,
        )

    def activate_identity(self) -> None:
        session = self.ctx.session
        token = self.link
        assert token is not None and token.identity_id is not None  # link_valid said so
        token.used_at = self.ctx.now
        identity = session.get(Identity, token.identity_id, with_for_update=True)
        assert identity is not None
        identity.status = "active"
        identity.activated_at = self.ctx.now
        self.customer_id = identity.id

    @classmethod
    def display(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"email": data.get("email", "")}


MODEL = Registration
