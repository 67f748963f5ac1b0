"""Any procedure's staff page: an instance's staff screen, and the staff events it takes.

GET renders the screen the definition names for staff (``staff_screen``) with what its
model reads for it; POST sends the form's event (its button's ``event``) as the signed-in
staff member, then comes back here (or to the form's ``next``, a console page). No rule
lives here: an instance of a procedure without events for the staff member's role is
not found, an event not theirs is refused, both by the engine.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from flows.access import Principal
from flows.engine import UnknownInstance
from web.forms import event_data, keep_outcome, outcome
from web.services import current
from web.staff.console import console, current_staff, staff_required

bp = console(Blueprint("staff_flows", __name__, url_prefix="/staff/instances"))
OUTCOME = "staff_outcome"


def me() -> Principal:
    """The signed-in staff member, as the engine knows who sends."""
    member = current_staff()
    assert member is not None  # staff_required
    return Principal.staff(member.id, member.role)


@bp.get("/<key:instance_id>")
@staff_required
def show(instance_id: str) -> str:
    engine = current().engine
    try:
        snapshot, extras = engine.screen(instance_id, by=me())
    except UnknownInstance:
        abort(404)
    assert snapshot is not None
    definition = engine.definition_of(snapshot)
    state = definition.states[snapshot.state]
    if state.staff_screen is None:
        abort(404)
    kept = outcome(OUTCOME, snapshot)
    errors = dict(kept.get("errors", {}))
    return render_template(
        state.staff_screen,
        **extras,
        definition=definition,
        state=state,
        snapshot=snapshot,
        display=snapshot.display,
        errors=errors,
        notice=errors.pop("event", None),
        values=kept.get("values", {}),
        told=kept.get("told", {}),
        action=url_for(".act", instance_id=snapshot.id),
    )


@bp.post("/<key:instance_id>")
@staff_required
def act(instance_id: str) -> Response:
    """The form's event; then this page, or the console page the form names (``next``)."""
    event = request.form.get("event") or None
    try:
        result = current().engine.send(instance_id, event, event_data(), by=me())
    except UnknownInstance:
        abort(404)
    keep_outcome(OUTCOME, instance_id, result)
    after = request.form.get("next", "")
    if result.ok and after.startswith("/staff/") and "//" not in after and "\\" not in after:
        return redirect(after, 303)
    return redirect(url_for(".show", instance_id=instance_id), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
