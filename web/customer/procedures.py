"""The customer procedures: render the screen of the instance's state; POST sends an event.

Only a POST sends anything: every other method (GET, HEAD) renders the screen.

No rule lives here: a view reads the form, picks the event (the button's ``event`` or
the state's main one), hands both to the engine and redirects (POST → 303 → GET).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_limiter import Limiter
from werkzeug.wrappers import Response

from flows import reasons
from flows.access import may_start
from flows.definition import Definition
from flows.engine import Forbidden, Result, Snapshot, UnknownInstance
from flows.fields import Upload
from web import labels
from web.customer import devices
from web.customer.auth import must_sign_in, principal, sign_in
from web.i18n import current_language
from web.services import current

OWNED_LIMIT = 20
FORM_ONLY = {"csrf_token", "event", "state"}


def init_app(app: Flask) -> None:
    bp = Blueprint("flows", __name__)
    registry = app.extensions["moncompte"].registry
    # Each procedure's own limit on what one client address may send it (429 beyond),
    # checked by flask-limiter with the site's other limits, before the view.
    limiter: Limiter = app.extensions["limiter"]
    limiter.limit(
        lambda: registry.get(_flow()).rate_limit, scope=lambda _endpoint: _flow(), methods=["POST"]
    )(bp)
    for definition in registry:
        prefix = f"/<any(fr,en):lang>/{definition.route}"
        defaults = {"flow": definition.name}
        bp.add_url_rule(prefix, "start", start, methods=["GET", "POST"], defaults=defaults)
        bp.add_url_rule(
            f"{prefix}/<instance_id>", "step", step, methods=["GET", "POST"], defaults=defaults
        )
        bp.add_url_rule(
            f"{prefix}/link/<token>", "link", link, methods=["GET", "POST"], defaults=defaults
        )
    app.register_blueprint(bp)
    app.jinja_env.globals["reason_message"] = lambda code, details=None: reasons.say(
        gettext(registry.reason_message(code)), details, current_language()
    )
    app.jinja_env.globals["file_problem"] = labels.file_problem
    # Where an instance of a procedure stands, in its words (a list of instances says so).
    app.jinja_env.globals["status_of"] = lambda flow, state: gettext(
        registry.get(flow).status_of(state)
    )


# -- views -----------------------------------------------------------------------------


def start(lang: str, flow: str) -> str | Response:
    definition = current().registry.get(flow)
    if definition.started_by:  # started by another procedure's step, never from here
        abort(404)
    try:
        may_start(principal(), definition.audience)
        if request.method != "POST":
            _, extras = current().engine.screen(
                None, by=principal(), flow=flow, client=devices.client_data()
            )
            return _render(
                definition,
                None,
                definition.states[definition.initial].screen,
                url_for("flows.start", flow=flow),
                extras,
                _prefilled(definition),
            )
        snapshot = current().engine.start(flow, by=principal(), language=lang)
    except Forbidden as refused:
        return _refused(refused.reason)
    _remember(snapshot.id)
    return _send(snapshot.id)


def _refused(reason: str) -> Response:
    """Whoever may not start a procedure: sent to sign in, or, signed in, to the overview."""
    if reason == "sign_in_required":
        return must_sign_in()
    if reason == "signed_in":
        return redirect(url_for("overview.show"), 303)
    abort(404)


def step(lang: str, flow: str, instance_id: str) -> str | Response:
    if request.method == "POST":  # checked and sent in one transaction
        return _send(instance_id, flow)
    engine = current().engine
    try:
        client = devices.client_data()
        snapshot, extras = engine.screen(instance_id, by=principal(), flow=flow, client=client)
    except UnknownInstance:
        abort(404)
    assert snapshot is not None
    definition = engine.definition_of(snapshot)
    screen = definition.states[snapshot.state].screen
    return _render(definition, snapshot, screen, request.path, extras)


def link(lang: str, flow: str, token: str) -> str | Response | tuple[str, int]:
    if request.method == "POST":
        return _send_link(lang, flow, token)
    engine = current().engine
    found = engine.inspect_link(token)
    if found is None or found[0].flow != flow:
        return render_template("link_gone.html", reason="link_invalid"), 404
    snapshot, problem = found
    definition = engine.definition_of(snapshot)
    state = definition.states[snapshot.state]
    if definition.link_event(snapshot.state) is None or state.link_screen is None or problem:
        return render_template("link_gone.html", reason=problem or "link_used"), 410
    return _render(definition, snapshot, state.link_screen, request.path, {})


def _send_link(lang: str, flow: str, token: str) -> Response | tuple[str, int]:
    """The link's step, sent in the transaction that finds the link (its guard judges it)."""
    engine = current().engine
    sent = engine.send_link(
        flow,
        token,
        _form(),
        by=principal(),
        language=lang,
        expected_state=request.form.get("state"),
    )
    if sent is None:
        return render_template("link_gone.html", reason="link_invalid"), 404
    snapshot, result = sent
    if result is None:
        return render_template("link_gone.html", reason="link_used"), 410
    if result.ok:
        session.pop("outcome", None)
        _remember(snapshot.id)
        return _after(engine.definition_of(snapshot), result)
    _keep_outcome(snapshot.id, result)
    return redirect(request.path, 303)


# -- helpers ---------------------------------------------------------------------------


def _flow() -> str:
    """The procedure a request of this blueprint is for (every route names one)."""
    return str((request.view_args or {})["flow"])


def _form() -> dict[str, Any]:
    """The form's fields, the files it sent and what the browser says of itself (its
    remembered-device cookie, its user agent: never taken from the form) as event data."""
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k not in FORM_ONLY}
    for name in request.files:
        data[name] = [Upload(f.filename or "", f.read()) for f in request.files.getlist(name)]
    return {**data, **devices.client_data()}


def _send(instance_id: str, flow: str | None = None) -> Response:
    """The form's event (its button's, else the main one of the step it was drawn for),
    to an instance of FLOW (when the address names one)."""
    engine = current().engine
    try:
        result = engine.send(
            instance_id,
            request.form.get("event") or None,
            _form(),
            by=principal(),
            language=current_language(),
            expected_state=request.form.get("state"),
            flow=flow,
        )
    except UnknownInstance:
        abort(404)
    if not result.ok:
        _keep_outcome(instance_id, result)
    elif request.form.get("event"):  # a button's event: its next page confirms it
        _keep_done(instance_id, result, request.form["event"])
    else:
        session.pop("outcome", None)
    return _after(engine.definition_of(result.snapshot), result)


def _after(definition: Definition, result: Result) -> Response:
    """Where the browser goes next: the new state's screen, or in, when it signs in; with
    what the step handed to this browser (a remembered device's cookie). A step may name
    the customer's language (set, or theirs at sign-in): the site follows it."""
    snapshot = result.snapshot
    following = result.told.get("next") if result.ok else None  # a page the step names
    if result.ok and "offer" in result.told:  # another procedure, offered once on the overview
        session["offer"] = result.told["offer"]
    lang = (result.told.get("language") if result.ok else None) or current_language()
    if result.ok and definition.states[snapshot.state].signs_in and snapshot.customer_id:
        typed = result.told.get("password_at")
        landing = sign_in(snapshot.customer_id, f"/{lang}/{following or 'overview'}", typed)
        return devices.hand_over(landing, result.client)
    target = url_for("flows.step", flow=definition.name, instance_id=snapshot.id, lang=lang)
    if following:
        target = f"/{lang}/{following}"
    return devices.hand_over(redirect(target, 303), result.client)


def _keep_outcome(instance_id: str, result: Result) -> None:
    """Carry the errors across the redirect, to show them beside their fields."""
    session["outcome"] = {
        "id": instance_id,
        "state": result.snapshot.state,
        "outcome": str(result.outcome),
        "errors": result.errors,
        "values": result.values,
        "files": result.files,
        "details": result.details,
    }


def _keep_done(instance_id: str, result: Result, event: str) -> None:
    """The event taken, for the next page to say so (a reply: «Votre réponse a été
    envoyée.»), until the step is sent again."""
    session["outcome"] = {
        "id": instance_id,
        "state": result.snapshot.state,
        "outcome": str(result.outcome),
        "event": event,
    }


def _outcome(snapshot: Snapshot | None) -> dict[str, Any]:
    """The refusal of the step on screen, until the step is sent again: reloading the page
    or switching its language shows the same values (never a password) and errors."""
    outcome = session.get("outcome")
    if not outcome or snapshot is None:
        return {}
    if (outcome.get("id"), outcome.get("state")) != (snapshot.id, snapshot.state):
        return {}
    return dict(outcome)


def _remember(instance_id: str) -> None:
    owned: list[str] = session.get("flows", [])
    if owned[-1:] == [instance_id]:
        return  # already the newest: the session (its cookie or row) is not written again
    owned = [i for i in owned if i != instance_id]
    session["flows"] = [*owned, instance_id][-OWNED_LIMIT:]


def _prefilled(definition: Definition) -> dict[str, str]:
    """What a link to a procedure's first page fills in (?contract=…&subject=…): only the
    fields its first step takes that may be shown again, never a secret or a file. The
    form is sent as the customer leaves it, and the engine checks it like any other."""
    event = definition.main_event(definition.initial)
    specs = definition.events[event].fields if event else {}
    return {
        name: value[:200]
        for name, value in request.args.items()
        if name in specs and not specs[name].secret and specs[name].type != "file"
    }


def _render(
    definition: Definition,
    snapshot: Snapshot | None,
    screen: str,
    action: str,
    extras: dict[str, Any],
    prefilled: dict[str, str] | None = None,
) -> str:
    state = definition.states[snapshot.state if snapshot else definition.initial]
    outcome = _outcome(snapshot)
    errors = dict(outcome.get("errors", {}))
    notice = errors.pop("event", None)
    return render_template(
        screen,
        **extras,
        definition=definition,
        state=state,
        snapshot=snapshot,
        display=snapshot.display if snapshot else {},
        errors=errors,
        notice=notice,
        refused=bool(errors or notice),  # the title says so first (WCAG 3.3.1)
        done=outcome.get("event") if outcome.get("outcome") == "taken" else None,
        file_problems=outcome.get("files", {}),
        values=outcome.get("values", prefilled or {}),
        details=outcome.get("details", {}),
        action=action,
        progress=definition.screen_number(screen),
    )
