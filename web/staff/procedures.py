"""Any procedure's staff page: an instance's staff screen, and the staff events it takes.

GET renders the screen the definition names for staff (``staff_screen``) with what its
model reads for it; POST sends the form's event (its button's ``event``) as the signed-in
staff member, then comes back here (or to the form's ``next``, a console page). No rule
lives here: an instance of a procedure without events for the staff member's role is
not found, an event not theirs is refused, both by the engine. Every page shown is a
staff read of a customer's data, kept in the trail (flows.support.record_read).
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from flows import support
from flows.access import Principal
from flows.analysis import diagrams
from flows.definition import Definition
from flows.engine import Snapshot, UnknownInstance
from web.forms import event_data, keep_outcome, outcome
from web.i18n import current_language
from web.services import current
from web.staff.console import console, current_staff, staff_required

bp = console(Blueprint("staff_flows", __name__, url_prefix="/staff/instances"))
OUTCOME = "staff_outcome"


def me() -> Principal:
    """The signed-in staff member, as the engine knows who sends."""
    member = current_staff()
    assert member is not None  # staff_required
    return Principal.staff(member.id, member.role)


def read(subject: str) -> None:
    """Keep that the signed-in staff member read SUBJECT ("customer:12", "attachment:3")."""
    member = current_staff()
    assert member is not None  # staff_required
    services = current()
    support.record_read(
        services.db, member.id, member.email, subject, request.remote_addr, services.clock()
    )


@bp.get("/<key:instance_id>")
@staff_required
def show(instance_id: str) -> str:
    engine = current().engine
    try:
        snapshot, extras = engine.screen(instance_id, by=me())
    except UnknownInstance:
        abort(404)
    assert snapshot is not None
    read(f"{snapshot.flow}:{snapshot.id}")
    return render(
        engine.definition_of(snapshot), snapshot, extras, url_for(".act", instance_id=snapshot.id)
    )


def render(
    definition: Definition, snapshot: Snapshot | None, extras: dict[str, object], action: str
) -> str:
    """The staff screen of SNAPSHOT's state (of DEFINITION's first, with no instance yet),
    its forms posting to ACTION."""
    state = definition.states[snapshot.state if snapshot else definition.initial]
    if state.staff_screen is None:
        abort(404)
    kept = outcome(OUTCOME, snapshot)
    errors = dict(kept.get("errors", {}))
    allowed = (
        snapshot.allowed_events
        if snapshot
        else current().engine.allowed(definition, state.id, me())
    )
    return render_template(
        state.staff_screen,
        **extras,
        definition=definition,
        state=state,
        snapshot=snapshot,
        allowed=allowed,
        display=snapshot.display if snapshot else {},
        errors=errors,
        notice=errors.pop("event", None),
        event=kept.get("event"),
        values=kept.get("values", {}),
        told=kept.get("told", {}),
        file_problems=kept.get("files", {}),
        outcome=kept.get("outcome"),
        action=action,
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
    keep_outcome(OUTCOME, instance_id, result, event)
    after = request.form.get("next", "")
    if result.ok and after.startswith("/staff/") and "//" not in after and "\\" not in after:
        return redirect(after, 303)
    return redirect(url_for(".show", instance_id=instance_id), 303)


def definition_at(flow: str, version: str) -> Definition:
    """The version of a procedure an instance runs (for its labels on a staff page)."""
    return current().engine.registry.version(current().db, flow, version)


def state_diagram(flow: str, version: str, state: str, key: str = "") -> Markup:
    """The procedure's diagram (SVG) with STATE drawn as where the instance stands; each id
    in it starts with KEY, for a page that shows several drawings (ids are the page's)."""
    svg = _diagram(flow, version, state, current_language())
    if key:
        svg = svg.replace(' id="', f' id="{key}-')  # the drawing refers to none of them
    return Markup(svg)  # noqa: S704 - Graphviz's own SVG, labels escaped


@lru_cache(maxsize=256)
def _diagram(flow: str, version: str, state: str, language: str) -> str:
    """Kept: Graphviz takes tens of milliseconds, and a version's drawing never changes."""
    return diagrams.render(definition_at(flow, version), "svg", translate=gettext, here=state)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["definition_at"] = definition_at
    app.jinja_env.globals["state_diagram"] = state_diagram
