"""Who acts: principals, and what each may start, see and send.

A principal is whoever sends an event: a visitor (signed out), a customer (a MINI ID), a
staff member with a role (agent, analyst), the system (expiry, sweeps) or a tester (the
testers' API, the command line). Pages, the API and the command line each say who is
asking; the engine decides here, from the definition, and all three get the same answers:

- **start**: a procedure's ``audience`` says who starts it (``visitor``: someone signed
  out; ``customer``: a signed-in customer, for themself; ``anyone``; ``staff``: a staff
  member with events in it, for a customer); staff start nothing else.
- **see**: an instance is its customer's, or the browser's that started it (before any
  sign-in); staff see the instances of procedures with events for their role, and every
  staff procedure (analysts read the support desk); the system and testers see every
  instance. Anyone else is told there is no such instance, as if it did not exist.
- **send**: each event says who sends it (``by:`` in the YAML): ``customer`` (the person
  whose instance it is, or a tester in their place), or a staff role (``agent``,
  ``analyst``); ``system: true`` events only the system sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from flows.reasons import N_


class Kind(StrEnum):
    VISITOR = "visitor"
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"
    TESTER = "tester"


CUSTOMER = "customer"  # in ``by:``: the person whose instance it is
STAFF_ROLES = ("agent", "analyst")
STAFF = "staff"  # the audience of what staff do for a customer
WHO = (CUSTOMER, *STAFF_ROLES)
# How the diagrams and the analysts' pages name who sends an event.
ROLE_LABELS = {CUSTOMER: N_("customer"), "agent": N_("agent"), "analyst": N_("analyst")}


class Forbidden(Exception):
    """A principal may not start this procedure; REASON says why ("not_for_you",
    "sign_in_required", "signed_in": reason codes, told alike by every channel)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """Who sends: a KIND, the MINI ID or staff member's ID, a staff ROLE; a tester's
    CHANNEL ("api", "cli"); the instances this browser started (STARTED), which are its
    until someone signs in and owns them by name; a signed-in customer's SESSION (the key
    of its row: which one is "this one" among theirs, whether the password is fresh)."""

    kind: Kind
    id: int | None = None
    role: str | None = None
    channel: str = ""
    started: frozenset[str] = field(default=frozenset(), compare=False)
    session: str | None = field(default=None, compare=False)

    @classmethod
    def visitor(cls, started: Iterable[str] = ()) -> Principal:
        return cls(Kind.VISITOR, started=frozenset(started))

    @classmethod
    def customer(
        cls, identity_id: int, started: Iterable[str] = (), session: str | None = None
    ) -> Principal:
        return cls(Kind.CUSTOMER, identity_id, started=frozenset(started), session=session)

    @classmethod
    def staff(cls, staff_id: int, role: str) -> Principal:
        return cls(Kind.STAFF, staff_id, role)

    @classmethod
    def tester(cls, channel: str) -> Principal:
        return cls(Kind.TESTER, channel=channel)

    @property
    def actor(self) -> str:
        """How the audit trail names it: "customer" (visitors too), "staff:<id>",
        "system", or the tester's channel."""
        if self.kind is Kind.STAFF:
            return f"staff:{self.id}"
        if self.kind is Kind.TESTER:
            return self.channel or "tester"
        if self.kind is Kind.SYSTEM:
            return "system"
        return "customer"

    @property
    def customer_id(self) -> int | None:
        return self.id if self.kind is Kind.CUSTOMER else None


SYSTEM = Principal(Kind.SYSTEM)


def may_start(principal: Principal, audience: str, staff_roles: Iterable[str] = ()) -> None:
    """Raise Forbidden unless PRINCIPAL may start a procedure for AUDIENCE (STAFF_ROLES:
    the roles its procedure has events for)."""
    kind = principal.kind
    if kind in (Kind.TESTER, Kind.SYSTEM):
        return
    if kind is Kind.STAFF:
        if audience == STAFF and principal.role in set(staff_roles):
            return
        raise Forbidden("not_for_you")
    if audience == STAFF:
        raise Forbidden("not_for_you")
    if audience == "customer" and kind is not Kind.CUSTOMER:
        raise Forbidden("sign_in_required")
    if audience == "visitor" and kind is Kind.CUSTOMER:
        raise Forbidden("signed_in")


def may_see(
    principal: Principal,
    instance_id: str,
    customer_id: int | None,
    audience: str,
    staff_roles: Iterable[str] = (),
) -> bool:
    """Whether the instance is PRINCIPAL's to see (else: no such instance, for them):
    STAFF_ROLES are the roles its procedure has events for."""
    kind = principal.kind
    if kind in (Kind.SYSTEM, Kind.TESTER):
        return True
    if kind is Kind.STAFF:
        return audience == STAFF or principal.role in set(staff_roles)
    if audience == STAFF:
        return False
    if kind is Kind.CUSTOMER and customer_id is not None and customer_id == principal.id:
        return True
    # A browser's own instance, before any sign-in; a customer's procedure is theirs, or
    # a signed-out browser's that used one of its e-mailed links (the link is the proof).
    mine = instance_id in principal.started
    return mine and (audience != "customer" or kind is Kind.VISITOR)


def may_send(principal: Principal, by: tuple[str, ...], system: bool) -> bool:
    """Whether PRINCIPAL may send an event that BY names (SYSTEM: the system's own)."""
    kind = principal.kind
    if system or kind is Kind.SYSTEM:
        return system and kind is Kind.SYSTEM
    if kind is Kind.STAFF:
        return principal.role in by
    return CUSTOMER in by  # the person whose instance it is, or a tester in their place
