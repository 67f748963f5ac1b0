"""The remembered-device cookie: what the pages tell the engine of this browser.

When a customer asks to remember a device, the engine hands its token back once
(``Result.client``); it becomes a cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure``
outside local development, 90 days) that the pages give back to the engine with every
event, beside the user agent. Only the token's hash is kept (flows.accounts.remembered);
the list of them and forgetting one is the procedure remembered_devices. A second cookie,
the same way, names the browser to the MINI IDs that signed in with it
(flows.accounts.seen): a sign-in from any other is told by e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from werkzeug.wrappers import Response

from flows.accounts import remembered, seen
from flows.model import DEVICE_TOKEN, SEEN_TOKEN, USER_AGENT

COOKIE = "remembered_device"
SEEN_COOKIE = "seen_device"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")


def cookie_name(name: str = COOKIE) -> str:
    """Over HTTPS a cookie is ``__Host-`` prefixed: browsers then keep it only when it is
    Secure, for the whole site and for this host alone (no subdomain can set or read it)."""
    return f"__Host-{name}" if current_app.config["SESSION_COOKIE_SECURE"] else name


def token(name: str = COOKIE) -> str | None:
    """The token this browser carries in cookie NAME, when it looks like one."""
    value = request.cookies.get(cookie_name(name), "")
    return value if _TOKEN.fullmatch(value) else None


def client_data() -> dict[str, Any]:
    """What the browser says of itself, given with every event (used where declared)."""
    agent = "".join(c for c in request.user_agent.string[:512] if c.isprintable())
    return {DEVICE_TOKEN: token(), SEEN_TOKEN: token(SEEN_COOKIE), USER_AGENT: agent}


# What the engine may hand back, the cookie that keeps it, and for how long.
_KEPT = (
    (DEVICE_TOKEN, COOKIE, remembered.VALID_FOR),
    (SEEN_TOKEN, SEEN_COOKIE, seen.KEEP_FOR),
)


def hand_over(response: Response, client: Mapping[str, str]) -> Response:
    """Keep what the engine handed back for this browser: the remembered device's token
    (an empty one: this browser is no longer remembered, its cookie goes), the seen one."""
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
    for key, name, valid_for in _KEPT:
        new = client.get(key)
        if new == "":
            response.delete_cookie(cookie_name(name), path="/", secure=secure, httponly=True)
        elif new:
            response.set_cookie(
                cookie_name(name),
                new,
                max_age=int(valid_for.total_seconds()),
                secure=secure,
                httponly=True,
                samesite="Lax",
                path="/",
            )
    return response
