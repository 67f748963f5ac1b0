"""The support desk: find the customer who calls, open their page, act for them.

Agents and analysts search and read (each page shown is a staff read, kept in the
trail); agents act. A customer's page is the staff screen of their support case
(customer_support); before any action there is no case yet, and the first action opens
one (the engine finds or starts it). No rule lives here.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from flows import support
from flows.access import Forbidden
from flows.engine import UnknownInstance
from web.forms import event_data, keep_outcome
from web.i18n import current_language
from web.services import current
from web.staff.console import console, staff_required
from web.staff.procedures import OUTCOME, me, read, render

bp = console(Blueprint("customers", __name__, url_prefix="/staff/customers"))
MAX_ID = 2**63 - 1


@bp.get("")
@staff_required
def search() -> str:
    query = request.args.get("q", "")
    with current().db.read() as db:
        found, more = support.search(db, query)
    return render_template("staff/customers.html", query=query, found=found, more=more)


@bp.get(f"/<int(max={MAX_ID}):customer_id>")
@staff_required
def show(customer_id: int) -> str:
    engine = current().engine
    with current().db.read() as db:
        if support.customer(db, customer_id) is None:
            abort(404)
        case = support.open_case(db, customer_id)
    try:
        snapshot, extras = engine.screen(
            case, by=me(), flow=support.PROCEDURE, customer_id=customer_id
        )
    except UnknownInstance:
        abort(404)
    read(f"customer:{customer_id}")
    definition = (
        engine.definition_of(snapshot) if snapshot else engine.registry.get(support.PROCEDURE)
    )
    return render(definition, snapshot, extras, url_for(".act", customer_id=customer_id))


@bp.post(f"/<int(max={MAX_ID}):customer_id>")
@staff_required
def act(customer_id: int) -> Response:
    """The agent's action on the customer's open case, which is opened when there is none."""
    engine = current().engine
    event = request.form.get("event") or None
    try:
        case = engine.start(
            support.PROCEDURE, by=me(), language=current_language(), customer_id=customer_id
        )
        result = engine.send(case.id, event, event_data(), by=me())
    except Forbidden as refused:
        abort(404 if refused.reason == "customer_required" else 403)
    except UnknownInstance:
        abort(404)
    keep_outcome(OUTCOME, case.id, result, event)
    return redirect(url_for(".show", customer_id=customer_id), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
