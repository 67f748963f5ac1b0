"""How long a customer has been waiting, against the target of 2 business days.

Business days are Monday to Friday where MINI Financial Services keeps its books (Eastern
time); public holidays are not counted out (no calendar of them is kept yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows.contracts.schedule import EASTERN
from flows.messaging import TARGET_BUSINESS_DAYS


def add_business_days(start: datetime, days: int, zone: ZoneInfo = EASTERN) -> datetime:
    """START moved DAYS business days on, at the same local time; from a weekend, the count
    starts on the Monday morning."""
    local = start.astimezone(zone)
    if local.weekday() >= 5:
        local = (local + timedelta(days=7 - local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    left = days
    while left:
        local += timedelta(days=1)
        if local.weekday() < 5:
            left -= 1
    return local


@dataclass(frozen=True)
class Wait:
    waited: timedelta
    due_at: datetime
    overdue: bool
    # The share of the target already used, 0 to 1 (more when overdue), for a gauge.
    used: float


def wait(since: datetime, now: datetime, days: int = TARGET_BUSINESS_DAYS) -> Wait:
    due = add_business_days(since, days)
    allowed = (due - since).total_seconds() or 1.0
    waited = now - since
    return Wait(waited, due, now >= due, waited.total_seconds() / allowed)
