"""Who is signed in: sessions bound to a MINI ID, sign-out, pages for customers only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from flows.access import Principal
from flows.accounts import credentials
from flows.records import Identity, Staff
from web.services import current
from web.sessions import DatabaseSession

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("account", __name__)


def customer_id() -> int | None:
    return session.identity_id if isinstance(session, DatabaseSession) else None


A = TypeVar("A", Identity, Staff)


def signed_in(kind: str, model: type[A], account_id: Callable[[], int | None]) -> A | None:
    """The account this session is signed in to, read once per request (``g.<kind>``);
    None when there is none, or it is no longer active. ACCOUNT_ID reads the session,
    only when needed: an error page sets ``g.<kind>`` first, and nothing is read."""
    if kind not in g:
        found = None
        if (found_id := account_id()) is not None:
            found = _read_with_session(model, found_id)
            if found is None:
                with current().db.read() as db:
                    found = db.get(model, found_id)
        setattr(g, kind, found if credentials.active(found) else None)
    account: A | None = getattr(g, kind)
    return account


def _read_with_session(model: type[A], account_id: int) -> A | None:
    """The account the session's row was read with, when it is this one."""
    loaded = session.accounts.get(model) if isinstance(session, DatabaseSession) else None
    return loaded if isinstance(loaded, model) and loaded.id == account_id else None


def current_customer() -> Identity | None:
    """The signed-in customer, once per request."""
    return signed_in("customer", Identity, customer_id)


def principal() -> Principal:
    """Who this browser is to the engine: the signed-in customer, or a visitor; either
    way with the instances it started (a visitor's are theirs until someone signs in)."""
    started = session.get("flows", [])
    customer = current_customer()
    if customer is not None:
        row = session.row if isinstance(session, DatabaseSession) else None
        return Principal.customer(customer.id, started, session=row.id if row else None)
    return Principal.visitor(started)


def login_required(view: F) -> F:
    """Customers only; anyone else is sent to sign in, then brought back here."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_customer() is None:
            return must_sign_in()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def must_sign_in() -> Response:
    """To the sign-in page, then back to this page."""
    session["next"] = request.path
    return redirect(url_for("flows.start", flow="sign_in"), 303)


def sign_in(identity_id: int, landing: str, password_at: str | None = None) -> Response:
    """Bind this browser to the customer under a new session identifier; then to the page
    they were on their way to, or to LANDING (a path of the site, in their language).
    PASSWORD_AT: when they typed their password for it (ISO)."""
    assert isinstance(session, DatabaseSession)
    target = session.pop("next", None)
    typed = datetime.fromisoformat(password_at) if password_at else None
    session.renew(identity_id, password_at=typed)
    g.pop("customer", None)
    return redirect(_safe(target) or landing, 303)


def _safe(target: Any) -> str | None:
    """Only a path of this site, so a crafted link cannot send anyone elsewhere."""
    if not isinstance(target, str):
        return None
    parts = urlsplit(target)
    ok = target.startswith("/") and not target.startswith("//") and not parts.netloc
    return target if ok and "\\" not in target else None


@bp.post("/<any(fr,en):lang>/logout")
def logout(lang: str) -> Response:
    assert isinstance(session, DatabaseSession)
    session.clear()
    session.renew(None)
    session["notice"] = "signed_out"
    return redirect(url_for("pages.home"), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _customer() -> dict[str, Any]:
        return {"customer": current_customer()}
