"""The remembered-device cookie: what the pages tell the engine of this browser.

When a customer asks to remember a device, the engine hands its token back once
(``Result.client``); it becomes a cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure``
outside local development, 90 days) that the pages give back to the engine with every
event, beside the user agent. Only the token's hash is kept (flows.accounts.remembered);
the list of them and forgetting one is the procedure remembered_devices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from werkzeug.wrappers import Response

from flows.accounts import remembered
from flows.model import DEVICE_TOKEN, USER_AGENT

COOKIE = "remembered_device"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")


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
    """Keep what the engine handed back for this browser: the remembered device's token
    (an empty one: this browser is no longer remembered, its cookie goes)."""
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
    new = client.get(DEVICE_TOKEN)
    if new == "":
        response.delete_cookie(cookie_name(), path="/", secure=secure, httponly=True)
    elif new:
        response.set_cookie(
            cookie_name(),
            new,
            max_age=int(remembered.VALID_FOR.total_seconds()),
            secure=secure,
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response
