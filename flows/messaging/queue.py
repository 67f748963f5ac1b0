"""The agents' queue: conversations waiting for an answer, the longest waiting first, by
subject and by how long they have waited (more than a day, 2 days, past the target)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from flows.messaging import SUBJECTS, targets
from storage import messages

AGES = {"1d": timedelta(days=1), "2d": timedelta(days=2)}
OVERDUE = "overdue"


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to: a subject, an age ("" for any)."""

    subject: str = ""
    age: str = ""

    @classmethod
    def of(cls, subject: str, age: str) -> Filters:
        """The filters asked for, those that mean nothing dropped."""
        return cls(subject if subject in SUBJECTS else "", age if age in {*AGES, OVERDUE} else "")


@dataclass(frozen=True)
class Row:
    waiting: messages.Waiting
    wait: targets.Wait


def rows(session: Session, now: datetime, filters: Filters) -> list[Row]:
    """The conversations waiting, with how long each has waited against the target."""
    since_before = now - AGES[filters.age] if filters.age in AGES else None
    found = messages.waiting(
        session, now, subject=filters.subject or None, since_before=since_before
    )
    listed = [Row(w, targets.wait(w.conversation.waiting_since or now, now)) for w in found]
    if filters.age == OVERDUE:
        return [r for r in listed if r.wait.overdue]
    return listed
