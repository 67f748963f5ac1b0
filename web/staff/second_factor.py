"""The second step of the staff sign-in (flows.accounts.second_factor): the code page; at
the first sign-in, the enrolment of an authenticator (QR code, ``otpauth://`` URI, key)
and the recovery codes, shown once in the answer to the code that confirmed it."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_limiter import Limiter
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from flows.accounts import second_factor as rules
from flows.reasons import N_
from web.services import current
from web.staff.console import PENDING, SIGN_IN_LIMIT, console, renew, staff_required

bp = console(Blueprint("second_factor", __name__, url_prefix="/staff/login"))


# The staff access trail's names of this step's records (web.staff.trail shows them).
ACCESS_EVENTS = {
    "second_factor": N_("Code"),
    "recovery_code": N_("Recovery code"),
    "enrol": N_("Authenticator set up"),
    "reset_2fa": N_("Authenticator reset"),
}


@bp.route("/code", methods=["GET", "POST"])
def code() -> str | Response:
    services = current()
    posted = request.method == "POST"
    staff_id = rules.pending_member(session.get(PENDING), services.clock())
    asked = None
    if staff_id is not None:
        with services.db.read() as db:
            asked = rules.prompt(db, staff_id, services.engine.secret)
    if staff_id is None or asked is None:
        return _again(posted)
    if not posted:
        return _page(asked)
    limiter: Limiter = current_app.extensions["limiter"]
    with limiter.limit(SIGN_IN_LIMIT, scope="staff_code"):
        pass
    typed, errors = rules.read_code(request.form)
    if typed is None:
        return _page(asked, errors=errors)
    with services.db.write() as db:
        outcome = rules.confirm(
            db, staff_id, typed, services.clock(), services.engine.secret, request.remote_addr
        )
    if outcome.reason == "staff_code_ended":
        return _again(posted)
    if outcome.staff_id is None:
        return _page(asked, refused=outcome.reason)
    renew(outcome.staff_id)
    if outcome.recovery_codes:
        # In this answer only: never kept, never shown again (the page is not cached).
        return render_template("staff/recovery_codes.html", codes=outcome.recovery_codes)
    return redirect(url_for("staff.home"), 303)


def _again(posted: bool) -> Response:
    """Back to the password: the 5 minutes ran out, or the account can no longer go on."""
    if posted:
        session.pop(PENDING, None)
        session["staff_notice"] = "staff_code_ended"
    return redirect(url_for("staff.login"), 303)


def _page(
    asked: rules.Prompt, errors: dict[str, str] | None = None, refused: str | None = None
) -> str:
    enrolment = asked.enrolment
    return render_template(
        "staff/code.html",
        enrolment=enrolment,
        qr=_qr(enrolment.uri) if enrolment else None,
        errors=errors or {},
        refused=refused,
    )


def _qr(uri: str) -> Markup:
    """The URI as a QR code, in the page itself (no image to fetch, nothing cached)."""
    drawing = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    label = escape(gettext("QR code of the key, for an authenticator app"))
    return Markup(drawing.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704 - segno's SVG, our label escaped


@bp.post("/continue")
@staff_required
def kept() -> Response:
    """The recovery codes are kept: on to the console."""
    return redirect(url_for("staff.home"), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
