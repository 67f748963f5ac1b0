"""The e-mailed activation link (activation.yaml): shared by registration and sign-in.

The procedure's ``fields`` holds ``email``, ``first_name`` and ``identity_id`` of the MINI ID
waiting for activation, and ``sent``: when each e-mail of this instance was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flows.accounts import links
from flows.model import FlowModel
from storage import outbox
from storage.models import Identity

LINK_PURPOSE = "activation"
LINK_VALID_FOR = timedelta(hours=24)
RESEND_GAP = timedelta(seconds=60)
MAILS_PER_HOUR = 5
LINK_MAIL = "steps/activation/email_link"
# Every e-mail an address may get from a registration, counted together against flooding.
MAIL_KINDS = [
    LINK_MAIL,
    "registration/email_already",
    "registration/email_pending",
    "registration/email_closed",
]


class ActivationStep(FlowModel):
    """Guards and actions of the awaiting_activation step."""

    def resend_allowed(self) -> bool:
        sent = [datetime.fromisoformat(t) for t in self.memory.get("sent", [])]
        now = self.ctx.now
        if sent and now - sent[-1] < RESEND_GAP:
            return self.reject("event", "too_soon")
        if sum(1 for t in sent if now - t < timedelta(hours=1)) >= MAILS_PER_HOUR:
            return self.reject("event", "too_many")
        return True

    def link_valid(self, fields: Mapping[str, Any]) -> bool:
        return self.accept_link(fields["token"], LINK_PURPOSE)

    def activate_identity(self) -> None:
        token = self.link
        assert token is not None and token.identity_id is not None  # link_valid said so
        token.used_at = self.ctx.now
        identity = self.ctx.session.get(Identity, token.identity_id, with_for_update=True)
        assert identity is not None
        if identity.status == "pending":
            identity.status = "active"
            identity.activated_at = self.ctx.now
        self.customer_id = identity.id

    def send_activation(self) -> None:
        """The link again (sign-in's and a resend's action); a procedure may say more."""
        if self.may_mail():
            self.mail_activation_link()

    def may_mail(self) -> bool:
        """Count this sending; False when the address already had its share this hour.

        Someone could use the forms to flood an address: past the share, nothing is
        written to it, and the screen says nothing different.
        """
        self.memory["sent"] = [*self.memory.get("sent", []), self.ctx.now.isoformat()]
        since = self.ctx.now - timedelta(hours=1)
        count = outbox.recent_count(self.ctx.session, self.memory["email"], since, MAIL_KINDS)
        return count < MAILS_PER_HOUR

    def mail_activation_link(self) -> None:
        token = links.issue(
            self.ctx.session,
            purpose=LINK_PURPOSE,
            instance_id=self.ctx.instance_id,
            identity_id=self.memory["identity_id"],
            now=self.ctx.now,
            valid_for=LINK_VALID_FOR,
        )
        values = {"first_name": self.memory["first_name"], "link": self.url(link=token)}
        self.mail(LINK_MAIL, self.memory["email"], values)


STEP = ActivationStep
