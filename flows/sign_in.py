"""Sign in: the guards and actions of sign_in.yaml.

Every failure looks the same from outside: unknown address, wrong password, an address
waiting out its delay, a locked MINI ID. Each costs one password verification, and each
counts against the address (known or not): after 5 consecutive failures the address
waits 30 s, doubling each time up to 15 min; after 100 the MINI ID is locked until its
password is reset (NIST SP 800-63B §5.2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows import passwords
from flows.activation import Activation
from storage import identities
from storage import sessions as store
from storage.models import Identity

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(minutes=15)
LOCK_AFTER = 100


def delay_after(failures: int) -> timedelta:
    """How long an address waits after FAILURES consecutive failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 10)  # 30 s × 2^10 is well past the longest
    delay: timedelta = min(FIRST_DELAY * 2**doublings, LONGEST_DELAY)
    return delay


class SignIn(Activation):
    route = "login"
    identity: Identity | None = None
    verdict: bool | None = None  # both submit transitions ask; the password is checked once

    def credentials_valid(self, data: Mapping[str, Any]) -> bool:
        if self.verdict is None:
            self.verdict = self._check(data["email"], data["password"])
        return self.verdict or self.reject("event", "credentials")

    def _check(self, email: str, password: str) -> bool:
        session, now = self.ctx.session, self.ctx.now
        failures = store.failures(session, identities.email_key(email), now)
        identity = identities.by_email(session, email, lock=True)
        waiting = now < failures.last_failed_at + delay_after(failures.count)
        usable = (
            identity is not None
            and identity.status in {"active", "pending"}
            and failures.count < LOCK_AFTER
            and not waiting
        )
        if identity is not None and usable:
            valid = passwords.verify(identity.password_hash, password)
        else:
            passwords.spend_verify_time(password)
            valid = False
        if valid:
            self.identity = identity
            store.clear_failures(session, failures.email_key)
            return True
        if not waiting:  # a try during the delay is refused without counting
            failures.count += 1
            failures.last_failed_at = now
        return False

    def account_active(self) -> bool:
        return self.identity is not None and self.identity.status == "active"

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

    def send_activation(self) -> None:
        if self.may_mail():
            self.mail_activation_link()

    @classmethod
    def display(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"email": data.get("email", "")}


MODEL = SignIn
