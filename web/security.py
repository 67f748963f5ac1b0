"""CSRF on every form, HEAD that only reads, and the security headers of SECURITY.md."""

from __future__ import annotations

from flask import Flask, Response, request
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


def init_app(app: Flask) -> None:
    # First of all the application's hooks, so nothing ever sees a HEAD.
    app.before_request_funcs.setdefault(None, []).insert(0, _head_only_reads)
    csrf.init_app(app)
    # Per client address; shared between processes through Redis when configured.
    app.extensions["limiter"] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["REDIS_URL"] or "memory://",
        # Redis down: count in this process (and say so in the log) rather than fail.
        in_memory_fallback_enabled=True,
        enabled=app.config.get("RATELIMIT_ENABLED", True),
        headers_enabled=False,
    )

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # E-mailed links carry a secret in their path: never pass it on.
        response.headers["Referrer-Policy"] = "no-referrer"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
