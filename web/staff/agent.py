"""The agents' queue: the conversations waiting for an answer, and their files.

Agents only (analysts get 403, everyone else 404). A conversation opens on its staff
page (web/staff/procedures.py): opening it from the queue claims it (its event "claim",
a POST), answering and closing are its events, sent there by the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, render_template, request
from werkzeug.wrappers import Response

from flows.messaging import centre
from flows.messaging import queue as queue_rules
from web import files
from web.forms import taken
from web.services import current
from web.staff.console import console, current_staff
from web.staff.procedures import OUTCOME, read

F = TypeVar("F", bound=Callable[..., Any])
bp = console(Blueprint("agent", __name__, url_prefix="/staff/messages"))
MAX_ID = 2**63 - 1


def agent_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        member = current_staff()
        if member is None:
            abort(404)
        if member.role != "agent":
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("")
@agent_required
def queue() -> str:
    filters = queue_rules.Filters.of(request.args.get("subject", ""), request.args.get("age", ""))
    with current().db.read() as db:
        rows = queue_rules.rows(db, current().clock(), filters)
    # Come from closing a conversation (the form's next names it): the page says so once.
    closed = taken(OUTCOME) == ("close", request.args.get("closed"))
    return render_template("staff/queue.html", rows=rows, filters=filters, closed=closed)


@bp.get(f"/attachments/<int(max={MAX_ID}):attachment_id>")
@agent_required
def attachment(attachment_id: int) -> Response:
    with current().db.read() as db:
        found = centre.attachment(db, attachment_id)
    response = files.attachment(found)
    read(f"attachment:{attachment_id}")  # only once it was found and sent
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
