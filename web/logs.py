"""Logs: one JSON object a line in production, with each request's id; never a token.

The path of an e-mailed link is its secret (``/fr/register/link/<token>``): every path a
log writes has its token replaced. Each request gets an id (the proxy's ``X-Request-ID``
when it is a plain one, else a new one), written on each of its log lines and sent back
in the answer's ``X-Request-ID``, so one request can be followed across the logs.
MONCOMPTE_LOG_FORMAT is ``json`` (``moncompte serve`` sets it) or ``text``.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

TOKEN_IN_PATH = re.compile(r"(/link/)[^/\s?#\"']+")
REPLACEMENT = r"\1[token]"
# The loggers that write request paths.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
ACCESS = logging.getLogger("moncompte.access")
# The packages whose modules log with logging.getLogger(__name__), and the access log.
OUR_LOGGERS = ("web", "flows", "storage", "moncompte")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(REPLACEMENT, text)


class RedactTokens(logging.Filter):
    """Rewrites a record whose message carries a link's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestId(logging.Filter):
    """Puts the request's id on each record written while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def handler(fmt: str) -> logging.StreamHandler[Any]:
    """A handler on standard error, in JSON (one object a line) or plain text."""
    stream = logging.StreamHandler()
    if fmt == "json":
        stream.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}{process}",
                style="{",
                # "pid": which of gunicorn's workers wrote the line.
                rename_fields={
                    "asctime": "time",
                    "levelname": "level",
                    "name": "logger",
                    "process": "pid",
                },
            )
        )
    else:
        stream.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    stream.addFilter(RequestId())
    stream.addFilter(RedactTokens())
    return stream


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    g.log_started = time.perf_counter()


def _end(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    took = (time.perf_counter() - g.get("log_started", time.perf_counter())) * 1000
    ACCESS.info(
        "%s %s %s %.1f ms",
        request.method,
        redact(request.path),
        response.status_code,
        took,
        extra={"status": response.status_code, "duration_ms": round(took, 1)},
    )
    return response


def init_app(app: Flask) -> None:
    for name in (*ACCESS_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    for name in OUR_LOGGERS:  # once per process, whatever the number of apps
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler(app.config["LOG_FORMAT"]))
            logger.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)  # ours says the same, with the request's id
    app.before_request(_begin)
    app.after_request(_end)
