"""Logs never hold a token: an e-mailed link's path is written with its token replaced.

The access logs (Werkzeug's development server, gunicorn) write each request's path, and
the path of an e-mailed link is its secret: ``/fr/register/link/<token>``.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

TOKEN_IN_PATH = re.compile(r"(/link/)[^/\s?#\"']+")
REPLACEMENT = r"\1[token]"
# The loggers that write request paths.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


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


def init_app(app: Flask) -> None:
    for name in (*ACCESS_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
