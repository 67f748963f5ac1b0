"""Forgotten password: the guards and actions of password_reset.yaml.

A known address gets the reset link; an unknown one gets an e-mail saying no MINI ID
uses it (so a customer who registered with another address learns it), and the screen
is the same for both; a MINI ID closed lately gets how to have it reopened. A MINI ID
still waiting for activation is activated by the reset: following the link proves the
address as well as the activation link would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows.accounts import links, passwords, remembered
from flows.model import FlowModel
from storage import identities, outbox, sign_in_failures
from storage import sessions as store
from storage.models import Identity

LINK_PURPOSE = "password_reset"
LINK_VALID_FOR = timedelta(hours=1)
MAILS_PER_HOUR = 5
MAIL_KINDS = [
    "password_reset/email_link",
    "password_reset/email_unknown",
    "password_reset/email_closed",
]


class PasswordReset(FlowModel):
    identity: Identity | None = None

    def send_link(self, fields: Mapping[str, Any]) -> None:
        session, now = self.ctx.session, self.ctx.now
        self.memory["email"] = fields["email"]
        since = now - timedelta(hours=1)
        if outbox.recent_count(session, fields["email"], since, MAIL_KINDS) >= MAILS_PER_HOUR:
            return  # flooding an address through this form: write nothing more to it
        identity = identities.by_email(session, fields["email"])
        if identity is not None and identity.status == "closed":  # an agent may reopen it
            values = {"first_name": identity.first_name}
            self.mail("password_reset/email_closed", fields["email"], values)
            return
        if identity is None or identity.status in ("disabled", "anonymised"):
            values = {"register_url": self.url("registration")}
            self.mail("password_reset/email_unknown", fields["email"], values)
            return
        token = links.issue(
            session,
            purpose=LINK_PURPOSE,
            instance_id=self.ctx.instance_id,
            identity_id=identity.id,
            now=now,
            valid_for=LINK_VALID_FOR,
        )
        self.mail(
            "password_reset/email_link",
            fields["email"],
            {
                "first_name": identity.first_name,
                "pending": identity.status == "pending",
                "link": self.url(link=token),
            },
        )

    def link_valid(self, fields: Mapping[str, Any]) -> bool:
        if not self.accept_link(fields["token"], LINK_PURPOSE):
            return False
        assert self.link is not None
        self.identity = self.ctx.session.get(Identity, self.link.identity_id, with_for_update=True)
        return self.identity is not None or self.reject("token", "link_invalid")

    def password_acceptable(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: every problem of the new password at once, beside its own field."""
        identity = self.identity
        assert identity is not None  # link_valid comes first
        found = passwords.new_password_problems(
            fields["password"],
            fields.get("password_confirm"),
            [identity.email, identity.first_name, identity.last_name],
            current_hash=identity.password_hash,
        )
        for field, reason in found:
            self.reject(field, reason)
        return not found

    def set_password(self, fields: Mapping[str, Any]) -> None:
        identity, token, session = self.identity, self.link, self.ctx.session
        assert identity is not None and token is not None
        token.used_at = self.ctx.now
        identity.password_hash = passwords.hash_password(fields["password"])
        if identity.status == "pending":
            identity.status, identity.activated_at = "active", self.ctx.now
        sign_in_failures.clear(session, identity.email_key)
        # Whoever was signed in with the old password is signed out everywhere, and every
        # device remembered with it asks for a code again.
        store.end_all(session, identity.id)
        forgotten = remembered.forget_all(session, identity.id)
        values = {
            "first_name": identity.first_name,
            "reset_url": self.url("password_reset", language=identity.language),
            "devices_forgotten": forgotten,
        }
        self.mail(
            "password_reset/email_changed", identity.email, values, language=identity.language
        )


MODEL = PasswordReset
