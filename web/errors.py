"""Error pages in the visitor's language; no stack trace ever reaches a customer."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from web.api import routes as api
from web.i18n import LOCALES
from web.logs import redact

log = logging.getLogger(__name__)


def _guess_language() -> None:
    prefix = request.path.strip("/").split("/", 1)[0]
    if "lang" not in g:
        g.lang = prefix if prefix in LOCALES else "fr"


# A Host header the site does not answer to (TRUSTED_HOSTS): no page can be built for
# it (no URL of the site can be), and only a forged request gets here.
UNTRUSTED_HOST = "Requête refusée : nom d'hôte inconnu. / Request refused: unknown host name.\n"


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
        return UNTRUSTED_HOST, 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        _guess_language()
        return render_template("error.html", code=400, kind="csrf"), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | Response:
        if api.answers(request.path):  # no API route matched: still answer JSON
            return api.http_error(error)
        _guess_language()
        code = error.code or 500
        return render_template("error.html", code=code, kind=str(code)), code

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> tuple[str, int] | Response:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            raise error
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        if api.answers(request.path):
            return api.http_error(InternalServerError())
        _guess_language()
        return render_template("error.html", code=500, kind="500"), InternalServerError.code
