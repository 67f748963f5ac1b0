"""The staff console: its own sign-in, its language, its home; agents and analysts only.

Customers and visitors get 404 everywhere under /staff/ but the sign-in pages, so the
console does not even show it exists; an agent gets 403 on the analysts' pages. A right
password leads to the code page (web.staff.second_factor), not yet into the console.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from werkzeug.wrappers import Response

from flows import fields
from flows.accounts import second_factor
from flows.accounts import staff as rules
from flows.i18n import LOCALES
from flows.messaging import staff_name
from flows.records import Staff
from web.customer.auth import signed_in
from web.i18n import use_language
from web.services import current
from web.sessions import DatabaseSession

F = TypeVar("F", bound=Callable[..., Any])
LANGUAGE = "staff_lang"
SIGN_IN_LIMIT = "20 per minute; 200 per hour"
# The session's "password taken, code pending" (flows.accounts.second_factor.pending).
PENDING = "staff_pending"


def current_staff() -> Staff | None:
    """The signed-in staff member, once per request."""
    return signed_in("staff", Staff, _staff_id)


def _staff_id() -> int | None:
    return session.staff_id if isinstance(session, DatabaseSession) else None


def staff_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def analyst_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        member = current_staff()
        if member is None:
            abort(404)
        if not rules.sees_flows(member):
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def use_staff_language() -> None:
    """Staff pages have no /fr/ or /en/: the language is the one chosen in the session."""
    chosen = session.get(LANGUAGE)
    use_language(chosen if chosen in LOCALES else "fr")


def _forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("staff/forbidden.html"), 403


def console(blueprint: Blueprint) -> Blueprint:
    """A part of the console: pages in the staff member's language, its own 403 page."""
    blueprint.before_request(use_staff_language)
    blueprint.register_error_handler(403, _forbidden)
    return blueprint


bp = console(Blueprint("staff", __name__, url_prefix="/staff"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if request.method != "POST":
        return render_template("staff/login.html", notice=session.pop("staff_notice", None))
    limiter: Limiter = current_app.extensions["limiter"]
    with limiter.limit(SIGN_IN_LIMIT, scope="staff_login"):
        pass
    checked = fields.check(rules.SIGN_IN_FIELDS, request.form)
    values = checked.values
    member_id = None if checked.errors else _check(values["email"], values["password"])
    if member_id is None:
        return render_template(
            "staff/login.html",
            errors=checked.errors,
            refused=None if checked.errors else "credentials",
            email=values.get("email", ""),
        )
    session[PENDING] = second_factor.pending(member_id, current().clock())
    return redirect(url_for("second_factor.code"), 303)


def _check(email: str, password: str) -> int | None:
    services = current()
    with services.db.write() as db:
        return second_factor.password_step(
            db, email, password, services.clock(), services.engine.secret, request.remote_addr
        )


@bp.post("/logout")
def logout() -> Response:
    if (member := current_staff()) is not None:
        with current().db.write() as db:
            rules.signed_out(db, member.id, current().clock(), request.remote_addr)
    renew(None)
    session["staff_notice"] = "signed_out"
    return redirect(url_for("staff.login"), 303)


def renew(staff_id: int | None) -> None:
    """A new session identifier, bound to the staff member (or to nobody); language kept."""
    assert isinstance(session, DatabaseSession)
    language = session.get(LANGUAGE)
    session.clear()
    session.renew(None, staff_id=staff_id)
    if language:
        session[LANGUAGE] = language
    g.pop("staff", None)


@bp.post("/language")
def language() -> Response:
    chosen = request.form.get("lang", "")
    if chosen in LOCALES:
        session[LANGUAGE] = chosen
    return redirect(_back(request.form.get("next")) or url_for("staff.login"), 303)


def _back(target: str | None) -> str | None:
    """Only a page of the console, so a crafted form cannot send anyone elsewhere."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    return (
        target
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/")
        else None
    )


@bp.get("/")
@staff_required
def home() -> str:
    return render_template("staff/home.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["current_staff"] = current_staff
    app.jinja_env.globals["staff_name"] = staff_name
