"""The audit trail and its counts, as the analysts read them: searched, by instance, by
hour (flow_counts), the versions that ran, where instances stand now; the staff's
access records. Reads only: the engine writes the trail (flows.audit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import flow_counts, staff
from storage.identities import email_key
from storage.models import StaffAccess
from storage.trail import Found, Search, instance, records, search, timeline, versions, where_now

started = flow_counts.started
starts_by_version = flow_counts.starts_by_version
totals = flow_counts.totals
CountRow = flow_counts.CountRow


def customer_key(email: str) -> str:
    """An address as the trail compares it (the MINI ID's, whatever the letter case)."""
    return email_key(email)


def access_records(session: Session, *, limit: int, offset: int = 0) -> list[StaffAccess]:
    """The staff's sign-ins and sign-outs, newest first."""
    return staff.access_records(session, limit=limit, offset=offset)


__all__ = [
    "CountRow",
    "Found",
    "Search",
    "access_records",
    "customer_key",
    "instance",
    "records",
    "search",
    "started",
    "starts_by_version",
    "timeline",
    "totals",
    "versions",
    "where_now",
]
