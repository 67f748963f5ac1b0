"""The step-up, shared by the profile's procedures: changing what protects a MINI ID (its
password, its address) asks for the current password again, unless it was typed in this
very session in the last 5 minutes (a privileged session, as Ory Kratos calls it). A
remembered device does not skip it; the testers' API and the command line have no session
and always give the password.

A wrong current password counts against the address like a failed sign-in (delays after
5, a lock after 100), so a stolen session cannot guess it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from flows.accounts import credentials, passwords, remembered, sessions
from flows.model import DEVICE_TOKEN, FlowModel, View
from flows.reasons import N_
from storage import sign_in_failures
from storage.models import Identity

FRESH_FOR = timedelta(minutes=5)
FIELD = "current_password"


class StepUpStep(FlowModel):
    """The guard ``stepped_up`` (reads ``current_password``) and what a screen needs."""

    REASONS: ClassVar[Mapping[str, str]] = {
        "current_password_wrong": N_(
            "Your current password is not correct. After several attempts, wait a few "
            "minutes before trying again."
        ),
        "step_up_required": N_("For your security, type your current password again."),
    }

    identity: Identity | None = None

    @classmethod
    def step_up_needed(cls, view: View) -> bool:
        """Whether the screen asks for the current password (it was not typed lately)."""
        return not _fresh(view.session, view.principal.session, view.now)

    def stepped_up(self, fields: Mapping[str, Any]) -> bool:
        session, now = self.ctx.session, self.ctx.now
        self.identity = found = session.get(Identity, self.customer_id or 0, with_for_update=True)
        if found is None:
            return self.reject("event", "refused")
        typed = fields.get(FIELD)
        if not typed:
            fresh = _fresh(session, self.ctx.principal.session, now)
            return fresh or self.reject(FIELD, "step_up_required")
        right = credentials.check(
            session,
            failure_key=found.email_key,
            find=lambda: found,
            password=str(typed),
            usable={"active"},
            now=now,
        )
        if right is None:
            return self.reject(FIELD, "current_password_wrong")
        row = sessions.one(session, self.ctx.principal.session or "")
        if row is not None and row.identity_id == found.id:
            row.password_at = now  # typed again: privileged for 5 more minutes
        return True

    def new_password_acceptable(self, identity: Identity, fields: Mapping[str, Any]) -> bool:
        """A field rule: every problem of a new password at once, beside its own field."""
        found = passwords.new_password_problems(
            fields["password"],
            fields.get("password_confirm"),
            [identity.email, identity.first_name, identity.last_name],
            current_hash=identity.password_hash,
        )
        for field, reason in found:
            self.reject(field, reason)
        return not found

    def set_new_password(self, identity: Identity, password: str) -> int:
        """The new password; whoever was signed in with the old one is signed out (but in
        this session, where the customer typed it), every device remembered with it asks
        for a code again, and this browser is told it is no longer remembered. How many
        devices were forgotten."""
        session = self.ctx.session
        identity.password_hash = passwords.hash_password(password)
        sign_in_failures.clear(session, identity.email_key)
        mine = self.ctx.principal.session if self.ctx.principal.id == identity.id else None
        sessions.end_all(session, identity.id, keep=mine)
        row = sessions.one(session, mine) if mine else None
        if row is not None:
            row.password_at = self.ctx.now
        self.client[DEVICE_TOKEN] = ""
        return remembered.forget_all(session, identity.id)


def _fresh(session: Any, row_id: str | None, now: Any) -> bool:
    row = sessions.one(session, row_id) if row_id else None
    return row is not None and row.password_at is not None and now - row.password_at < FRESH_FOR
