"""Error pages in the visitor's language; no stack trace ever reaches a customer."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from flows.i18n import LOCALES
from web.api import routes as api
from web.i18n import use_language
from web.logs import redact

log = logging.getLogger(__name__)


def _guess_language() -> None:
    prefix = request.path.strip("/").split("/", 1)[0]
    if "lang" not in g:
        use_language(prefix if prefix in LOCALES else "fr")


# A Host header the site does not answer to (TRUSTED_HOSTS): no page can be built for
# it (no URL of the site can be), and only a forged request gets here.
UNTRUSTED_HOST = "Requête refusée : nom d'hôte inconnu. / Request refused: unknown host name.\n"


def _untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    return UNTRUSTED_HOST, 400, {"Content-Type": "text/plain; charset=utf-8"}


def _unavailable(error: BaseException | None) -> bool:
    """The database did not answer (down, restarting, unreachable): 503, try again soon."""
    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


Answer = tuple[str, int] | tuple[str, int, dict[str, str]] | Response


def _service_unavailable() -> Answer:
    log.warning("the database does not answer: %s %s", request.method, redact(request.path))
    if api.answers(request.path):
        return api.http_error(ServiceUnavailable())
    _guess_language()
    # The page itself must not ask the database who is signed in.
    g.customer = g.staff = None
    page = render_template("error.html", code=503, kind="unavailable")
    return page, 503, {"Retry-After": "30"}


def _database(error: DBAPIError) -> Answer:
    if not _unavailable(error):
        return _crash(error)
    return _service_unavailable()


def _csrf(error: CSRFError) -> Answer:
    _guess_language()
    return render_template("error.html", code=400, kind="csrf"), 400


def _http(error: HTTPException) -> Answer:
    if _unavailable(getattr(error, "original_exception", None)):
        return _service_unavailable()  # the database failed before any view ran
    if api.answers(request.path):  # no API route matched: still answer JSON
        return api.http_error(error)
    _guess_language()
    code = error.code or 500
    return render_template("error.html", code=code, kind=str(code)), code


def _crash(error: Exception) -> Answer:
    if isinstance(error, HTTPException):  # pragma: no cover - handled by _http
        raise error
    log.exception("unhandled error on %s %s", request.method, redact(request.path))
    if api.answers(request.path):
        return api.http_error(InternalServerError())
    _guess_language()
    return render_template("error.html", code=500, kind="500"), InternalServerError.code


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _crash)
