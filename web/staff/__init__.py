"""The staff console: sign-in and home (console), the analysts' procedures and their
changes, the audit trail."""

from __future__ import annotations

from flask import Flask

from web.staff import analyst, changes, console, trail


def init_app(app: Flask) -> None:
    for part in (console, analyst, changes, trail):
        part.init_app(app)
