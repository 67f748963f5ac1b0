"""What the pages of every audience share around an event: the form as event data, and
the outcome of a refused (or told) step carried across its redirect (POST → 303 → GET)."""

from __future__ import annotations

from typing import Any

from flask import request, session

from flows.engine import Result, Snapshot
from flows.fields import Upload

# Form fields the pages use themselves, never event data.
FORM_ONLY = {"csrf_token", "event", "state", "next"}


def event_data() -> dict[str, Any]:
    """The form's fields and the files it sent, as the event's data."""
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k not in FORM_ONLY}
    for name in request.files:
        data[name] = [Upload(f.filename or "", f.read()) for f in request.files.getlist(name)]
    return data


def keep_outcome(key: str, instance_id: str, result: Result, event: str | None = None) -> None:
    """What the next page of the step says: the refusal beside its fields (with what was
    typed, never a password), or what the step told its sender; EVENT, what was sent."""
    session[key] = {
        "id": instance_id,
        "state": result.snapshot.state,
        "event": event,
        "outcome": str(result.outcome),
        "errors": result.errors,
        "values": result.values,
        "told": result.told,
        "files": result.files,
    }


def taken(key: str) -> tuple[str, str] | None:
    """The event taken last and its instance (kept by keep_outcome), until another is sent:
    a page the step leads to says what happened («Conversation fermée.»)."""
    kept = session.get(key) or {}
    if kept.get("outcome") != "taken" or not kept.get("event"):
        return None
    return str(kept["event"]), str(kept["id"])


def outcome(key: str, snapshot: Snapshot | None) -> dict[str, Any]:
    """The outcome kept for this step, until the step is sent again: reloading the page or
    switching its language shows the same values and errors."""
    kept = session.get(key)
    if not kept or snapshot is None:
        return {}
    if (kept.get("id"), kept.get("state")) != (snapshot.id, snapshot.state):
        return {}
    return dict(kept)
