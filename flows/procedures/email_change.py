"""Change my e-mail address: the guards and actions of email_change.yaml.

``memory`` keeps the new address (``email``) and the one it replaces (``old_email``).
Against account takeover, the undo link mailed to the old address stays good for 7 days
whatever happens meanwhile: a later change does not revoke it, and using it revokes the
undo links of every later change (the earliest address wins, not the thief's).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows.accounts import links
from flows.model import View
from flows.procedures.steps.step_up import StepUpStep
from storage import identities, outbox
from storage.models import Identity

CONFIRM = "email_change"
UNDO = "email_undo"
CONFIRM_VALID_FOR = timedelta(hours=24)
UNDO_VALID_FOR = timedelta(days=7)
MAILS_PER_HOUR = 5
MAIL_KINDS = ["email_change/email_link", "email_change/email_taken"]


class EmailChange(StepUpStep):
    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        return {"step_up": cls.step_up_needed(view)}

    def address_new(self, fields: Mapping[str, Any]) -> bool:
        assert self.identity is not None  # stepped_up comes first
        same = identities.email_key(fields["email"]) == self.identity.email_key
        return not same or self.reject("email", "email_same")

    def send_link(self, fields: Mapping[str, Any]) -> None:
        """A link to the new address; to an address of another MINI ID, a word that someone
        tried (the screen says the same either way)."""
        identity, session, now = self.identity, self.ctx.session, self.ctx.now
        assert identity is not None
        new = fields["email"]
        self.memory.update(email=new, old_email=identity.email)
        since = now - timedelta(hours=1)
        if outbox.recent_count(session, new, since, MAIL_KINDS) >= MAILS_PER_HOUR:
            return  # flooding an address through this form: write nothing more to it
        other = identities.by_email(session, new)
        if other is not None:
            reset = self.url("password_reset", language=other.language)
            values = {"first_name": other.first_name, "reset_url": reset}
            self.mail("email_change/email_taken", new, values, language=other.language)
            return
        token = links.issue(
            session,
            purpose=CONFIRM,
            instance_id=self.ctx.instance_id,
            identity_id=identity.id,
            now=now,
            valid_for=CONFIRM_VALID_FOR,
        )
        values = {"first_name": identity.first_name, "link": self.url(link=token)}
        self.mail("email_change/email_link", new, values)

    def link_valid(self, fields: Mapping[str, Any]) -> bool:
        if not self.accept_link(fields["token"], CONFIRM):
            return False
        session = self.ctx.session
        self.identity = session.get(Identity, self.customer_id or 0, with_for_update=True)
        if self.identity is None:
            return self.reject("token", "link_invalid")
        taken = identities.by_email(session, self.memory["email"], lock=True)
        return taken is None or self.reject("token", "email_taken")

    def change_address(self) -> None:
        """The new address is the MINI ID's; the old one is told, with the undo link."""
        identity, token = self.identity, self.link
        assert identity is not None and token is not None
        token.used_at = self.ctx.now
        old = identity.email
        self.memory["old_email"] = old
        identity.email = self.memory["email"]
        identity.email_key = identities.email_key(identity.email)
        undo = links.issue(
            self.ctx.session,
            purpose=UNDO,
            instance_id=self.ctx.instance_id,
            identity_id=identity.id,
            now=self.ctx.now,
            valid_for=UNDO_VALID_FOR,
            supersede=False,
        )
        values = {
            "first_name": identity.first_name,
            "new_email": identity.email,
            "when": self.ctx.now,
            "link": self.url(link=undo),
            "days": UNDO_VALID_FOR.days,
        }
        self.mail("email_change/email_changed", old, values)

    def undo_link_valid(self, fields: Mapping[str, Any]) -> bool:
        if not self.accept_link(fields["token"], UNDO):
            return False
        session = self.ctx.session
        self.identity = found = session.get(Identity, self.customer_id or 0, with_for_update=True)
        if found is None:
            return self.reject("token", "link_invalid")
        other = identities.by_email(session, self.memory["old_email"], lock=True)
        return other is None or other.id == found.id or self.reject("token", "old_email_taken")

    def password_acceptable(self, fields: Mapping[str, Any]) -> bool:
        assert self.identity is not None  # undo_link_valid comes first
        return self.new_password_acceptable(self.identity, fields)

    def undo_change(self, fields: Mapping[str, Any]) -> None:
        """The old address back, a new password, everyone signed out and every remembered
        device forgotten; later changes can no longer be undone to their addresses."""
        identity, token, now = self.identity, self.link, self.ctx.now
        assert identity is not None and token is not None
        token.used_at = now
        links.revoke_newer(self.ctx.session, identity.id, UNDO, token, now)
        identity.email = self.memory["old_email"]
        identity.email_key = identities.email_key(identity.email)
        self.set_new_password(identity, fields["password"])
        values = {"first_name": identity.first_name, "when": now}
        self.mail("email_change/email_undone", identity.email, values)


MODEL = EmailChange
