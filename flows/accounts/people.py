"""The people an e-mail address names, as principals: for the testers' API and the
command line, which act as a staff member or a customer when asked to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from flows.access import Principal
from flows.accounts import credentials
from storage import identities
from storage import staff as staff_store


def principal(session: Session, email: str) -> Principal | None:
    """The active staff member with this address, else the active MINI ID; else None."""
    member = staff_store.by_email(session, email)
    if credentials.active(member):
        assert member is not None
        return Principal.staff(member.id, member.role)
    identity = identities.by_email(session, email)
    if credentials.active(identity):
        assert identity is not None
        return Principal.customer(identity.id)
    return None


def customer_id(session: Session, email: str) -> int | None:
    """The MINI ID of this address, whatever its status (a tester names a customer)."""
    identity = identities.by_email(session, email)
    return identity.id if identity is not None else None


def anyone(session: Session) -> bool:
    """Whether any MINI ID exists (an empty database gets the demo data)."""
    return identities.any_identity(session)
