"""Sign in: the guards and actions of sign_in.yaml.

The password check, with its delays and its lockout, is flows.credentials, shared with
the staff sign-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from flows.accounts import credentials, passwords
from flows.procedures.steps.activation import ActivationStep
from storage import identities
from storage.models import Identity


class SignIn(ActivationStep):
    identity: Identity | None = None
    verdict: bool | None = None  # both submit transitions ask; the password is checked once

    def credentials_valid(self, data: Mapping[str, Any]) -> bool:
        if self.verdict is None:
            self.verdict = self._check(data["email"], data["password"])
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

    def open_session(self, data: Mapping[str, Any]) -> None:
        identity = self.identity
        assert identity is not None
        if passwords.needs_rehash(identity.password_hash):
            identity.password_hash = passwords.hash_password(data["password"])
        # Their language is the one they sign in with: e-mails follow it.
        identity.language = self.ctx.language
        self.customer_id = identity.id

    def remember_identity(self) -> None:
        identity = self.identity
        assert identity is not None
        self.data.update(
            email=identity.email, first_name=identity.first_name, identity_id=identity.id
        )


MODEL = SignIn
