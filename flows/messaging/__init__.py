"""Secure messaging (FAQ §4): the subjects customers write about, and the agents' targets."""

from __future__ import annotations

from datetime import timedelta

from flows.reasons import N_
from storage.models import Staff

# MINI Financial Services' usual topics, in the order the form offers them.
SUBJECTS: dict[str, str] = {
    "payments": N_("Payments"),
    "payoff": N_("Payoff"),
    "end_of_lease": N_("End of lease"),
    "contact_details": N_("Change of address or contact details"),
    "insurance": N_("Insurance"),
    "documents": N_("Documents"),
    "other": N_("Other"),
}
# An agent who opens a conversation holds it this long, so two do not write the same answer.
CLAIM = timedelta(minutes=15)
# Every customer gets an answer within this many business days.
TARGET_BUSINESS_DAYS = 2


def staff_name(member: Staff) -> str:
    """How the consoles greet a staff member and name an agent to other staff: the display
    name, else the first and last names, else the address."""
    full = " ".join(n for n in (member.first_name, member.last_name) if n)
    return member.display_name or full or member.email
