"""CSRF on every form, HEAD that only reads, and the security headers of SECURITY.md."""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, abort, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _head_only_reads() -> None:
    """Serve HEAD as the GET it stands for, before any view, CSRF check or limit runs.

    Flask routes HEAD to every view that takes GET; a view that tells its form's POST
    from its page by ``request.method != "GET"`` would take a HEAD for a POST, past the
    CSRF check and the limits (which only look at POST). The answer still has no body:
    Werkzeug drops it for a HEAD request.
    """
    if request.method == "HEAD":
        request.method = "GET"


def client_key() -> str:
    """Whom a per-address limit counts: the client's IPv4 address, or its IPv6 /64 (one
    subscriber's whole network: each of its machines picks addresses in it at will)."""
    address = get_remote_address()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is 203.0.113.9
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _no_nul_bytes() -> None:
    """A NUL byte is in no query's value, and PostgreSQL refuses it in text: refused here,
    before a page hands it to the database. (Ids in paths are matched by ``<key:…>``; the
    fields of forms and of the API's calls are checked, and refused beside themselves.)"""
    if request.path.startswith("/api/"):
        return
    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        abort(400)


def init_app(app: Flask) -> None:
    # First of all the application's hooks, so nothing ever sees a HEAD.
    app.before_request_funcs.setdefault(None, []).insert(0, _head_only_reads)
    app.before_request_funcs[None].insert(1, _no_nul_bytes)
    csrf.init_app(app)
    # Per client address; shared between processes through Redis when configured.
    app.extensions["limiter"] = Limiter(
        client_key,
        app=app,
        storage_uri=app.config["REDIS_URL"] or "memory://",
        # Redis down: count in this process (and say so in the log) rather than fail.
        in_memory_fallback_enabled=True,
        enabled=app.config.get("RATELIMIT_ENABLED", True),
        headers_enabled=False,
    )

    hsts = "max-age=31536000"
    if app.config.get("HSTS_INCLUDE_SUBDOMAINS", True):
        hsts += "; includeSubDomains"

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("X-Frame-Options", "DENY")  # the mailbox frames e-mails
        # E-mailed links carry a secret in their path: never pass it on.
        response.headers["Referrer-Policy"] = "no-referrer"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = hsts
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
