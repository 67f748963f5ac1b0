"""The second step of a staff sign-in: a code from the authenticator, or a recovery code.

After the right password the browser's session keeps only "password taken, code pending"
(the account and when: 5 minutes); the account is signed in after a right code only. An
account without an authenticator enrols one instead: a new key (pending until a right
code confirms it) each time its password is taken, so that a key someone else saw before
is worth nothing; once confirmed, it gets 10 recovery codes, shown once.

Wrong codes count on the password's failure counter (flows.accounts.credentials): the
same delays, the same lockout. The counter and the account are locked while a code is
checked, so that two simultaneous right codes of one time step are not both taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from flows import fields
from flows.accounts import credentials, staff, totp
from storage import sign_in_failures
from storage import staff as store
from storage.models import Staff

PENDING_FOR = timedelta(minutes=5)
# A code of the authenticator (6 digits) or a recovery code (xxxxx-xxxxx).
CODE_FIELDS = {"code": fields.FieldSpec("code", "string", required=True, max_length=40)}
# Why a code was refused, as reason codes of flows.reasons.
_TOLD = {"replay": "staff_code_used"}


def password_step(
    session: Session, email: str, password: str, now: datetime, secret: bytes, address: str | None
) -> int | None:
    """The account whose password was taken, now waiting for its code (a fresh key to
    enrol when it has no authenticator yet); None when refused (flows.accounts.staff)."""
    member = staff.sign_in(session, email, password, now, address)
    if member is None:
        return None
    if member.totp_enrolled_at is None:
        member.totp_secret = totp.seal(totp.new_key(), secret)
        member.totp_last_counter = None
    return member.id


def pending(staff_id: int, now: datetime) -> dict[str, Any]:
    """What the browser's session keeps between the password and the code."""
    return {"staff_id": staff_id, "at": now.timestamp()}


def pending_member(kept: Any, now: datetime) -> int | None:
    """The account whose password was taken (KEPT, as ``pending`` made it), unless that
    was more than 5 minutes ago."""
    if not isinstance(kept, dict):
        return None
    staff_id, at = kept.get("staff_id"), kept.get("at")
    if isinstance(staff_id, bool) or not isinstance(staff_id, int):
        return None
    if isinstance(at, bool) or not isinstance(at, int | float):
        return None
    since = now - datetime.fromtimestamp(at, UTC)
    return staff_id if timedelta(0) <= since < PENDING_FOR else None


@dataclass(frozen=True)
class Enrolment:
    """The key a staff member adds to an authenticator app: scanned, or typed."""

    email: str
    key: str

    @property
    def uri(self) -> str:
        return totp.uri(self.key, self.email)

    @property
    def grouped(self) -> str:
        return totp.grouped(self.key)


@dataclass(frozen=True)
class Prompt:
    """What the code page asks of the account: its code, or to enrol ENROLMENT's key."""

    enrolment: Enrolment | None


def prompt(session: Session, staff_id: int, secret: bytes) -> Prompt | None:
    """What to ask STAFF_ID for; None when it can no longer go on (disabled, or its
    authenticator was reset meanwhile): it signs in again."""
    member = session.get(Staff, staff_id)
    if member is None or not credentials.active(member) or member.totp_secret is None:
        return None
    if member.totp_enrolled_at is not None:
        return Prompt(None)
    key = totp.unseal(member.totp_secret, secret)
    return Prompt(Enrolment(member.email, key)) if key else None


def read_code(form: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    """The code typed, or the field's error: 6 digits, or a recovery code."""
    checked = fields.check(CODE_FIELDS, form)
    if checked.errors:
        return None, checked.errors
    code = str(checked.values["code"])
    return (code, {}) if totp.shape(code) else (None, {"code": "staff_code_format"})


@dataclass(frozen=True)
class Outcome:
    """A code's answer: the account to sign in, or why not (a reason code); at enrolment,
    the recovery codes to show, once."""

    staff_id: int | None = None
    reason: str | None = None
    recovery_codes: tuple[str, ...] = ()


def confirm(
    session: Session,
    staff_id: int,
    code: str,
    now: datetime,
    secret: bytes,
    address: str | None,
) -> Outcome:
    """Check CODE for STAFF_ID, whose password was taken; at enrolment, confirm its key.

    Taken or refused, the attempt is recorded with the client's ADDRESS.
    """
    found = session.get(Staff, staff_id)
    if found is None:
        return Outcome(reason="staff_code_ended")
    failures = sign_in_failures.counter(session, staff.failure_key(found.email), now)
    member = store.locked(session, staff_id)
    if member is None or not credentials.active(member) or member.totp_secret is None:
        return Outcome(reason="staff_code_ended")
    event = _event(member, code)
    why = (
        "waiting"
        if credentials.blocked(failures, now)
        else _verdict(session, member, code, now, secret)
    )
    credentials.settle(session, failures, why is None, now)
    staff.record(session, event, now, member, member.email, address=address, reason=why)
    if why is not None:
        return Outcome(reason=_TOLD.get(why, "staff_code_wrong"))
    codes = _enrol(session, member, now, secret) if event == "enrol" else ()
    return Outcome(staff_id=member.id, recovery_codes=codes)


def _event(member: Staff, code: str) -> str:
    if member.totp_enrolled_at is None:
        return "enrol"
    return "recovery_code" if totp.shape(code) == "recovery" else "second_factor"


def _verdict(
    session: Session, member: Staff, code: str, now: datetime, secret: bytes
) -> str | None:
    """None when CODE is right for MEMBER now, and from now on used; else why not."""
    if totp.shape(code) == "recovery":
        digest = totp.recovery_digest(code, secret)
        enrolled = member.totp_enrolled_at is not None
        used = enrolled and store.use_recovery_code(session, member.id, digest, now)
        return None if used else "code"
    key = totp.unseal(member.totp_secret or "", secret)
    if key is None:
        return "key"  # sealed under another secret key: only a reset helps
    counter, why = totp.step(key, code, now, member.totp_last_counter)
    if counter is not None:
        member.totp_last_counter = counter
    return why


def _enrol(session: Session, member: Staff, now: datetime, secret: bytes) -> tuple[str, ...]:
    """The key is the account's from now on; its recovery codes, to show once."""
    member.totp_enrolled_at = now
    codes = totp.new_recovery_codes()
    digests = [totp.recovery_digest(c, secret) for c in codes]
    store.replace_recovery_codes(session, member.id, digests, now)
    return tuple(codes)
