"""«Appareils mémorisés»: the remembered-device cookie, and the page that lists them.

When a customer asks to remember a device, the engine hands its token back once
(``Result.client``); it becomes a cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure``
outside local development, 90 days) that the pages give back to the engine with every
event, beside the user agent. Only the token's hash is kept (flows.accounts.remembered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from flows.accounts import remembered
from flows.model import DEVICE_TOKEN, USER_AGENT
from storage import devices
from web.auth import current_customer, login_required
from web.services import current

COOKIE = "remembered_device"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")
BIGGEST_ID = 2**63 - 1
bp = Blueprint("devices", __name__)


def cookie_name() -> str:
    """Over HTTPS the cookie is ``__Host-`` prefixed: browsers then keep it only when it is
    Secure, for the whole site and for this host alone (no subdomain can set or read it)."""
    return f"__Host-{COOKIE}" if current_app.config["SESSION_COOKIE_SECURE"] else COOKIE


def token() -> str | None:
    """The remembered-device token this browser carries, when it looks like one."""
    value = request.cookies.get(cookie_name(), "")
    return value if _TOKEN.fullmatch(value) else None


def client_data() -> dict[str, Any]:
    """What the browser says of itself, given with every event (used where declared)."""
    agent = "".join(c for c in request.user_agent.string[:512] if c.isprintable())
    return {DEVICE_TOKEN: token(), USER_AGENT: agent}


def hand_over(response: Response, client: Mapping[str, str]) -> Response:
    """Keep what the engine handed back for this browser: the remembered device's token."""
    new = client.get(DEVICE_TOKEN)
    if new:
        response.set_cookie(
            cookie_name(),
            new,
            max_age=int(remembered.VALID_FOR.total_seconds()),
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


def _customer_id() -> int:
    customer = current_customer()
    assert customer is not None  # login_required
    return customer.id


@bp.get("/<any(fr,en):lang>/devices")
@login_required
def show(lang: str) -> str:
    services = current()
    with services.db.read() as db:
        found = remembered.of_customer(db, _customer_id(), services.clock())
    mine = token()
    rows = [(d, remembered.is_this_one(d, mine)) for d in found]
    return render_template("devices/index.html", devices=rows, notice=session.pop("notice", None))


@bp.post("/<any(fr,en):lang>/devices/<int:device_id>/forget")
@login_required
def forget(lang: str, device_id: int) -> Response:
    if device_id > BIGGEST_ID:
        abort(404)
    return _forget(device_id, "device_forgotten")


@bp.post("/<any(fr,en):lang>/devices/forget")
@login_required
def forget_all(lang: str) -> Response:
    return _forget(None, "devices_forgotten")


def _forget(device_id: int | None, notice: str) -> Response:
    """Forget one device of the customer (or all); this browser's cookie goes with its own."""
    services, owner, mine = current(), _customer_id(), token()
    with services.db.write() as db:
        listed = remembered.of_customer(db, owner, services.clock())
        this_one = any(remembered.is_this_one(d, mine) for d in listed if device_id in (None, d.id))
        if not devices.forget(db, owner, device_id) and device_id is not None:
            abort(404)
    session["notice"] = notice
    response = redirect(url_for("devices.show"), 303)
    if this_one:
        secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
        response.delete_cookie(cookie_name(), path="/", secure=secure, httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # The number a customer is given when account association is locked.
    app.jinja_env.globals["support_phone"] = app.config["SUPPORT_PHONE"]
