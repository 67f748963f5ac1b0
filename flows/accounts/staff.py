"""Staff accounts: who may sign in to the console, and what each role may see.

Agents answer secure messages; analysts audit the procedures. The sign-in applies the
customers' rules (flows.credentials) to a failure counter of its own per address; a
right password is only its first step (flows.accounts.second_factor has the second).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from flows import fields
from flows.accounts import credentials, passwords
from storage import sign_in_failures
from storage import staff as store
from storage.db import Database
from storage.identities import email_key
from storage.models import Staff, StaffAccess

ROLES = ("agent", "analyst")
_EMAIL = {"email": fields.FieldSpec("email", "email", required=True)}
# How the consoles greet the member: a name's characters and length, when given.
_DISPLAY_NAME = {"name": fields.FieldSpec("name", "name")}
# The sign-in form's fields, checked as the customers' are.
SIGN_IN_FIELDS = {**_EMAIL, "password": fields.FieldSpec("password", "password", required=True)}


class Refused(ValueError):
    """An account that cannot be added; ``code`` says why (a reason code of flows.reasons)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def add(
    db: Database,
    email: str,
    *,
    role: str,
    password: str,
    now: datetime,
    first_name: str | None = None,
    last_name: str | None = None,
    display_name: str | None = None,
) -> Staff:
    """Create an active staff account, under the customers' password rules, with the name
    the consoles greet it by (DISPLAY_NAME; without one, its address)."""
    checked = fields.check({**_EMAIL, **_DISPLAY_NAME}, {"email": email, "name": display_name})
    if checked.errors:
        raise Refused(checked.errors.get("email") or checked.errors["name"])
    address = str(checked.values["email"])
    name = checked.values.get("name")
    if role not in ROLES:
        raise Refused("invalid_choice")
    personal = [address, *(n for n in (first_name, last_name, name) if n)]
    problem = passwords.policy_problem(password, personal)
    if problem:
        raise Refused(problem)
    hashed = passwords.hash_password(password)
    with db.write() as session:
        try:
            return store.add(
                session,
                email=address,
                role=role,
                password_hash=hashed,
                first_name=first_name or None,
                last_name=last_name or None,
                display_name=name,
                now=now,
            )
        except store.AlreadyExists:
            raise Refused("staff_exists") from None


def failure_key(email: str) -> str:
    """The failure counter of a staff address, apart from a customer's of the same address.

    Cut to the column's width: only addresses no staff account can have are cut.
    """
    return f"staff:{email_key(email)}"[:254]


def sign_in(
    session: Session, email: str, password: str, now: datetime, address: str | None = None
) -> Staff | None:
    """The staff member, when EMAIL and PASSWORD are right and the address may try now.

    Taken or refused, the attempt is recorded with the client's ADDRESS. The failure
    counter stays as it is until the second step is taken.
    """
    member = credentials.check(
        session,
        failure_key=failure_key(email),
        find=partial(store.by_email, session, email, lock=True),
        password=password,
        usable={"active"},
        now=now,
        clear=False,
    )
    if member is not None and passwords.needs_rehash(member.password_hash):
        member.password_hash = passwords.hash_password(password)
    account = member or store.by_email(session, email)
    reason = None if member else "credentials"
    record(session, "sign_in", now, account, email, address=address, reason=reason)
    return member


def signed_out(session: Session, staff_id: int, now: datetime, address: str | None) -> None:
    record(session, "sign_out", now, session.get(Staff, staff_id), "", address=address)


def unlock(db: Database, email: str, now: datetime) -> Staff:
    """Forget the account's failed sign-ins: its delays and lockout end (``moncompte``)."""
    with db.write() as session:
        member = _existing(session, email)
        sign_in_failures.clear(session, failure_key(member.email))
        record(session, "unlock", now, member, email, actor="cli")
        return member


def disable(db: Database, email: str, now: datetime) -> Staff:
    """No more sign-ins for the account, and its sessions end now (``moncompte``)."""
    with db.write() as session:
        member = _existing(session, email)
        member.status = "disabled"
        store.end_sessions(session, member.id)
        record(session, "disable", now, member, email, actor="cli")
        return member


def reset_second_factor(db: Database, email: str, now: datetime) -> Staff:
    """Forget the account's authenticator and recovery codes: it enrols a new one at its
    next sign-in; its sessions end now (``moncompte``)."""
    with db.write() as session:
        member = _existing(session, email)
        member.totp_secret = None
        member.totp_enrolled_at = None
        member.totp_last_counter = None
        store.forget_recovery_codes(session, member.id)
        store.end_sessions(session, member.id)
        record(session, "reset_2fa", now, member, email, actor="cli")
        return member


def _existing(session: Session, email: str) -> Staff:
    member = store.by_email(session, email, lock=True)
    if member is None:
        raise Refused("staff_unknown")
    return member


def record(
    session: Session,
    event: str,
    now: datetime,
    member: Staff | None,
    typed: str,
    *,
    actor: str = "staff",
    address: str | None = None,
    reason: str | None = None,
) -> None:
    """Who (the account, or the address typed, masked, when no account has it), what, where."""
    store.record(
        session,
        StaffAccess(
            event=event,
            outcome="rejected" if reason else "taken",
            reason=reason,
            staff_id=member.id if member else None,
            account=member.email if member else fields.mask(typed)[:254],
            address=(address or None) and address[:45],
            actor=actor,
            created_at=now,
        ),
    )


def sees_flows(member: Staff) -> bool:
    return member.role == "analyst"
